/** Encounters, measurements and diagnoses in one dense table, newest first. */
import type { Condition, Encounter, Observation } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { useCodeLabel } from '../app/labels.ts';
import { DataTable, Empty } from '../design/index.ts';
import { conceptsText, conceptText, referenceText } from '../fhir/display.ts';
import { observationCode, observationValueText } from '../fhir/observation.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';
import { type TimelineItem, timelineOf } from './timeline.ts';

const PAGE = 60;

export function Timeline(props: {
  encounters: Encounter[];
  observations: Observation[];
  conditions: Condition[];
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const label = useCodeLabel();
  const items = timelineOf(props).slice(0, PAGE);
  if (items.length === 0) return <Empty>{t('chart.noTimeline')}</Empty>;

  const measurement = (o: Observation) =>
    `${label(observationCode(o), conceptText(o.code))} ${observationValueText(o, format.quantity, format.number, format.unit)}`;
  const title = (item: TimelineItem) => {
    if (item.kind === 'encounter')
      return conceptsText(item.encounter.type) || item.encounter.class.display || '';
    if (item.kind === 'observation') return measurement(item.observation);
    return conceptText(item.condition.code);
  };
  /** Each piece isolated (<bdi>): French clinical text and Arabic labels must not reorder each other. */
  const details = (item: TimelineItem) => {
    const parts = [title(item)];
    if (item.kind === 'encounter') {
      parts.push((item.encounter.reasonReference ?? []).map(referenceText).join(', '));
      parts.push(...item.observations.map(measurement));
    }
    return parts
      .filter(Boolean)
      .map((text, position) => ({ text, id: `part-${position}`, separator: ['', ' — '][position] ?? ' · ' }))
      .map(({ text, id, separator }) => (
        <span key={id}>
          {separator}
          <bdi>{text}</bdi>
        </span>
      ));
  };
  const by = (item: TimelineItem) => {
    if (item.kind === 'encounter') return item.encounter.participant?.[0]?.individual?.display ?? '';
    if (item.kind === 'observation') return item.observation.performer?.[0]?.display ?? '';
    return item.condition.recorder?.display ?? '';
  };
  return (
    <DataTable
      caption={t('chart.timeline')}
      captionHidden
      testId="chart-timeline"
      rows={items}
      rowKey={(item) => `${item.kind}-${item.date}-${title(item)}`}
      columns={[
        { header: t('chart.date'), cell: (item) => format.date(item.date, { style: 'numeric' }) },
        { header: t('chart.event'), cell: (item) => <strong>{t(`chart.kinds.${item.kind}`)}</strong> },
        {
          header: t('chart.details'),
          wrap: true,
          cell: details,
        },
        { header: t('chart.by'), cell: by },
      ]}
    />
  );
}
