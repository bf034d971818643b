/**
 * The weekly-template editor: slot length, sessions per weekday, Ramadan hours, public holidays,
 * and exceptions such as leave. The server derives the coming weeks' free times from it and says
 * what it refuses field by field; each refusal is shown next to the field it names.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import type { PageProps } from '../app/routes.ts';
import { useDataMutation, useDataQuery } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  LinkButton,
  Loading,
  Notice,
  Page,
  TextField,
} from '../design/index.ts';
import { type Language, localeTag } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { mySchedules, saveTemplate } from './api.ts';
import { NS } from './i18n/index.ts';
import {
  draftOf,
  draftProblems,
  type ExceptionRow,
  exceptionField,
  exceptionTimeField,
  newKey,
  refusedFields,
  rowsOf,
  type SessionRow,
  sessionField,
  type TemplateDraft,
  type TemplateProblem,
  templateFrom,
  WEEKDAYS,
  type Weekday,
} from './template.ts';
import './agenda.css';

/** "lundi", "الاثنين": weekday names from Intl (30 November 2026 is a Monday). */
function weekdayName(language: Language, day: Weekday): string {
  const index = WEEKDAYS.indexOf(day);
  const name = new Intl.DateTimeFormat(localeTag(language), { weekday: 'long', timeZone: 'UTC' }).format(
    Date.UTC(2026, 10, 30 + index, 12),
  );
  return name.charAt(0).toLocaleUpperCase(localeTag(language)) + name.slice(1);
}

export default function TemplatePage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const schedules = useDataQuery({ types: ['Schedule'], key: ['my-schedules'], load: mySchedules });
  const mine = schedules.data?.find((s) => s.id === params.schedule);
  const back = { to: '/clinician/agenda', label: t('template.back') };
  if (!schedules.data || !mine) {
    return (
      <Page title={t('template.title')} back={back}>
        {schedules.isError ? (
          <ErrorMessage error={schedules.error} retry={() => void schedules.refetch()} />
        ) : schedules.data ? (
          <ErrorMessage error={new ApiError(404, undefined)} />
        ) : (
          <Loading />
        )}
      </Page>
    );
  }
  return (
    <Page title={t('template.title')} back={back} lede={t('template.lede')}>
      <TemplateForm schedule={mine.id} initial={draftOf(mine.template)} />
    </Page>
  );
}

