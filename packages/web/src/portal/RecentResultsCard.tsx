import { useTranslation } from 'react-i18next';
import { useCodeLabel } from '../app/labels.ts';
import { useSearchResources } from '../data/index.ts';
import { Card, Empty, ErrorMessage, Loading } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { observationCode, observationDate, observationValueText } from '../fhir/observation.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { NS } from './i18n/index.ts';

export function RecentResultsCard({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const label = useCodeLabel();
  const results = useSearchResources('Observation', {
    patient: `Patient/${patientId}`,
    _sort: '-date',
    _count: 5,
  });
  return (
    <Card title={t('home.results')} testId="recent-results">
      {results.isPending && <Loading />}
      {results.isError && <ErrorMessage error={results.error} retry={() => void results.refetch()} />}
      {results.data?.length === 0 && <Empty>{t('home.noResults')}</Empty>}
      {results.data && results.data.length > 0 && (
        <>
          <ul className="list-plain">
            {results.data.map((o) => (
              <li key={o.id} className="row-between">
                <span>
                  <strong>{label(observationCode(o), conceptText(o.code))}</strong>
                  <br />
                  <span className="secondary">{format.date(observationDate(o))}</span>
                </span>
                <bdi className="chart__latest">
                  {observationValueText(o, format.quantity, format.number, format.unit)}
                </bdi>
              </li>
            ))}
          </ul>
          <p className="spaced">
            <Link to="/portal/record/results">{t('home.seeTrends')}</Link>
          </p>
        </>
      )}
    </Card>
  );
}
