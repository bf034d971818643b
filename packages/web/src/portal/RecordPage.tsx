/** "My record": one card per part of the record, with how many entries it holds, each opening its own page. */
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useDataQuery } from '../data/index.ts';
import { Card, Page } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

export const RECORD_SECTIONS = [
  'problems',
  'allergies',
  'medications',
  'immunizations',
  'results',
  'notes',
  'documents',
] as const;
export type RecordSection = (typeof RECORD_SECTIONS)[number];

const TYPES: Record<RecordSection, string[]> = {
  problems: ['Condition'],
  allergies: ['AllergyIntolerance'],
  medications: ['MedicationStatement', 'MedicationRequest'],
  immunizations: ['Immunization'],
  results: ['Observation'],
  notes: ['Composition'],
  documents: ['DocumentReference'],
};

function SectionCount({ section, patientId }: { section: RecordSection; patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const count = useDataQuery({
    types: TYPES[section],
    key: ['record-count', section, patientId],
    load: async (signal) => {
      const totals = await Promise.all(
        TYPES[section].map(
          async (type) =>
            (
              await fhir.search(
                type as 'Condition',
                { patient: `Patient/${patientId}`, _summary: 'count' },
                { signal },
              )
            ).total ?? 0,
        ),
      );
      return totals.reduce((a, b) => a + b, 0);
    },
  });
  if (count.data === undefined) return null;
  return (
    <p className="tag" data-testid={`count-${section}`}>
      {t('record.count', { count: count.data, n: format.number(count.data) })}
    </p>
  );
}

export default function RecordPage() {
  const { t } = useTranslation(NS);
  const patientId = usePatientId();
  return (
    <Page title={t('record.title')} lede={t('record.lede')}>
      <div className="grid grid--2">
        {RECORD_SECTIONS.map((section) => (
          <Card key={section} title={t(`record.${section}`)} to={`/portal/record/${section}`}>
            <p className="secondary">{t(`record.${section}Hint`)}</p>
            <SectionCount section={section} patientId={patientId} />
          </Card>
        ))}
      </div>
    </Page>
  );
}
