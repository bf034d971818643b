/** Problems and allergies, for the patient. */
import { useTranslation } from 'react-i18next';
import { Tag } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';
import { SearchList } from './SearchList.tsx';

function statusTag(code: string | undefined, t: (key: string) => string) {
  if (code === 'active' || code === 'recurrence' || code === 'relapse')
    return <Tag kind="warning">{t('record.active')}</Tag>;
  if (code === 'resolved' || code === 'remission') return <Tag kind="success">{t('record.resolved')}</Tag>;
  return code ? <Tag kind="grey">{t('record.inactive')}</Tag> : null;
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
            <strong>{conceptText(c.code)}</strong>
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
