import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { combine, useSearchResources } from '../data/index.ts';
import { Card, Empty, ErrorMessage, Loading } from '../design/index.ts';
import { conceptText, referenceText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';

/** Active prescriptions (MedicationRequest) and reported treatments (MedicationStatement). */
export function MedicinesCard({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const patient = `Patient/${patientId}`;
  const loaded = combine(
    useSearchResources('MedicationRequest', { patient, status: 'active', _count: 50 }),
    useSearchResources('MedicationStatement', { patient, status: 'active', _count: 50 }),
  );
  const medicines: (MedicationRequest | MedicationStatement)[] | undefined = loaded.data?.flat();
  return (
    <Card title={t('home.medicines')} testId="current-medicines">
      {loaded.isPending && <Loading />}
      {loaded.error !== undefined && <ErrorMessage error={loaded.error} retry={loaded.retry} />}
      {medicines?.length === 0 && <Empty>{t('home.noMedicines')}</Empty>}
      {medicines && medicines.length > 0 && (
        <ul className="list-plain">
          {medicines.map((m) => (
            <li key={`${m.resourceType}/${m.id}`}>
              <strong>
                {conceptText(m.medicationCodeableConcept) || referenceText(m.medicationReference)}
              </strong>
              <br />
              <MedicineDetail
                medicine={m}
                since={(d) => t('home.since', { date: format.date(d) })}
                by={(n) => t('home.prescribedBy', { name: n })}
              />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function MedicineDetail({
  medicine,
  since,
  by,
}: {
  medicine: MedicationRequest | MedicationStatement;
  since(date: string): string;
  by(name: string): string;
}) {
  const dosage =
    medicine.resourceType === 'MedicationRequest'
      ? medicine.dosageInstruction?.[0]?.text
      : medicine.dosage?.[0]?.text;
  const start =
    medicine.resourceType === 'MedicationRequest'
      ? medicine.authoredOn
      : (medicine.effectivePeriod?.start ?? medicine.effectiveDateTime);
  const who =
    medicine.resourceType === 'MedicationRequest'
      ? medicine.requester?.display
      : medicine.informationSource?.display;
  return (
    <span className="secondary">
      {[dosage, start && since(start), who && by(who)].filter(Boolean).join(' · ')}
    </span>
  );
}
