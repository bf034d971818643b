/** Medicines, vaccinations and documents, for the patient. */
import { useTranslation } from 'react-i18next';
import { Tag } from '../design/index.ts';
import { conceptText, referenceText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { doseNumber, vaccineLabel } from '../terms/index.ts';
import { NS } from './i18n/index.ts';
import { SearchList } from './SearchList.tsx';

export function MedicationsList({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const patient = `Patient/${patientId}`;
  return (
    <>
      <h2>{t('record.prescriptions')}</h2>
      <SearchList
        type="MedicationRequest"
        params={{ patient, _sort: '-authoredon', _count: 100 }}
        testId="prescriptions"
        item={(m) => (
          <>
            <div className="row-between">
              <strong>
                {conceptText(m.medicationCodeableConcept) || referenceText(m.medicationReference)}
              </strong>
              {m.status === 'active' && <Tag kind="success">{t('record.active')}</Tag>}
            </div>
            <span className="secondary">
              {[m.dosageInstruction?.[0]?.text, format.date(m.authoredOn), m.requester?.display]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </>
        )}
      />
      <h2>{t('record.statements')}</h2>
      <SearchList
        type="MedicationStatement"
        params={{ patient, _count: 100 }}
        testId="medication-statements"
        item={(m) => (
          <>
            <div className="row-between">
              <strong>
                {conceptText(m.medicationCodeableConcept) || referenceText(m.medicationReference)}
              </strong>
              {m.status === 'active' ? (
                <Tag kind="success">{t('record.active')}</Tag>
              ) : (
                <Tag kind="grey">{t('record.inactive')}</Tag>
              )}
            </div>
            <span className="secondary">
              {[
                m.dosage?.[0]?.text,
                m.effectivePeriod?.start && t('record.since', { date: format.date(m.effectivePeriod.start) }),
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </>
        )}
      />
    </>
  );
}

export function ImmunizationsList({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return (
    <SearchList
      type="Immunization"
      params={{ patient: `Patient/${patientId}`, _sort: '-date', _count: 200 }}
      testId="immunizations"
      item={(i) => {
        const dose = doseNumber(i);
        return (
          <>
            {/* from the vaccine's code: the recorded text is in the language it was written in */}
            <strong data-testid="vaccine-name">{vaccineLabel(format.language, i)}</strong>
            <br />
            <span className="secondary">
              {[
                format.date(i.occurrenceDateTime ?? i.occurrenceString),
                dose && t('record.dose', { n: dose }),
                i.location?.display,
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </>
        );
      }}
    />
  );
}

export function DocumentsList({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return (
    <SearchList
      type="DocumentReference"
      params={{ patient: `Patient/${patientId}`, _sort: '-date', _count: 100 }}
      testId="documents"
      item={(d) => {
        const attachment = d.content?.[0]?.attachment;
        const title = d.description ?? attachment?.title ?? conceptText(d.type);
        return (
          <>
            <strong>{title}</strong>
            <br />
            <span className="secondary">
              {[
                conceptText(d.type) !== title && conceptText(d.type),
                d.date && t('record.documentDate', { date: format.date(d.date) }),
                d.author?.[0]?.display,
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
            {attachment?.url && (
              <>
                {' '}
                <a href={attachment.url} target="_blank" rel="noreferrer">
                  {t('record.open')}
                </a>
              </>
            )}
          </>
        );
      }}
    />
  );
}
