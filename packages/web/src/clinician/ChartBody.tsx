/** The chart's clinical part, loaded once access to the patient is established. */
import { useTranslation } from 'react-i18next';
import { NS as CLINICAL } from '../clinical/i18n/index.ts';
import { Notes } from '../clinical/Notes.tsx';
import { PniCard } from '../clinical/PniCard.tsx';
import { TrendCharts } from '../clinical/TrendCharts.tsx';
import { combine, useResource, useSearchResources } from '../data/index.ts';
import { ButtonLink, Empty, ErrorMessage, Loading } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { trendsOf } from '../fhir/series.ts';
import { ageInYears } from '../i18n/format.ts';
import { useFormat } from '../i18n/useFormat.ts';
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
  const { t: c } = useTranslation(CLINICAL);
  const format = useFormat();
  const chart = useChart(patientId);
  const patient = useResource('Patient', patientId);
  const orders = useSearchResources('ServiceRequest', {
    patient: `Patient/${patientId}`,
    status: 'active',
    _count: 50,
  });
  const child = (ageInYears(patient.data?.birthDate) ?? 99) < 18;
  if (chart.error !== undefined) return <ErrorMessage error={chart.error} retry={chart.retry} />;
  if (!chart.data) return <Loading />;
  const [conditions, allergies, statements, requests, encounters, observations] = chart.data;
  const medications = [...requests, ...statements];
  return (
    <>
      <p>
        <ButtonLink to={`/clinician/patients/${patientId}/visit`}>{c('chart.newVisit')}</ButtonLink>
      </p>
      <ChartSummary
        patientId={patientId}
        conditions={conditions}
        allergies={allergies}
        medications={medications}
      />
      <section>
        <h2>{c('chart.notes')}</h2>
        <Notes patientId={patientId} clinician />
      </section>
      <section>
        <h2>{c('chart.orders')}</h2>
        {orders.data?.length ? (
          <ul className="list-plain" data-testid="chart-orders">
            {orders.data.map((o) => (
              <li key={o.id}>
                <strong>{conceptText(o.code)}</strong>
                <br />
                <span className="secondary">
                  {[conceptText(o.category?.[0]), format.date(o.authoredOn), o.performer?.[0]?.display]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>{t('chart.noOrders')}</Empty>
        )}
      </section>
      {child && (
        <section>
          <h2>{c('chart.vaccination')}</h2>
          <PniCard patientId={patientId} />
        </section>
      )}
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
