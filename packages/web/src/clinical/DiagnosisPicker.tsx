/**
 * The ICD-10 field of the visit form, an ARIA 1.2 combobox: the clinician types words or a code,
 * the matching codes come from the server (`ValueSet/$expand`) with their titles in the screen's
 * language (French when there is no translation, marked as such), arrows move, Enter or a click
 * picks, Escape closes. Once picked, the code and its title show with a way to change them.
 */
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LinkButton, TextField } from '../design/index.ts';
import { findIcd10, type Icd10Title } from '../fhir/icd10.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';
import './diagnosis-picker.css';

const WAIT_MS = 250;

export interface DiagnosisPickerProps {
  /** The field id (`diagnosis-0-code`): a refusal is shown on it. */
  id: string;
  chosen?: { code: string; display: string; language: string };
  error?: string;
  onChoose(choice: Icd10Title | undefined): void;
}

export function DiagnosisPicker({ id, chosen, error, onChoose }: DiagnosisPickerProps) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ total: number; codes: Icd10Title[] }>();
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);

  // after "Change", the search field takes the place (and the focus) of the chosen code
  useEffect(() => {
    if (changing && !chosen) {
      document.getElementById(id)?.focus();
      setChanging(false);
    }
  }, [changing, chosen, id]);

  useEffect(() => {
    const typed = query.trim();
    if (typed.length < 2) {
      setFound(undefined);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      findIcd10(typed, language, { count: 10, signal: abort.signal })
        .then((result) => {
          setFound(result);
          setActive(result.codes.length ? 0 : -1);
          setOpen(true);
        })
        .catch(() => {
          if (!abort.signal.aborted) setFound({ total: 0, codes: [] });
        });
    }, WAIT_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [query, language]);

  if (chosen)
    return (
      <div className="code-picker__chosen" data-testid={`${id}-chosen`}>
        <span>
          <span className="code-picker__code" dir="ltr">
            {chosen.code}
          </span>{' '}
          <span lang={chosen.language}>{chosen.display}</span>
        </span>
        <LinkButton
          id={id}
          onClick={() => {
            onChoose(undefined);
            setQuery('');
            setChanging(true);
          }}
          aria-label={t('visit.diagnosisChangeLabel', { code: chosen.code })}
        >
          {t('visit.diagnosisChange')}
        </LinkButton>
      </div>
    );

  const codes = found?.codes ?? [];
  const expanded = open && codes.length > 0;
  const choose = (c: Icd10Title) => {
    onChoose(c);
    setOpen(false);
    setFound(undefined);
  };
  const optionId = (i: number) => `${id}-option-${i}`;
  return (
    <div className="code-picker">
      <TextField
        id={id}
        label={t('visit.code')}
        hint={t('visit.codeHint')}
        error={error}
        value={query}
        autoComplete="off"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            if (!codes.length) return;
            setOpen(true);
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((i) => (i + step + codes.length) % codes.length);
          } else if (e.key === 'Enter') {
            // Enter picks from an open list, and never submits the visit from this field
            e.preventDefault();
            if (expanded && codes[active]) choose(codes[active]);
          } else if (e.key === 'Escape' && open) {
            e.preventDefault();
            setOpen(false);
          }
        }}
      />
      <div
        id={listId}
        role="listbox"
        aria-label={t('visit.code')}
        className="code-picker__list"
        hidden={!expanded}
      >
        {codes.map((c, i) => (
          <div
            key={c.code}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            className="code-picker__option"
            // mousedown, not click: picked before the field's blur closes the list
            onMouseDown={(e) => {
              e.preventDefault();
              choose(c);
            }}
          >
            <span className="code-picker__code" dir="ltr">
              {c.code}
            </span>{' '}
            <span lang={c.language}>{c.display}</span>
          </div>
        ))}
      </div>
      <p className={found?.total === 0 ? 'empty' : 'visually-hidden'} aria-live="polite">
        {found && query.trim().length >= 2
          ? found.total
            ? t('visit.codesFound', { count: codes.length })
            : t('visit.noCode')
          : ''}
      </p>
    </div>
  );
}
