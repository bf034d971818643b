/**
 * Finding an ICD-10 code as a clinician types: a code prefix (`j02`, `E11.`) or words of its title
 * in French, Arabic or English, without care for accents, case or the Arabic article. The codes of
 * primary and chronic care (those with translations) come first, then the shorter, more general
 * titles. Pure.
 */
import type { Icd10, Language } from './icd10.ts';

/** Text reduced for comparison: no accents or harakat, one form of alef/ya/ta marbuta, words by single spaces. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[\u064b-\u065f\u0670\u0640]/g, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ى/g, 'ي')
    .replace(/ة/g, 'ه')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The words of a folded title, with each Arabic word also without its article (`الربو` → `ربو`). */
function searchable(titles: string[]): string {
  const words = fold(titles.join(' ')).split(' ');
  const extra = words.filter((w) => w !== withoutArticle(w)).map(withoutArticle);
  return ` ${[...words, ...extra].join(' ')}`;
}

/** `الربو` → `ربو` (a short word such as `الم`, pain, keeps its letters). */
const withoutArticle = (word: string) => (word.startsWith('ال') && word.length > 3 ? word.slice(2) : word);

export interface SearchResult {
  total: number;
  /** Slots of the code system, best first. */
  slots: number[];
}

const CODE_LIKE = /^[a-z][0-9]/i;

/** Folded search text per slot, built on the first word search (a few MB, once). */
const haystacks = new WeakMap<Icd10, string[]>();

function haystackOf(system: Icd10): string[] {
  let built = haystacks.get(system);
  if (!built) {
    built = Array.from({ length: system.size }, (_, at) => searchable(system.titlesAt(at)));
    haystacks.set(system, built);
  }
  return built;
}

export function searchIcd10(
  system: Icd10,
  query: string,
  { language = 'fr', count = 20, offset = 0 }: { language?: Language; count?: number; offset?: number } = {},
): SearchResult {
  const compact = query.trim().toUpperCase().replace(/[\s.]/g, '');
  let found: number[];
  if (!compact) {
    found = Array.from({ length: system.size }, (_, i) => i);
  } else if (CODE_LIKE.test(compact)) {
    found = [];
    for (let at = 0; at < system.size; at++) if (system.keyAt(at).startsWith(compact)) found.push(at);
    found.sort(
      (a, b) =>
        Number(system.keyAt(b) === compact) - Number(system.keyAt(a) === compact) ||
        Number(system.isCurated(b)) - Number(system.isCurated(a)) ||
        system.keyAt(a).length - system.keyAt(b).length ||
        (system.keyAt(a) < system.keyAt(b) ? -1 : 1),
    );
  } else {
    const words = fold(query).split(' ').filter(Boolean).map(withoutArticle);
    if (!words.length) return { total: 0, slots: [] };
    const haystack = haystackOf(system);
    found = [];
    for (let at = 0; at < system.size; at++) {
      const hay = haystack[at];
      if (words.every((w) => hay.includes(` ${w}`))) found.push(at);
    }
    const first = ` ${words[0]}`;
    const ranked = found.map((at) => {
      const title = system.titleAt(at, language).value;
      return {
        at,
        curated: Number(system.isCurated(at)),
        leads: Number(` ${fold(title)}`.startsWith(first)),
        length: title.length,
        key: system.keyAt(at),
      };
    });
    ranked.sort(
      (a, b) => b.curated - a.curated || b.leads - a.leads || a.length - b.length || (a.key < b.key ? -1 : 1),
    );
    found = ranked.map((r) => r.at);
  }
  return { total: found.length, slots: found.slice(offset, offset + count) };
}
