/** One line chart per numeric LOINC series of a patient's observations (shared by portal and chart). */
import type { Observation } from '@medplum/fhirtypes';
import { useCodeLabel } from '../app/labels.ts';
import { LineChart } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { trendsOf } from '../fhir/series.ts';

export function TrendCharts({
  observations,
  minPoints = 1,
}: {
  observations: Observation[];
  minPoints?: number;
}) {
  const label = useCodeLabel();
  const trends = trendsOf(observations, minPoints);
  const names = new Map(observations.map((o) => [o.code?.coding?.[0]?.code, conceptText(o.code)]));
  return (
    <div className="grid grid--2">
      {trends.map((trend) => (
        <LineChart
          key={trend.code}
          testId={`chart-${trend.code}`}
          title={label(trend.code, names.get(trend.code) ?? trend.code)}
          series={trend.series.map((s) => ({ label: label(s.code, s.code), unit: s.unit, points: s.points }))}
        />
      ))}
    </div>
  );
}
