/** Results as trends: one chart per measured thing, the latest value up front. */
import { useTranslation } from 'react-i18next';
import { TrendCharts } from '../clinical/TrendCharts.tsx';
import { useSearchResources } from '../data/index.ts';
import { Empty, ErrorMessage, Loading, Page } from '../design/index.ts';
import { trendsOf } from '../fhir/series.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

export default function ResultsPage() {
  const { t } = useTranslation(NS);
  const patientId = usePatientId();
  const observations = useSearchResources('Observation', {
    patient: `Patient/${patientId}`,
    _sort: '-date',
    _count: 1000,
  });
  return (
    <Page
      title={t('results.title')}
      lede={t('results.lede')}
      back={{ to: '/portal/record', label: t('record.title') }}
    >
      {observations.isPending && <Loading />}
      {observations.isError && (
        <ErrorMessage error={observations.error} retry={() => void observations.refetch()} />
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
