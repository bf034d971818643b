/**
 * FHIR dates as half-open instants ranges [low, high): a value is as wide as its precision, so
 * "2024-03" covers the whole of March. Values without a zone are read as UTC (documented).
 */
const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface InstantRange {
  low: string;
  high: string;
}

export function isFhirDate(value: string): boolean {
  return parseRange(value) !== undefined;
}

export function parseRange(value: string): InstantRange | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : undefined;
  const day = d ? Number(d) : undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysIn(year, month ?? 1))) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return undefined;
  const offsetMs = zoneOffsetMs(zone);
  if (offsetMs === undefined) return undefined;
  let lowMs: number;
  let highMs: number;
  if (month === undefined) {
    lowMs = utc(year, 0, 1);
    highMs = utc(year + 1, 0, 1);
  } else if (day === undefined) {
    lowMs = utc(year, month - 1, 1);
    highMs = utc(year, month, 1);
  } else if (h === undefined) {
    lowMs = utc(year, month - 1, day);
    highMs = lowMs + 86_400_000;
  } else {
    const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
    lowMs = utc(year, month - 1, day, Number(h), Number(mi), Number(s ?? 0), ms) - offsetMs;
    // precision of the written value: to the minute, the second, or the millisecond
    highMs = lowMs + (s === undefined ? 60_000 : frac ? 1 : 1000);
  }
  if (Number.isNaN(lowMs)) return undefined;
  return { low: instant(lowMs), high: instant(highMs) };
}

/** Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(h, mi, s, ms);
  return d.getTime();
}

const FIRST_INSTANT = utc(1, 0, 1);
const END_OF_TIME = utc(10000, 0, 1);

/** An instant PostgreSQL reads; beyond year 1–9999 a range is open-ended. */
function instant(ms: number): string {
  if (ms < FIRST_INSTANT) return '-infinity';
  if (ms >= END_OF_TIME) return 'infinity';
  return new Date(ms).toISOString();
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  if (hh > 14 || mm > 59) return undefined;
  return sign * (hh * 60 + mm) * 60_000;
}

/** A Period's range: an open end stretches to the edge of time. */
export function periodRange(start?: string, end?: string): InstantRange | undefined {
  const low = start ? parseRange(start)?.low : '-infinity';
  const high = end ? parseRange(end)?.high : 'infinity';
  if (!low || !high) return undefined;
  return { low, high };
}
