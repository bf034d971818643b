/** The facility directory: Organizations with their Locations, in a dense table. */

import type { Bundle } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { resourcesOf } from '../api/fhir.ts';
import { useSearch } from '../data/index.ts';
import { ButtonLink, DataTable, Empty, ErrorMessage, Loading, Notice, Page } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link, useLocation } from '../router/router.tsx';
import { facilityValues } from './facility.ts';
import { NS } from './i18n/index.ts';

const DIRECTORY = { type: 'prov', _revinclude: 'Location:organization', _sort: 'name', _count: 500 };

function facilityRows(bundle: Bundle) {
  const locations = resourcesOf(bundle, 'Location');
  return resourcesOf(bundle, 'Organization').map((organization) => {
    const location = locations.find(
      (l) => l.managingOrganization?.reference === `Organization/${organization.id}`,
    );
    return { id: organization.id ?? '', values: facilityValues(organization, location) };
  });
}

export default function FacilitiesPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { search } = useLocation();
  const directory = useSearch('Organization', DIRECTORY);
  const rows = directory.data ? facilityRows(directory.data) : undefined;
  return (
    <Page title={t('facilities.title')} lede={t('facilities.lede')}>
      {search.get('saved') && <Notice kind="success">{t('facilities.saved')}</Notice>}
      <p>
        <ButtonLink to="/admin/facilities/new">{t('facilities.add')}</ButtonLink>
      </p>
      {directory.isPending && <Loading />}
      {directory.isError && <ErrorMessage error={directory.error} retry={() => void directory.refetch()} />}
      {rows?.length === 0 && <Empty>{t('facilities.none')}</Empty>}
      {rows && rows.length > 0 && (
        <DataTable
          caption={t('facilities.title')}
          captionHidden
          testId="facilities"
          rows={rows}
          rowKey={(f) => f.id}
          columns={[
            {
              header: t('facilities.name'),
              cell: (f) => <Link to={`/admin/facilities/${f.id}`}>{f.values.name}</Link>,
            },
            { header: t('facilities.kind'), cell: (f) => t(`facilities.kinds.${f.values.kind}`) },
            { header: t('facilities.city'), cell: (f) => f.values.city },
            { header: t('facilities.inpe'), cell: (f) => <bdi>{f.values.inpe}</bdi> },
            {
              header: t('facilities.latitude'),
              numeric: true,
              cell: (f) =>
                f.values.latitude ? <bdi>{format.number(Number(f.values.latitude), 4)}</bdi> : '',
            },
            {
              header: t('facilities.longitude'),
              numeric: true,
              cell: (f) =>
                f.values.longitude ? <bdi>{format.number(Number(f.values.longitude), 4)}</bdi> : '',
            },
          ]}
        />
      )}
    </Page>
  );
}
