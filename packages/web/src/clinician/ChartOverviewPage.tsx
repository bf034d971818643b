/** The chart's first view, under its banner: summary, trends, timeline. */
import type { PageProps } from '../app/routes.ts';
import { ChartBody } from './ChartBody.tsx';

export default function ChartOverviewPage({ params }: PageProps) {
  return <ChartBody patientId={params.id} />;
}
