/**
 * A teleconsultation report as its reader sees it in the record: each section under its heading in
 * the reader's language (the stored titles are French), the doctor's words in their own direction.
 */
import type { Composition } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { noteSections } from '../clinical/note-text.ts';
import { NS } from './i18n/index.ts';
import { REPORT_CATEGORY, reportSectionKey } from './report.ts';
import './teleconsult.css';

export const isConsultationReport = (c: Composition): boolean =>
  c.category?.some((cat) => cat.coding?.some((coding) => coding.code === REPORT_CATEGORY)) ?? false;

export function ReportTitle() {
  const { t } = useTranslation(NS);
  return <>{t('report.document')}</>;
}

export function ReportSections({ composition }: { composition: Composition }) {
  const { t } = useTranslation(NS);
  return (
    <dl className="report-sections">
      {noteSections(composition).map((s) => {
        const key = reportSectionKey(s.code);
        return (
          <div key={`${s.code}-${s.text}`}>
            <dt>{key ? t(`report.${key}`) : <bdi>{s.title}</bdi>}</dt>
            <dd className="note-text" dir="auto">
              {s.text}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
