/**
 * The mobile units (administrators, programme managers): each unit and its base, opening onto its
 * tour, team and equipment (UnitPage).
 */
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../../data/index.ts';
import { Card, Empty, ErrorMessage, Loading, Page } from '../../design/index.ts';
import { myUnits, UNIT_TYPES } from '../api.ts';
import { NS } from '../i18n/index.ts';
import { unitName } from '../unit-name.ts';
import { communeName } from './view.ts';

export default function UnitsPage() {
  const { t, i18n } = useTranslation(NS);
  const units = useDataQuery({ types: UNIT_TYPES, key: ['units'], load: (signal) => myUnits(signal) });
  return (
    <Page title={t('tours.title')} lede={t('tours.lede')}>
      {units.isPending && <Loading />}
      {units.isError && <ErrorMessage error={units.error} retry={() => void units.refetch()} />}
      {units.data?.length === 0 && <Empty>{t('tours.noUnits')}</Empty>}
      <div data-testid="units-list">
        {units.data?.map((u) => (
          <Card key={u.id} title={unitName(u, i18n.language)} to={`/units/${encodeURIComponent(u.id)}`}>
            <p>
              {t('labelled', {
                ns: 'common',
                label: t('tours.base'),
                value: communeName(u.base, i18n.language) || t('tours.noBase'),
              })}
            </p>
            <p>{t('tours.open')}</p>
          </Card>
        ))}
      </div>
    </Page>
  );
}
