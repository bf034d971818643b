/** Results as trends: one chart per measured thing, the latest value up front. */
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useLoad } from '../app/useLoad.ts';
import { TrendCharts } from '../clinical/TrendCharts.tsx';
import { Empty, ErrorMessage, Loading, Page } from '../design/index.ts';
import { trendsOf } from '../fhir/series.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

export default function ResultsPage() {
  const { t } = useTranslation(NS);
  const patientId = usePatientId();
  const observations = useLoad(
    () =>
      fhir.searchResources('Observation', { patient: `Patient/${patientId}`, _sort: '-date', _count: 1000 }),
    [patientId],
  );
  return (
    <Page
      title={t('results.title')}
      lede={t('results.lede')}
      back={{ to: '/portal/record', label: t('record.title') }}
    >
      {observations.loading && <Loading />}
      {observations.error !== undefined && (
        <ErrorMessage error={observations.error} retry={observations.reload} />
      )}
      {observations.data &&
        (trendsOf(observations.data).length === 0 ? (
          <Empty>{t('results.none')}</Empty>
        ) : (
          <TrendCharts observations={observations.data} />
        ))}
    </Page>
  );
}
