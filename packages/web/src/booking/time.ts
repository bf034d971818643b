/**
 * Days and times as a Moroccan clinic lives them: calendar days in Africa/Casablanca (whatever the
 * phone's own zone), weeks from Monday, times written the locale's way with Latin digits. Morocco
 * has moved its offset more than once (and drops an hour during Ramadan), so every conversion asks
 * Intl's time-zone data rather than adding a fixed offset. Pure.
 */
import { type Language, localeTag } from '../i18n/languages.ts';

export const CLINIC_TIME_ZONE = 'Africa/Casablanca';
const DAY_MS = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function format(language: Language | 'en-US', options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    const tag = language === 'en-US' ? 'en-US' : localeTag(language);
    f = new Intl.DateTimeFormat(tag, { timeZone: CLINIC_TIME_ZONE, numberingSystem: 'latn', ...options });
    formats.set(key, f);
  }
  return f;
}

function parts(instant: Date): Record<string, number> {
  const p = format('en-US', {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  return Object.fromEntries(p.filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
}

/** Morocco's offset from UTC at an instant, in minutes (east positive). */
export function zoneOffsetMinutes(instant: Date): number {
  const p = parts(instant);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The local calendar date (YYYY-MM-DD) of an instant in Morocco. */
export function localDate(instant: Date | string): string {
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  return new Date(at.getTime() + zoneOffsetMinutes(at) * 60_000).toISOString().slice(0, 10);
}

/** The instant a local date (and wall-clock time, HH:MM) happens in Morocco. */
export function localInstant(date: string, time = '00:00'): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const first = new Date(guess - zoneOffsetMinutes(new Date(guess)) * 60_000);
  // across an offset change the first guess is off by the change: correct once
  return new Date(guess - zoneOffsetMinutes(first) * 60_000);
}

export function isDate(value: string | null | undefined): value is string {
  return Boolean(
    value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T12:00:00Z`)),
  );
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The Monday of the week a date falls in (Moroccan calendars start the week on Monday). */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * The Monday of the week a practitioner's times open on: the week asked for (an address with
 * `?week=`), else the week of the first free time, never before this week. Opening on the week of
 * the first free time spares a patient an empty week late on a Friday or at the weekend.
 */
export function weekToShow(asked: string | null, today: string, firstFree?: string): string {
  const current = mondayOf(today);
  const wanted = isDate(asked) ? asked : firstFree;
  if (!isDate(wanted)) return current;
  const monday = mondayOf(wanted);
  if (monday < current) return current; // an old address: this week, not the past
  return monday;
}

/** Whole days from one local date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / DAY_MS);
}

/** The local days of a range, in order, from `from` (inclusive) to `to` (exclusive). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Items with a start instant, grouped by their local day (every day of the list present, in order). */
export function byLocalDay<T extends { start?: string }>(days: string[], items: T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>(days.map((d) => [d, []]));
  for (const item of items) {
    if (!item.start) continue;
    grouped.get(localDate(item.start))?.push(item);
  }
  for (const list of grouped.values()) list.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
  return grouped;
}

/** "09:30": hours and minutes in Morocco, 24-hour clock, Latin digits. */
export function formatTime(language: Language, instant: string | Date): string {
  return format(language, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

/** "mardi 1 décembre": a local date for people reading (no year: these are the coming weeks). */
export function formatDay(language: Language, date: string, withYear = false): string {
  return format(language, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(withYear ? { year: 'numeric' } : {}),
  }).format(localInstant(date, '12:00'));
}

/** "mar. 1": weekday and day of the month, for compact week headings. */
export function formatShortDay(language: Language, date: string): string {
  return format(language, { weekday: 'short', day: 'numeric' }).format(localInstant(date, '12:00'));
}

/**
 * "aujourd’hui", "demain", or the day's name: how far a local date is from today, in words.
 * Intl's relative format knows the words of each language (اليوم، غدًا).
 */
export function relativeDay(language: Language, date: string, today: string): string {
  const diff = daysBetween(today, date);
  if (diff === 0 || diff === 1) {
    const words = new Intl.RelativeTimeFormat(localeTag(language), { numeric: 'auto' }).format(diff, 'day');
    return words;
  }
  return formatDay(language, date);
}

/** A day's heading: "Demain, mardi 1 décembre" for the two nearest days, else "Jeudi 3 décembre". */
export function dayHeading(language: Language, date: string, today: string): string {
  const diff = daysBetween(today, date);
  const day = formatDay(language, date);
  const text =
    diff === 0 || diff === 1
      ? `${relativeDay(language, date, today)}${language === 'ar' ? '، ' : ', '}${day}`
      : day;
  return text.charAt(0).toLocaleUpperCase(localeTag(language)) + text.slice(1);
}
