/** Problems and allergies, for the patient. */
import type { CodeableConcept } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../data/index.ts';
import { Tag } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { ICD10, icd10Title } from '../fhir/icd10.ts';
import { useFormat, useLanguage } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';
import { SearchList } from './SearchList.tsx';

function statusTag(code: string | undefined, t: (key: string) => string) {
  if (code === 'active' || code === 'recurrence' || code === 'relapse')
    return <Tag kind="warning">{t('record.active')}</Tag>;
  if (code === 'resolved' || code === 'remission') return <Tag kind="success">{t('record.resolved')}</Tag>;
  return code ? <Tag kind="grey">{t('record.inactive')}</Tag> : null;
}

/**
 * A problem as the patient reads it: the ICD-10 title in the page's language (Arabic on Arabic
 * pages when the set has it, else French), then the care-giver's own words when they say more.
 */
function ProblemTitle({ concept }: { concept: CodeableConcept | undefined }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const code = concept?.coding?.find((c) => c.system === ICD10 && c.code)?.code;
  const title = useDataQuery({
    types: [],
    key: ['icd10-title', code, language],
    load: (signal) => icd10Title(code ?? '', language, signal),
    enabled: Boolean(code),
  });
  const words = concept?.text?.trim();
  if (!title.data) return <strong>{title.isPending && code ? (words ?? code) : conceptText(concept)}</strong>;
  return (
    <div>
      <strong lang={title.data.language}>{title.data.display}</strong>{' '}
      <span className="secondary" dir="ltr">
        ({title.data.code})
      </span>
      {words && words !== title.data.display && (
        <div className="secondary">{t('record.doctorWords', { text: words })}</div>
      )}
    </div>
  );
}

export function ProblemsList({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return (
    <SearchList
      type="Condition"
      params={{ patient: `Patient/${patientId}`, _sort: '-recorded-date', _count: 100 }}
      testId="problems"
      item={(c) => (
        <>
          <div className="row-between">
            <ProblemTitle concept={c.code} />
            {statusTag(c.clinicalStatus?.coding?.[0]?.code, t)}
          </div>
          <span className="secondary">
            {[
              c.onsetDateTime && t('record.since', { date: format.date(c.onsetDateTime) }),
              c.recorder?.display && t('record.recordedBy', { name: c.recorder.display }),
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </>
      )}
    />
  );
}

export function AllergiesList({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return (
    <SearchList
      type="AllergyIntolerance"
      params={{ patient: `Patient/${patientId}`, _count: 100 }}
      testId="allergies"
      item={(a) => {
        const reactions = (a.reaction ?? [])
          .flatMap((r) => r.manifestation)
          .map(conceptText)
          .join(', ');
        return (
          <>
            <div className="row-between">
              <strong>{conceptText(a.code)}</strong>
              {a.criticality && (
                <Tag kind={a.criticality === 'high' ? 'warning' : 'grey'}>
                  {t(`record.criticality.${a.criticality}`)}
                </Tag>
              )}
            </div>
            <span className="secondary">
              {[
                reactions && t('record.reaction', { text: reactions }),
                a.recordedDate && format.date(a.recordedDate),
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
