/**
 * The "find a doctor" search as an address (/find?specialty=cardiology&place=casa): what the form
 * asks, read from and written to the query string so that a search can be shared, reloaded and
 * come back to after signing in; and how a practitioner's card reads. Pure.
 */
import { type Language, localeTag } from '../i18n/languages.ts';
import type { Label, Mode, PractitionerCard } from './api.ts';

export interface FindQuery {
  specialty: string;
  place: string;
  language: string;
  mode: '' | Mode;
  /** How many cards to show (grows by PAGE with "show more"). */
  count: number;
}

export const PAGE = 20;
export const MAX_RESULTS = 100;

export function findQueryOf(search: URLSearchParams): FindQuery {
  const mode = search.get('mode');
  const count = Number(search.get('count'));
  return {
    specialty: (search.get('specialty') ?? '').slice(0, 40),
    place: (search.get('place') ?? '').slice(0, 80),
    language: (search.get('language') ?? '').slice(0, 10),
    mode: mode === 'video' || mode === 'in-person' ? mode : '',
    count: Number.isInteger(count) && count > PAGE ? Math.min(count, MAX_RESULTS) : PAGE,
  };
}

/** The address of a search (empty criteria left out). */
export function findHref(q: Partial<FindQuery>): string {
  const params = new URLSearchParams();
  for (const key of ['specialty', 'place', 'language', 'mode'] as const) {
    const value = q[key]?.trim();
    if (value) params.set(key, value);
  }
  if (q.count && q.count > PAGE) params.set('count', String(Math.min(q.count, MAX_RESULTS)));
  const text = params.toString();
  return text ? `/find?${text}` : '/find';
}

/** A search is asked for once the person has said at least what or where. */
export function hasCriteria(q: FindQuery): boolean {
  return Boolean(q.specialty || q.place.trim());
}

/** What the server's search takes. */
export function directoryParams(q: FindQuery) {
  return {
    specialty: q.specialty || undefined,
    place: q.place.trim() || undefined,
    language: q.language || undefined,
    mode: q.mode || undefined,
    _count: q.count,
  };
}

export function termLabel(term: Label | undefined, language: Language, fallback = ''): string {
  return term ? term[language] : fallback;
}

/** "Dr Rim Sbai", or the Arabic-script name ("د. ريم الصباعي") for an Arabic reader when there is one. */
export function doctorName(card: Pick<PractitionerCard, 'name' | 'nameAr'>, language: Language): string {
  if (language === 'ar' && card.nameAr) return card.nameAr;
  const name = card.name ?? card.nameAr ?? '';
  if (!name) return '';
  return language === 'ar' ? `د. ${name}` : `Dr ${name}`;
}

/** The consultation fee in dirhams, the locale's way ("300 MAD", "300 د.م."). */
export function formatFee(language: Language, fee: number | null | undefined): string {
  if (fee === null || fee === undefined) return '';
  return new Intl.NumberFormat(localeTag(language), {
    style: 'currency',
    currency: 'MAD',
    maximumFractionDigits: 0,
    numberingSystem: 'latn',
  } as Intl.NumberFormatOptions).format(fee);
}

/** Where the practitioner receives: the facility and its commune ("Clinique Anfa, Casablanca"). */
export function placeText(card: Pick<PractitionerCard, 'place'>): string {
  const { name, city } = card.place ?? {};
  return [name, city && !name?.includes(city) ? city : undefined].filter(Boolean).join(', ');
}
