/**
 * A practitioner's weekly template: sessions per weekday, the slot length, shorter Ramadan hours,
 * and exceptions (leave, a closed clinic, special hours). Slots are derived from it; nothing else
 * makes a free slot. Kept on the Schedule as a complex extension so the template travels with the
 * FHIR resource. Pure.
 */
import type { Extension, Schedule } from '@medplum/fhirtypes';
import {
  addDays,
  holidaysBetween,
  isRamadan,
  localDate,
  localToInstant,
  type Weekday,
  weekdayOf,
} from './calendar.ts';

export const TEMPLATE_URL = 'https://sahti.ma/fhir/StructureDefinition/schedule-template';

export interface Session {
  day: Weekday;
  /** Local wall-clock time, HH:MM. */
  start: string;
  end: string;
}

export interface TemplateException {
  /** Local dates, inclusive. */
  from: string;
  to: string;
  kind: 'closed' | 'hours';
  /** For `hours`: the sessions that replace the usual ones on those dates. */
  sessions?: Session[];
  label?: string;
}

export interface WeeklyTemplate {
  slotMinutes: number;
  sessions: Session[];
  /** Sessions during Ramadan (usually shorter days); the usual ones when absent. */
  ramadanSessions?: Session[];
  exceptions: TemplateException[];
  /** No slots on public holidays (default). */
  closedOnHolidays: boolean;
}

export interface DerivedSlot {
  start: Date;
  end: Date;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** What is wrong with a template, as messages naming the field (empty when it is usable). */
export function templateProblems(t: WeeklyTemplate): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!Number.isInteger(t.slotMinutes) || t.slotMinutes < 5 || t.slotMinutes > 240)
    problems.push({ field: 'slotMinutes', message: 'A slot lasts between 5 and 240 minutes' });
  const checkSessions = (sessions: Session[], field: string) =>
    sessions.forEach((s, i) => {
      if (!DAYS.includes(s.day))
        problems.push({ field: `${field}[${i}].day`, message: 'Use mon, tue, wed, thu, fri, sat or sun' });
      if (!TIME.test(s.start) || !TIME.test(s.end) || s.start >= s.end)
        problems.push({
          field: `${field}[${i}]`,
          message: 'A session starts and ends at HH:MM, the start before the end',
        });
    });
  checkSessions(t.sessions, 'sessions');
  if (t.ramadanSessions) checkSessions(t.ramadanSessions, 'ramadanSessions');
  t.exceptions.forEach((e, i) => {
    if (!DATE.test(e.from) || !DATE.test(e.to) || e.from > e.to)
      problems.push({
        field: `exceptions[${i}]`,
        message: 'An exception runs from a date to a later (or the same) date, YYYY-MM-DD',
      });
    if (e.kind === 'hours') checkSessions(e.sessions ?? [], `exceptions[${i}].sessions`);
  });
  return problems;
}

/** The free slots the template gives between two instants (local days, local times). */
export function deriveSlots(t: WeeklyTemplate, from: Date, to: Date, timeZone?: string): DerivedSlot[] {
  const out: DerivedSlot[] = [];
  const first = localDate(from, timeZone);
  const last = localDate(to, timeZone);
  const holidays = t.closedOnHolidays
    ? new Set(holidaysBetween(first, last).map((h) => h.date))
    : new Set<string>();
  for (let date = first; date <= last; date = addDays(date, 1)) {
    if (holidays.has(date)) continue;
    const exception = t.exceptions.find((e) => e.from <= date && date <= e.to);
    if (exception?.kind === 'closed') continue;
    const day = weekdayOf(date);
    const sessions =
      exception?.kind === 'hours'
        ? (exception.sessions ?? [])
        : t.ramadanSessions && isRamadan(date)
          ? t.ramadanSessions
          : t.sessions;
    for (const s of sessions.filter((x) => x.day === day)) {
      const sessionEnd = localToInstant(date, s.end, timeZone);
      let start = localToInstant(date, s.start, timeZone);
      for (;;) {
        const end = new Date(start.getTime() + t.slotMinutes * 60_000);
        if (end > sessionEnd) break;
        if (start >= from && end <= to) out.push({ start, end });
        start = end;
      }
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime());
}

const ext = (url: string, value: Omit<Extension, 'url'>): Extension => ({ url, ...value });

function sessionExtensions(url: string, sessions: Session[]): Extension[] {
  return sessions.map((s) =>
    ext(url, {
      extension: [
        ext('day', { valueCode: s.day }),
        ext('start', { valueTime: `${s.start}:00` }),
        ext('end', { valueTime: `${s.end}:00` }),
      ],
    }),
  );
}

/** The template as the Schedule's extension. */
export function templateExtension(t: WeeklyTemplate): Extension {
  return ext(TEMPLATE_URL, {
    extension: [
      ext('slotMinutes', { valueInteger: t.slotMinutes }),
      ext('closedOnHolidays', { valueBoolean: t.closedOnHolidays }),
      ...sessionExtensions('session', t.sessions),
      ...sessionExtensions('ramadanSession', t.ramadanSessions ?? []),
      ...t.exceptions.map((e) =>
        ext('exception', {
          extension: [
            ext('period', { valuePeriod: { start: e.from, end: e.to } }),
            ext('kind', { valueCode: e.kind }),
            ...(e.label ? [ext('label', { valueString: e.label })] : []),
            ...sessionExtensions('session', e.sessions ?? []),
          ],
        }),
      ),
    ],
  });
}

const sub = (e: Extension | undefined, url: string) => e?.extension?.filter((x) => x.url === url) ?? [];
const one = (e: Extension | undefined, url: string) => sub(e, url)[0];
const hhmm = (time: string | undefined) => (time ?? '').slice(0, 5);

function sessionsOf(e: Extension | undefined, url: string): Session[] {
  return sub(e, url).map((s) => ({
    day: one(s, 'day')?.valueCode as Weekday,
    start: hhmm(one(s, 'start')?.valueTime),
    end: hhmm(one(s, 'end')?.valueTime),
  }));
}

/** The template kept on a Schedule, if it has one. */
export function templateOf(schedule: Schedule): WeeklyTemplate | undefined {
  const e = schedule.extension?.find((x) => x.url === TEMPLATE_URL);
  if (!e) return undefined;
  const ramadan = sessionsOf(e, 'ramadanSession');
  return {
    slotMinutes: one(e, 'slotMinutes')?.valueInteger ?? 20,
    closedOnHolidays: one(e, 'closedOnHolidays')?.valueBoolean ?? true,
    sessions: sessionsOf(e, 'session'),
    ...(ramadan.length ? { ramadanSessions: ramadan } : {}),
    exceptions: sub(e, 'exception').map((x) => {
      const period = one(x, 'period')?.valuePeriod;
      const sessions = sessionsOf(x, 'session');
      const label = one(x, 'label')?.valueString;
      return {
        from: period?.start?.slice(0, 10) ?? '',
        to: period?.end?.slice(0, 10) ?? '',
        kind: one(x, 'kind')?.valueCode === 'hours' ? 'hours' : 'closed',
        ...(sessions.length ? { sessions } : {}),
        ...(label ? { label } : {}),
      };
    }),
  };
}
