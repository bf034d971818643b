/** The chart's clinical part, loaded once access to the patient is established. */
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useLoad } from '../app/useLoad.ts';
import { TrendCharts } from '../clinical/TrendCharts.tsx';
import { Empty, ErrorMessage, Loading } from '../design/index.ts';
import { trendsOf } from '../fhir/series.ts';
import { ChartSummary } from './ChartSummary.tsx';
import { NS } from './i18n/index.ts';
import { Timeline } from './Timeline.tsx';

async function loadChart(patientId: string) {
  const patient = `Patient/${patientId}`;
  const [conditions, allergies, statements, requests, encounters, observations] = await Promise.all([
    fhir.searchResources('Condition', { patient, _count: 200 }),
    fhir.searchResources('AllergyIntolerance', { patient, _count: 100 }),
    fhir.searchResources('MedicationStatement', { patient, _count: 100 }),
    fhir.searchResources('MedicationRequest', { patient, _count: 100 }),
    fhir.searchResources('Encounter', { patient, _sort: '-date', _count: 200 }),
    fhir.searchResources('Observation', { patient, _sort: '-date', _count: 1000 }),
  ]);
  return { conditions, allergies, medications: [...requests, ...statements], encounters, observations };
}

export function ChartBody({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const chart = useLoad(() => loadChart(patientId), [patientId]);
  if (chart.loading && !chart.data) return <Loading />;
  if (!chart.data) return <ErrorMessage error={chart.error} retry={chart.reload} />;
  const { conditions, allergies, medications, encounters, observations } = chart.data;
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
