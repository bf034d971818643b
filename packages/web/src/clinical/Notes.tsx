/** Visit notes (Compositions), newest first: shown to the patient, and to clinicians with sign and correct. */
import type { Composition } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { useSearchResources } from '../data/index.ts';
import { ButtonLink, Empty, ErrorMessage, Loading, Tag } from '../design/index.ts';
import { referenceId } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { isConsultationReport, ReportSections, ReportTitle } from '../teleconsult/ReportSections.tsx';
import { NS } from './i18n/index.ts';
import { noteStatusKey, noteText } from './note-text.ts';

export function Notes({
  patientId,
  clinician,
  emptyText,
}: {
  patientId: string;
  clinician?: boolean;
  emptyText?: string;
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const notes = useSearchResources('Composition', {
    patient: `Patient/${patientId}`,
    _sort: '-date',
    _count: 50,
  });
  if (notes.isPending) return <Loading />;
  if (notes.isError) return <ErrorMessage error={notes.error} retry={() => void notes.refetch()} />;
  const list = (notes.data ?? []).filter((c: Composition) => c.status !== 'entered-in-error');
  if (list.length === 0) return <Empty>{emptyText ?? t('chart.noNotes')}</Empty>;
  return (
    <ul className="list-plain" data-testid="visit-notes">
      {list.map((c) => {
        const status = noteStatusKey(c);
        const encounter = referenceId(c.encounter, 'Encounter');
        return (
          <li key={c.id}>
            <div className="row-between">
              <strong>{isConsultationReport(c) ? <ReportTitle /> : c.title}</strong>
              <Tag kind={status === 'preliminary' ? 'warning' : 'success'}>{t(`chart.${status}`)}</Tag>
            </div>
            <p className="secondary">
              {[format.date(c.date), c.author?.[0]?.display].filter(Boolean).join(' · ')}
            </p>
            {isConsultationReport(c) ? (
              <ReportSections composition={c} />
            ) : (
              <p className="note-text" dir="auto">
                {noteText(c)}
              </p>
            )}
            {clinician && (
              <div className="cluster">
                {status === 'preliminary' && encounter && (
                  <ButtonLink
                    small
                    variant="secondary"
                    to={`/clinician/patients/${patientId}/sign/${encounter}`}
                  >
                    {t('chart.signNow')}
                  </ButtonLink>
                )}
                <Link to={`/clinician/patients/${patientId}/correct/Composition/${c.id}`}>
                  {t('chart.correct')}
                </Link>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
