/**
 * The weekly-template editor's model: the template the server keeps on a Schedule
 * (scheduling/template.ts) as rows a form edits — sessions per weekday, Ramadan sessions,
 * exceptions — and back. The form checks only that what is typed is a number, a time or a date;
 * the rules (slot length 5–240, a start before its end, a period in order) are the server's, and
 * its refusals (`expression` sessions[3], exceptions[0]…) are put back on the rows they name. Pure.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Session {
  day: Weekday;
  start: string;
  end: string;
}
export interface TemplateException {
  from: string;
  to: string;
  kind: 'closed' | 'hours';
  sessions?: Session[];
  label?: string;
}
export interface WeeklyTemplate {
  slotMinutes: number;
  sessions: Session[];
  ramadanSessions?: Session[];
  exceptions: TemplateException[];
  closedOnHolidays: boolean;
}

export interface SessionRow extends Session {
  key: string;
}
export interface ExceptionRow {
  key: string;
  from: string;
  to: string;
  kind: 'closed' | 'hours';
  label: string;
  /** For special hours: the same hours every day of the period. */
  start: string;
  end: string;
}
export interface TemplateDraft {
  slotMinutes: string;
  sessions: SessionRow[];
  ramadan: boolean;
  ramadanSessions: SessionRow[];
  exceptions: ExceptionRow[];
  closedOnHolidays: boolean;
}

export type ProblemKey = 'slotMinutes' | 'sessionTimes' | 'exceptionDates' | 'exceptionTimes';
/** `field` is the id of the input the message sits by (the ErrorSummary links to it). */
export interface TemplateProblem {
  field: string;
  key: ProblemKey;
}

let counter = 0;
export const newKey = (prefix: string) => `${prefix}-${++counter}`;

/** Rows in day and time order (kept in that order while edited: rows do not jump under the cursor). */
const rows = (sessions: Session[] | undefined, prefix: string): SessionRow[] =>
  (sessions ?? [])
    .map((s) => ({ ...s, key: newKey(prefix) }))
    .sort((a, b) => WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day) || a.start.localeCompare(b.start));

/** The editor's rows for a template (a usual week of 09:00–12:30 and 14:30–18:00 when there is none). */
export function draftOf(template: WeeklyTemplate | undefined): TemplateDraft {
  const usual = WEEKDAYS.slice(0, 5).flatMap((day) => [
    { day, start: '09:00', end: '12:30' },
    { day, start: '14:30', end: '18:00' },
  ]);
  return {
    slotMinutes: String(template?.slotMinutes ?? 20),
    sessions: rows(template ? template.sessions : usual, 's'),
    ramadan: Boolean(template?.ramadanSessions?.length),
    ramadanSessions: rows(template?.ramadanSessions, 'r'),
    exceptions: (template?.exceptions ?? []).map((e) => ({
      key: newKey('e'),
      from: e.from,
      to: e.to,
      kind: e.kind,
      label: e.label ?? '',
      start: e.sessions?.[0]?.start ?? '',
      end: e.sessions?.[0]?.end ?? '',
    })),
    closedOnHolidays: template?.closedOnHolidays ?? true,
  };
}

/** A weekday's rows. */
export function rowsOf(list: SessionRow[], day: Weekday): SessionRow[] {
  return list.filter((s) => s.day === day);
}

const TIME = /^\d{2}:\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const sessionField = (row: { key: string }) => `${row.key}-start`;
export const exceptionField = (row: { key: string }) => `${row.key}-from`;
export const exceptionTimeField = (row: { key: string }) => `${row.key}-start`;

/** What is not a number, a time or a date where one is needed (the rules are the server's). */
export function draftProblems(draft: TemplateDraft): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (!/^\d{1,4}$/.test(draft.slotMinutes.trim()))
    problems.push({ field: 'slotMinutes', key: 'slotMinutes' });
  const sessions = [...draft.sessions, ...(draft.ramadan ? draft.ramadanSessions : [])];
  for (const row of sessions)
    if (!TIME.test(row.start) || !TIME.test(row.end))
      problems.push({ field: sessionField(row), key: 'sessionTimes' });
  for (const row of draft.exceptions) {
    if (!DATE.test(row.from) || !DATE.test(row.to))
      problems.push({ field: exceptionField(row), key: 'exceptionDates' });
    if (row.kind === 'hours' && (!TIME.test(row.start) || !TIME.test(row.end)))
      problems.push({ field: exceptionTimeField(row), key: 'exceptionTimes' });
  }
  return problems;
}

/** Where each of the server's paths points: `sessions[2]` → the id of that row's first input. */
export type ServerPaths = Map<string, { field: string; key: ProblemKey }>;

/** The template to send, and which field each of its elements came from. */
export function templateFrom(draft: TemplateDraft): { template: WeeklyTemplate; paths: ServerPaths } {
  const paths: ServerPaths = new Map([['slotMinutes', { field: 'slotMinutes', key: 'slotMinutes' }]]);
  const plain = (list: SessionRow[], name: string): Session[] =>
    list.map((row, i) => {
      paths.set(`${name}[${i}]`, { field: sessionField(row), key: 'sessionTimes' });
      return { day: row.day, start: row.start, end: row.end };
    });
  const template: WeeklyTemplate = {
    slotMinutes: Number(draft.slotMinutes.trim()),
    sessions: plain(draft.sessions, 'sessions'),
    ...(draft.ramadan && draft.ramadanSessions.length
      ? { ramadanSessions: plain(draft.ramadanSessions, 'ramadanSessions') }
      : {}),
    exceptions: draft.exceptions.map((row, i) => {
      paths.set(`exceptions[${i}]`, { field: exceptionField(row), key: 'exceptionDates' });
      paths.set(`exceptions[${i}].sessions`, { field: exceptionTimeField(row), key: 'exceptionTimes' });
      return {
        from: row.from,
        to: row.to,
        kind: row.kind,
        ...(row.label.trim() ? { label: row.label.trim() } : {}),
        ...(row.kind === 'hours'
          ? { sessions: WEEKDAYS.map((day) => ({ day, start: row.start, end: row.end })) }
          : {}),
      };
    }),
    closedOnHolidays: draft.closedOnHolidays,
  };
  return { template, paths };
}

/**
 * The fields a refusal blames: each issue's expression, or the nearest path above it that a field
 * wrote (`sessions[3].day` → the row of sessions[3]; `exceptions[0].sessions[5]` → that exception's
 * hours). Expressions no field wrote are left for the general message.
 */
export function refusedFields(outcome: OperationOutcome | undefined, paths: ServerPaths): TemplateProblem[] {
  const found: TemplateProblem[] = [];
  for (const issue of outcome?.issue ?? []) {
    if (issue.severity !== 'error' && issue.severity !== 'fatal') continue;
    for (const expression of issue.expression ?? []) {
      let path = expression.replace(/\s/g, '');
      while (!paths.has(path)) {
        const shorter = path.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
        if (shorter === path) break;
        path = shorter;
      }
      const target = paths.get(path);
      if (target && !found.some((f) => f.field === target.field)) found.push(target);
    }
  }
  return found;
}
