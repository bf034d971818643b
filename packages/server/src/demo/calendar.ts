/**
 * Dates of the demo data. Everything is placed relative to one fixed reference date, never the
 * clock, so that the bundle is byte-identical from one run (or one year) to the next.
 */

/** "Today" in the demo world. */
export const REFERENCE_DATE = '2026-06-01';

const DAY_MS = 86_400_000;
const REFERENCE_MS = Date.parse(`${REFERENCE_DATE}T00:00:00Z`);

/** A day as milliseconds since the epoch (UTC midnight), `days` before the reference date. */
export function daysAgo(days: number): number {
  return REFERENCE_MS - Math.round(days) * DAY_MS;
}

export function addDays(dayMs: number, days: number): number {
  return dayMs + Math.round(days) * DAY_MS;
}

/** FHIR `date`: YYYY-MM-DD. */
export function fhirDate(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

/**
 * FHIR `dateTime` with an explicit offset (FHIR requires one when a time is given). Morocco keeps
 * UTC+01:00 except during Ramadan; the demo ignores that exception.
 */
export function fhirDateTime(dayMs: number, minutesAfterMidnight: number): string {
  const local = new Date(dayMs + minutesAfterMidnight * 60_000).toISOString().slice(0, 19);
  return `${local}+01:00`;
}

/** Whole years between a birth day and the reference date. */
export function ageAtReference(birthDayMs: number): number {
  const birth = new Date(birthDayMs);
  const ref = new Date(REFERENCE_MS);
  let age = ref.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    ref.getUTCMonth() < birth.getUTCMonth() ||
    (ref.getUTCMonth() === birth.getUTCMonth() && ref.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age--;
  return age;
}

export function isOnOrBeforeReference(dayMs: number): boolean {
  return dayMs <= REFERENCE_MS;
}