function TemplateForm({ schedule, initial }: { schedule: string; initial: TemplateDraft }) {
  const { t } = useTranslation(NS);
  const [draft, setDraft] = useState(initial);
  const [attempted, setAttempted] = useState(false);
  const [refused, setRefused] = useState<TemplateProblem[]>([]);
  const [focusKey, setFocusKey] = useState(0);
  const [saved, setSaved] = useState<{ created: number; removed: number }>();
  const save = useDataMutation({
    write: (input: ReturnType<typeof templateFrom>) => saveTemplate(schedule, input.template),
    changes: () => [{ resourceType: 'Schedule' }, { resourceType: 'Slot' }],
  });
  const problems = [...(attempted ? draftProblems(draft) : []), ...refused];
  const errorOf = (field: string) => {
    const found = problems.find((p) => p.field === field);
    return found ? t(`errors.${found.key}`) : undefined;
  };
  const errors = problems
    .filter((p, i) => problems.findIndex((q) => q.field === p.field) === i)
    .map((p) => ({ field: p.field, message: t(`errors.${p.key}`) }));
  const change = (next: Partial<TemplateDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setSaved(undefined);
  };
  // a field edited after a refusal is no longer the one refused
  const edit = (field: string, next: Partial<TemplateDraft>) => {
    setRefused((r) => r.filter((p) => p.field !== field));
    change(next);
  };
  useEffect(() => {
    if (saved) window.scrollTo(0, 0);
  }, [saved]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    setFocusKey((n) => n + 1);
    setRefused([]);
    save.reset();
    if (draftProblems(draft).length > 0) return;
    const sent = templateFrom(draft);
    save.mutate(sent, {
      onSuccess: (result) => setSaved({ created: result.created, removed: result.removed }),
      onError: (error) => {
        const blamed = error instanceof ApiError ? refusedFields(error.outcome, sent.paths) : [];
        if (blamed.length > 0) {
          setRefused(blamed);
          setFocusKey((n) => n + 1);
          save.reset();
        }
      },
    });
  };

  return (
    <>
      {saved && <Notice kind="success">{t('template.saved', saved)}</Notice>}
      <ErrorSummary errors={errors} focusKey={focusKey} />
      {save.isError && <ErrorMessage error={save.error} />}
      <form onSubmit={submit} noValidate>
        <TextField
          id="slotMinutes"
          label={t('template.slotMinutes')}
          hint={t('template.slotMinutesHint')}
          value={draft.slotMinutes}
          error={errorOf('slotMinutes')}
          onChange={(e) => edit('slotMinutes', { slotMinutes: e.target.value })}
          inputMode="numeric"
          dir="ltr"
          short
        />
        <WeekEditor
          legend={t('template.week')}
          hint={t('template.weekHint')}
          rows={draft.sessions}
          prefix="s"
          errorOf={errorOf}
          onChange={(sessions, field) => edit(field, { sessions })}
        />
        <label className="choice">
          <input
            type="checkbox"
            id="ramadan"
            checked={draft.ramadan}
            onChange={(e) =>
              change({
                ramadan: e.target.checked,
                ramadanSessions:
                  e.target.checked && draft.ramadanSessions.length === 0
                    ? WEEKDAYS.slice(0, 5).map((day) => ({
                        key: newKey('r'),
                        day,
                        start: '10:00',
                        end: '15:00',
                      }))
                    : draft.ramadanSessions,
              })
            }
          />
          <span>{t('template.ramadan')}</span>
        </label>
        {draft.ramadan && (
          <WeekEditor
            legend={t('template.ramadanWeek')}
            hint={t('template.ramadanHint')}
            rows={draft.ramadanSessions}
            prefix="r"
            errorOf={errorOf}
            onChange={(ramadanSessions, field) => edit(field, { ramadanSessions })}
          />
        )}
        <label className="choice">
          <input
            type="checkbox"
            id="closedOnHolidays"
            checked={draft.closedOnHolidays}
            onChange={(e) => change({ closedOnHolidays: e.target.checked })}
          />
          <span>{t('template.holidays')}</span>
        </label>
        <ExceptionsEditor
          rows={draft.exceptions}
          errorOf={errorOf}
          onChange={(exceptions, field) => edit(field, { exceptions })}
        />
        <Button disabled={save.isPending}>{t('template.submit')}</Button>
      </form>
    </>
  );
}

function Hidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}

