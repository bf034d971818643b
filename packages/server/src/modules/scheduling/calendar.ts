/**
 * Dates as Moroccan clinics live them: local time in Africa/Casablanca (through the IANA time-zone
 * data of Intl — Morocco has changed its offset more than once, so nothing here hard-codes one),
 * the national public holidays, and the Islamic calendar's (Umm al-Qura, through Intl) Ramadan and
 * feasts. Islamic dates are the calendar's expectation: the Ministry announces each one after the
 * moon is sighted, so they are flagged `expected`. Nothing moves them to the announced date: a
 * schedule follows an announcement only through its own template's exceptions (template.ts: a
 * `closed` exception for the announced day; the expected day stays closed unless the template's
 * `closedOnHolidays` is off). Pure.
 */
export const CLINIC_TIME_ZONE = 'Africa/Casablanca';

const offsetFormat = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone and UTC minute: a search or a derivation asks for the same few hundred minutes
 * thousands of times, and each `formatToParts` costs tens of microseconds. Zones change their
 * offset on a whole minute, so the minute's offset is the instant's. Bounded: cleared when full. */
const offsetByMinute = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 50_000;

/** The zone's offset from UTC at an instant, in minutes (east positive). */
export function zoneOffsetMinutes(instant: Date, timeZone = CLINIC_TIME_ZONE): number {
  const minute = Math.floor(instant.getTime() / 60_000);
  let known = offsetByMinute.get(timeZone);
  if (!known) {
    known = new Map();
    offsetByMinute.set(timeZone, known);
  }
  const cached = known.get(minute);
  if (cached !== undefined) return cached;
  if (known.size >= OFFSET_CACHE_LIMIT) known.clear();
  const offset = computeOffset(new Date(minute * 60_000), timeZone);
  known.set(minute, offset);
  return offset;
}

function computeOffset(instant: Date, timeZone: string): number {
  let format = offsetFormat.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormat.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(instant).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant of a local wall-clock time (`2027-02-10`, `09:30`) in the zone. */
export function localToInstant(date: string, time: string, timeZone = CLINIC_TIME_ZONE): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let instant = new Date(guess - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000);
  // across an offset change the first guess can be off by the change: correct once
  instant = new Date(guess - zoneOffsetMinutes(instant, timeZone) * 60_000);
  return instant;
}

/** The local calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(instant: Date, timeZone = CLINIC_TIME_ZONE): string {
  const shifted = new Date(instant.getTime() + zoneOffsetMinutes(instant, timeZone) * 60_000);
  return shifted.toISOString().slice(0, 10);
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()];
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface Holiday {
  date: string;
  name: { fr: string; ar: string; en: string };
  /** An Islamic feast whose date the moon sighting confirms. */
  expected?: boolean;
}

/** The fixed national holidays (Code du travail and later decrees). */
const FIXED: [string, Holiday['name']][] = [
  ['01-01', { fr: 'Nouvel an', ar: 'رأس السنة الميلادية', en: 'New Year' }],
  [
    '01-11',
    { fr: 'Manifeste de l’indépendance', ar: 'ذكرى تقديم وثيقة الاستقلال', en: 'Independence Manifesto' },
  ],
  ['01-14', { fr: 'Nouvel an amazigh', ar: 'رأس السنة الأمازيغية', en: 'Amazigh New Year' }],
  ['05-01', { fr: 'Fête du travail', ar: 'عيد الشغل', en: 'Labour Day' }],
  ['07-30', { fr: 'Fête du Trône', ar: 'عيد العرش', en: 'Throne Day' }],
  ['08-14', { fr: 'Allégeance Oued Eddahab', ar: 'ذكرى استرجاع وادي الذهب', en: 'Oued Ed-Dahab Day' }],
  [
    '08-20',
    {
      fr: 'Révolution du Roi et du Peuple',
      ar: 'ذكرى ثورة الملك والشعب',
      en: 'Revolution of the King and the People',
    },
  ],
  ['08-21', { fr: 'Fête de la jeunesse', ar: 'عيد الشباب', en: 'Youth Day' }],
  ['11-06', { fr: 'Marche verte', ar: 'ذكرى المسيرة الخضراء', en: 'Green March' }],
  ['11-18', { fr: 'Fête de l’indépendance', ar: 'عيد الاستقلال', en: 'Independence Day' }],
];

/** [Islamic month, day, days it lasts, name]. */
const ISLAMIC: [number, number, number, Holiday['name']][] = [
  [10, 1, 2, { fr: 'Aïd al-Fitr', ar: 'عيد الفطر', en: 'Eid al-Fitr' }],
  [12, 10, 2, { fr: 'Aïd al-Adha', ar: 'عيد الأضحى', en: 'Eid al-Adha' }],
  [1, 1, 1, { fr: 'Nouvel an de l’Hégire', ar: 'فاتح محرم', en: 'Islamic New Year' }],
  [3, 12, 2, { fr: 'Aïd al-Mawlid', ar: 'عيد المولد النبوي', en: 'Mawlid' }],
];

const islamicFormat = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura', {
  timeZone: 'UTC',
  month: 'numeric',
  day: 'numeric',
});

/** Islamic (month, day) of a Gregorian date, Umm al-Qura calendar. */
export function islamicDate(date: string): { month: number; day: number } {
  const parts = islamicFormat.formatToParts(new Date(`${date}T12:00:00Z`));
  return {
    month: Number(parts.find((p) => p.type === 'month')?.value),
    day: Number(parts.find((p) => p.type === 'day')?.value),
  };
}

/** Public holidays between two dates (inclusive), fixed and expected Islamic ones. */
export function holidaysBetween(from: string, to: string): Holiday[] {
  const out: Holiday[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const fixed = FIXED.find(([md]) => md === date.slice(5));
    if (fixed) out.push({ date, name: fixed[1] });
    const { month, day } = islamicDate(date);
    for (const [m, d, length, name] of ISLAMIC) {
      if (month === m && day >= d && day < d + length) out.push({ date, name, expected: true });
    }
  }
  return out;
}

/** Whether a date falls in Ramadan (expected, Umm al-Qura). */
export function isRamadan(date: string): boolean {
  return islamicDate(date).month === 9;
}
