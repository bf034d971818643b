/**
 * The summary sent ahead, to print and carry: the IPS document rendered in French, Arabic or
 * English — and Spanish or Portuguese for a centre there — section by section (the narrative's
 * rows read as text). The same page serves the patient, the home team and the destination.
 */
import type { Composition, Patient } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/screen.ts';
import { useDataQuery } from '../data/index.ts';
import { Button, ErrorMessage, Loading, Page, SelectField } from '../design/index.ts';
import { formatDate } from '../i18n/format.ts';
import { useLocation } from '../router/router.tsx';
import { STAY_TYPES, summary } from './api.ts';
import { NS } from './i18n/index.ts';
import './dialysis.css';
import { LABELS, languagesFor, type PrintLanguage, rowsOf, sectionTitle } from './print.ts';
import { useStay } from './useStay.ts';

export default function SummaryPage({ params }: PageProps) {
  const { t, i18n } = useTranslation(NS);
  const { pathname } = useLocation();
  const id = params.id ?? '';
  const stay = useStay(id);
  const found = useDataQuery({
    types: STAY_TYPES,
    key: ['dialysis-summary', id],
    load: (signal) => summary(id, signal),
  });
  const [language, setLanguage] = useState<PrintLanguage>(
    (['fr', 'ar', 'en'].includes(i18n.language) ? i18n.language : 'fr') as PrintLanguage,
  );
  const back = pathname.replace(/\/summary$/, '');
  const bundle = found.data;
  const composition = bundle?.entry?.[0]?.resource as Composition | undefined;
  const patient = bundle?.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource as
    | Patient
    | undefined;
  const name = patient?.name?.[0];
  const dateIn = (d?: string) => formatDate(language === 'ar' ? 'ar' : language === 'en' ? 'en' : 'fr', d);
  return (
    <Page title={t('stay.summary')} back={{ to: back, label: t('print.back') }}>
      <div className="dialysis-print-controls">
        <SelectField
          id="print-language"
          label={t('print.language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value as PrintLanguage)}
          options={languagesFor(stay.data?.centre.country).map((l) => ({ value: l, label: l.toUpperCase() }))}
        />
        <Button type="button" variant="secondary" onClick={() => window.print()}>
          {t('print.print')}
        </Button>
      </div>
      {found.isPending && <Loading />}
      {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      {composition && (
        <article
          className="dialysis-summary"
          lang={language}
          dir={language === 'ar' ? 'rtl' : 'ltr'}
          data-testid="dialysis-summary"
        >
          <h2>{LABELS.title[language]}</h2>
          <dl className="summary-list">
            <div className="summary-list__row">
              <dt>{LABELS.patient[language]}</dt>
              <dd>{name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ')}</dd>
            </div>
            <div className="summary-list__row">
              <dt>{LABELS.born[language]}</dt>
              <dd>{dateIn(patient?.birthDate)}</dd>
            </div>
            <div className="summary-list__row">
              <dt>{LABELS.date[language]}</dt>
              <dd>{dateIn(composition.date)}</dd>
            </div>
          </dl>
          {(composition.section ?? []).map((s) => {
            const rows = s.entry ? rowsOf(s.text?.div) : [];
            return (
              <section key={s.code?.coding?.[0]?.code ?? s.title}>
                <h3>{sectionTitle(s.code?.coding?.[0]?.code, language, s.title)}</h3>
                {rows.length === 0 ? (
                  <p>{LABELS.empty[language]}</p>
                ) : (
                  <table className="table">
                    <tbody>
                      {rows.map((cells, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: rows of a printed table, never reordered
                        <tr key={i}>
                          {cells.map((c, j) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: cells of a printed row
                            <td key={j} dir="auto">
                              {c}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            );
          })}
        </article>
      )}
    </Page>
  );
}