function WeekEditor({
  legend,
  hint,
  rows,
  prefix,
  errorOf,
  onChange,
}: {
  legend: string;
  hint: string;
  rows: SessionRow[];
  prefix: string;
  errorOf(field: string): string | undefined;
  onChange(rows: SessionRow[], field: string): void;
}) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const update = (row: SessionRow, next: Partial<SessionRow>) =>
    onChange(
      rows.map((r) => (r.key === row.key ? { ...r, ...next } : r)),
      sessionField(row),
    );
  return (
    <fieldset className="fieldset">
      <legend className="fieldset__legend h2-like">{legend}</legend>
      <span className="field__hint">{hint}</span>
      {WEEKDAYS.map((day) => {
        const name = weekdayName(language, day);
        const list = rowsOf(rows, day);
        return (
          <div className="weekday" key={day}>
            <p className="weekday__name">{name}</p>
            <div>
              {list.length === 0 && <p className="secondary">{t('template.closed')}</p>}
              <ul className="sessions">
                {list.map((row, i) => {
                  const label = t('template.rowLabel', { day: name, n: i + 1 });
                  return (
                    <li key={row.key} className="session-row">
                      <TextField
                        id={sessionField(row)}
                        type="time"
                        label={
                          <>
                            <Hidden>{label} — </Hidden>
                            {t('template.from')}
                          </>
                        }
                        value={row.start}
                        error={errorOf(sessionField(row))}
                        onChange={(e) => update(row, { start: e.target.value })}
                        short
                      />
                      <TextField
                        id={`${row.key}-end`}
                        type="time"
                        label={
                          <>
                            <Hidden>{label} — </Hidden>
                            {t('template.to')}
                          </>
                        }
                        value={row.end}
                        onChange={(e) => update(row, { end: e.target.value })}
                        short
                      />
                      <LinkButton
                        onClick={() =>
                          onChange(
                            rows.filter((r) => r.key !== row.key),
                            sessionField(row),
                          )
                        }
                      >
                        {t('template.removeSession', { day: name, n: i + 1 })}
                      </LinkButton>
                    </li>
                  );
                })}
              </ul>
              <LinkButton
                onClick={() => {
                  const last = list[list.length - 1];
                  const row = {
                    key: newKey(prefix),
                    day,
                    start: last ? last.end : '09:00',
                    end: last ? '18:00' : '12:00',
                  };
                  onChange([...rows, row], sessionField(row));
                }}
              >
                {t('template.addSession', { day: name })}
              </LinkButton>
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}

function ExceptionsEditor({
  rows,
  errorOf,
  onChange,
}: {
  rows: ExceptionRow[];
  errorOf(field: string): string | undefined;
  onChange(rows: ExceptionRow[], field: string): void;
}) {
  const { t } = useTranslation(NS);
  const update = (row: ExceptionRow, next: Partial<ExceptionRow>, field: string) =>
    onChange(
      rows.map((r) => (r.key === row.key ? { ...r, ...next } : r)),
      field,
    );
  return (
    <fieldset className="fieldset">
      <legend className="fieldset__legend h2-like">{t('template.exceptions')}</legend>
      <span className="field__hint">{t('template.exceptionsHint')}</span>
      {rows.length === 0 && <p className="secondary">{t('template.noException')}</p>}
      {rows.map((row, i) => {
        const label = t('template.exception', { n: i + 1 });
        return (
          <div className="exception" key={row.key}>
            <p className="weekday__name">{label}</p>
            <div className="session-row">
              <TextField
                id={exceptionField(row)}
                type="date"
                label={
                  <>
                    <Hidden>{label} — </Hidden>
                    {t('template.exceptionFrom')}
                  </>
                }
                value={row.from}
                error={errorOf(exceptionField(row))}
                onChange={(e) => update(row, { from: e.target.value }, exceptionField(row))}
                short
              />
              <TextField
                id={`${row.key}-to`}
                type="date"
                label={
                  <>
                    <Hidden>{label} — </Hidden>
                    {t('template.exceptionTo')}
                  </>
                }
                value={row.to}
                onChange={(e) => update(row, { to: e.target.value }, exceptionField(row))}
                short
              />
            </div>
            <Choices
              id={`${row.key}-kind`}
              type="radio"
              legend={t('template.exceptionKind')}
              value={[row.kind]}
              onChange={([kind]) =>
                update(row, { kind: kind === 'hours' ? 'hours' : 'closed' }, exceptionTimeField(row))
              }
              options={[
                { value: 'closed', label: t('template.kindClosed') },
                { value: 'hours', label: t('template.kindHours') },
              ]}
            />
            {row.kind === 'hours' && (
              <div className="session-row">
                <TextField
                  id={exceptionTimeField(row)}
                  type="time"
                  label={
                    <>
                      <Hidden>{label} — </Hidden>
                      {t('template.from')}
                    </>
                  }
                  value={row.start}
                  error={errorOf(exceptionTimeField(row))}
                  onChange={(e) => update(row, { start: e.target.value }, exceptionTimeField(row))}
                  short
                />
                <TextField
                  id={`${row.key}-end`}
                  type="time"
                  label={
                    <>
                      <Hidden>{label} — </Hidden>
                      {t('template.to')}
                    </>
                  }
                  value={row.end}
                  onChange={(e) => update(row, { end: e.target.value }, exceptionTimeField(row))}
                  short
                />
              </div>
            )}
            <TextField
              id={`${row.key}-label`}
              label={
                <>
                  <Hidden>{label} — </Hidden>
                  {t('template.exceptionLabel')}
                </>
              }
              hint={t('template.exceptionLabelHint')}
              value={row.label}
              maxLength={100}
              onChange={(e) => update(row, { label: e.target.value }, `${row.key}-label`)}
            />
            <LinkButton
              onClick={() =>
                onChange(
                  rows.filter((r) => r.key !== row.key),
                  exceptionField(row),
                )
              }
            >
              {t('template.removeException', { n: i + 1 })}
            </LinkButton>
          </div>
        );
      })}
      <Button
        type="button"
        variant="secondary"
        onClick={() => {
          const row: ExceptionRow = {
            key: newKey('e'),
            from: '',
            to: '',
            kind: 'closed',
            label: '',
            start: '',
            end: '',
          };
          onChange([...rows, row], exceptionField(row));
        }}
      >
        {t('template.addException')}
      </Button>
    </fieldset>
  );
}
