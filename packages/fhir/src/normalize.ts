/**
 * Normalisation of text for string search: case, accents and the Arabic letter variants that
 * people type interchangeably (hamza forms of alef, alef maqsura, ta marbuta, tatweel, harakat).
 * The same function runs on indexed values and on search values, so both sides meet.
 */
export function normalizeText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\u0640/g, '')
    .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627')
    .replace(/\u0649/g, '\u064a')
    .replace(/\u0629/g, '\u0647')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes LIKE wildcards so a search value is taken literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Longest text kept in an index column. B-tree entries must stay under ~2.7 kB; a search value is
 * clipped the same way, so a longer value still finds itself (by its first 256 characters).
 */
export const MAX_INDEXED = 256;

export function clip(value: string): string;
export function clip(value: string | null): string | null;
export function clip(value: string | null): string | null {
  if (value === null || value.length <= MAX_INDEXED) return value;
  return Array.from(value).slice(0, MAX_INDEXED).join(''); // never splits a surrogate pair
}
