/** One part of the patient's record, as a plain list (clarity over density). */
import { useTranslation } from 'react-i18next';
import { NotFoundPage } from '../app/NotFoundPage.tsx';
import type { PageProps } from '../app/routes.ts';
import { Notes } from '../clinical/Notes.tsx';
import { Page } from '../design/index.ts';
import { NS } from './i18n/index.ts';
import { DocumentsList, ImmunizationsList, MedicationsList } from './lists-care.tsx';
import { AllergiesList, ProblemsList } from './lists-clinical.tsx';
import { usePatientId } from './usePatientId.ts';

const LISTS = {
  problems: ProblemsList,
  allergies: AllergiesList,
  medications: MedicationsList,
  immunizations: ImmunizationsList,
  documents: DocumentsList,
  notes: ({ patientId }: { patientId: string }) => <Notes patientId={patientId} />,
} as const;

export default function RecordSectionPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const patientId = usePatientId();
  const section = params.section as keyof typeof LISTS;
  const List = LISTS[section];
  if (!List) return <NotFoundPage />;
  return (
    <Page title={t(`record.${section}`)} back={{ to: '/portal/record', label: t('record.title') }}>
      <List patientId={patientId} />
    </Page>
  );
}
