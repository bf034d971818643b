/** The chart's clinical part, loaded once access to the patient is established. */
import { useTranslation } from 'react-i18next';
import { TrendCharts } from '../clinical/TrendCharts.tsx';
import { combine, useSearchResources } from '../data/index.ts';
import { Empty, ErrorMessage, Loading } from '../design/index.ts';
import { trendsOf } from '../fhir/series.ts';
import { ChartSummary } from './ChartSummary.tsx';
import { NS } from './i18n/index.ts';
import { Timeline } from './Timeline.tsx';

/** The six searches of a chart, each cached on its own (and refreshed on its own by a write). */
function useChart(patientId: string) {
  const patient = `Patient/${patientId}`;
  return combine(
    useSearchResources('Condition', { patient, _count: 200 }),
    useSearchResources('AllergyIntolerance', { patient, _count: 100 }),
    useSearchResources('MedicationStatement', { patient, _count: 100 }),
    useSearchResources('MedicationRequest', { patient, _count: 100 }),
    useSearchResources('Encounter', { patient, _sort: '-date', _count: 200 }),
    useSearchResources('Observation', { patient, _sort: '-date', _count: 1000 }),
  );
}

export function ChartBody({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const chart = useChart(patientId);
  if (chart.error !== undefined) return <ErrorMessage error={chart.error} retry={chart.retry} />;
  if (!chart.data) return <Loading />;
  const [conditions, allergies, statements, requests, encounters, observations] = chart.data;
  const medications = [...requests, ...statements];
  return (
    <>
      <ChartSummary conditions={conditions} allergies={allergies} medications={medications} />
      <section>
        <h2>{t('chart.trends')}</h2>
        {trendsOf(observations).length === 0 ? (
          <Empty>{t('chart.noTrends')}</Empty>
        ) : (
          <TrendCharts observations={observations} />
        )}
      </section>
      <section>
        <h2>{t('chart.timeline')}</h2>
        <Timeline encounters={encounters} observations={observations} conditions={conditions} />
      </section>
    </>
  );
}
