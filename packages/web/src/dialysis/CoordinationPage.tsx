/**
 * The clinicians' dialysis page: requests addressed to their centre (live: a new Task addressed to
 * the centre refreshes the list through the live feed) and the stays of the patients they follow at
 * home (drafts waiting for their approval first).
 */
import { useTranslation } from 'react-i18next';
import { Card, Empty, ErrorMessage, Loading, Page, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import type { StaySummary } from './api.ts';
import { NS } from './i18n/index.ts';
import './dialysis.css';
import { stateKind } from './rules.ts';
import { useStays } from './useStay.ts';

function StayTable({ stays, testId }: { stays: StaySummary[]; testId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  if (stays.length === 0) return <Empty>{t('centre.none')}</Empty>;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('centre.patient')}</th>
          <th>{t('centre.centre')}</th>
          <th>{t('centre.dates')}</th>
          <th>{t('centre.state')}</th>
        </tr>
      </thead>
      <tbody>
        {stays.map((s) => (
          <tr key={s.id} data-state={s.state}>
            <td>
              <Link to={`/clinician/dialysis/stays/${s.id}`}>{s.patient.name || s.patient.reference}</Link>
            </td>
            <td>
              {s.centre.name}
              {s.abroad ? ` (${s.centre.country})` : ''}
            </td>
            <td>
              {t('stay.dates', { arrival: format.date(s.arrival), departure: format.date(s.departure) })}
            </td>
            <td>
              <Tag kind={stateKind(s.state)}>{t(`state.${s.state}`)}</Tag>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function CoordinationPage() {
  const { t } = useTranslation(NS);
  const lists = useStays();
  const order = (s: StaySummary) => (s.state === 'draft' || s.state === 'sent' ? 0 : 1);
  return (
    <Page title={t('centre.title')} lede={t('centre.lede')}>
      {lists.isPending && <Loading />}
      {lists.isError && <ErrorMessage error={lists.error} retry={() => void lists.refetch()} />}
      {lists.data && (
        <>
          <Card title={t('centre.incoming')}>
            <StayTable
              stays={[...lists.data.incoming].sort((a, b) => order(a) - order(b))}
              testId="dialysis-incoming"
            />
          </Card>
          <Card title={t('centre.followed')}>
            <StayTable
              stays={[...lists.data.followed].sort((a, b) => order(a) - order(b))}
              testId="dialysis-followed"
            />
          </Card>
        </>
      )}
    </Page>
  );
}
