/**
 * Dates, numbers and quantities through Intl, in the user's language. Pure (no i18next): screens
 * get these bound to the current language through useFormat().
 */
import { type Language, localeTag } from './languages.ts';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(language: Language, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${language}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) {
    format = new Intl.DateTimeFormat(localeTag(language), { numberingSystem: 'latn', ...options });
    cache.set(key, format);
  }
  return format;
}

function numberFormat(language: Language, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${language}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(localeTag(language), { numberingSystem: 'latn', ...options });
    cache.set(key, format);
  }
  return format;
}

export interface DateStyle {
  /** With hours and minutes (instants only). */
  time?: boolean;
  /** 'long' (1 juin 2026) for people reading; 'numeric' (01/06/2026) for dense tables. */
  style?: 'long' | 'numeric';
}

/**
 * A FHIR date or dateTime. A bare date ("2026-06-01", "2026-06", "2026") is shown at its own
 * precision and never shifted by the time zone; an instant is shown in Morocco's time. Month names
 * are written in full: the short forms of some locales are ambiguous (fr-MA "jui." for June and July).
 */
export function formatDate(language: Language, value: string | undefined, how: DateStyle = {}): string {
  if (!value) return '';
  const month = how.style === 'numeric' ? '2-digit' : 'long';
  const day = how.style === 'numeric' ? '2-digit' : 'numeric';
  const bare = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (bare) {
    const [, y, m, d] = bare;
    const utc = new Date(Date.UTC(Number(y), Number(m ?? 1) - 1, Number(d ?? 1)));
    const options: Intl.DateTimeFormatOptions = { timeZone: 'UTC', year: 'numeric' };
    if (m) options.month = d ? month : 'long';
    if (d) options.day = day;
    return dateFormat(language, options).format(utc);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return dateFormat(language, {
    timeZone: 'Africa/Casablanca',
    day,
    month,
    year: 'numeric',
    ...(how.time ? { hour: '2-digit', minute: '2-digit' } : {}),
  }).format(instant);
}

export function formatNumber(language: Language, value: number, maximumFractionDigits = 2): string {
  return numberFormat(language, { maximumFractionDigits }).format(value);
}

/** UCUM codes people should not have to read, as they are usually written. */
const UNIT_LABELS: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  Cel: '°C',
  '%': '%',
  kg: 'kg',
  'mg/dL': 'mg/dL',
};

/**
 * Units an Arabic text writes in Arabic letters (so that, right to left, the number is read before
 * its unit). Symbols the whole world writes the same (°C, %, /min) stay as they are.
 */
const ARABIC_UNITS: Record<string, string> = {
  'mm[Hg]': 'ملم زئبق',
  kg: 'كغ',
  g: 'غ',
  mg: 'ملغ',
  ug: 'ميكروغرام',
  µg: 'ميكروغرام',
  mL: 'مل',
  L: 'ل',
  cm: 'سم',
  m: 'م',
  'mg/dL': 'ملغ/دل',
  'g/dL': 'غ/دل',
  'mmol/L': 'مليمول/ل',
  'kg/m2': 'كغ/م²',
};

/** A UCUM unit (or a unit as recorded) as the reader's language writes it. */
export function formatUnit(language: Language, unit: string): string {
  if (language === 'ar' && Object.hasOwn(ARABIC_UNITS, unit)) return ARABIC_UNITS[unit];
  return Object.hasOwn(UNIT_LABELS, unit) ? UNIT_LABELS[unit] : unit;
}

export function formatQuantity(
  language: Language,
  quantity: { value?: number; unit?: string; code?: string } | undefined,
): string {
  if (quantity?.value === undefined) return '';
  const label = formatUnit(language, quantity.unit ?? quantity.code ?? '');
  return label
    ? `${formatNumber(language, quantity.value)} ${label}`
    : formatNumber(language, quantity.value);
}

/** A number of years as words, by Intl ("1 an", "56 ans", "سنتان"). */
export function formatYears(language: Language, years: number): string {
  return numberFormat(language, { style: 'unit', unit: 'year', unitDisplay: 'long' }).format(years);
}

/** Age in whole years on a given day, from a FHIR birthDate. */
export function ageInYears(birthDate: string | undefined, today: Date = new Date()): number | undefined {
  const m = birthDate ? /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate) : null;
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < mo || (today.getUTCMonth() + 1 === mo && today.getUTCDate() < d)) age--;
  return age;
}
