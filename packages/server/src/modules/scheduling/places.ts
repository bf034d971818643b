/**
 * Where a patient looks for a doctor: a commune, a province or a region, typed in French, Arabic
 * or the usual shorthand (Casa, Marrakesh, Fez, الدار البيضاء). A gazetteer built from the real
 * reference data (HCP 2024 communes, provinces and regions) gives every place its names in both
 * languages and the names of what contains it; matching folds case, accents and Arabic letter
 * variants, and accepts a prefix. Pure once loaded.
 */
import { normalizeText } from '@sahti/fhir';
import { loadReferenceData } from '../../demo/reference-data.ts';

/** Names people use that the census does not: shorthand, exonyms, old names. */
const ALIASES: Record<string, string[]> = {
  casablanca: ['casa', 'dar el beida', 'dar beida', 'anfa'],
  marrakech: ['marrakesh', 'marrakesch', 'kech'],
  fes: ['fez'],
  tanger: ['tangier', 'tangiers', 'tanja'],
  meknes: ['miknas'],
  tetouan: ['tetuan', 'titwan'],
  laayoune: ['el aaiun', 'el ayoun', 'layoune'],
  rabat: ['ribat'],
  'el jadida': ['mazagan', 'jadida'],
  essaouira: ['mogador', 'souira'],
  kenitra: ['port lyautey'],
  agadir: ['agadir ida ou tanane'],
  oujda: ['wajda'],
  dakhla: ['villa cisneros'],
};

export interface Place {
  /** Every normalised name of this place and of the places containing it. */
  keys: string[];
  label: { fr: string; ar: string };
}

let gazetteer: Map<string, Place> | undefined;

/** Places by the normalised French name of a commune (as demo and real Locations carry in address.city). */
function load(): Map<string, Place> {
  if (gazetteer) return gazetteer;
  const data = loadReferenceData();
  const map = new Map<string, Place>();
  for (const c of data.communes) {
    const province = data.provinces.get(c.provinceCode);
    const region = data.regions.get(c.regionCode);
    const names = [
      c.nameFr,
      c.nameAr,
      province?.nameFr,
      province?.nameAr,
      region?.nameFr,
      region?.nameAr,
    ].filter((n): n is string => !!n);
    const keys = new Set(names.map(normalizeText));
    for (const [name, aliases] of Object.entries(ALIASES))
      if (keys.has(name)) for (const a of aliases) keys.add(a);
    map.set(normalizeText(c.nameFr), { keys: [...keys], label: { fr: c.nameFr, ar: c.nameAr } });
  }
  gazetteer = map;
  return map;
}

/** The search keys of an address (city, district, state): its names in both languages, and its containers'. */
export function placeKeys(
  address: { city?: string; district?: string; state?: string } | undefined,
): string[] {
  if (!address) return [];
  const keys = new Set<string>();
  const known = address.city ? load().get(normalizeText(address.city)) : undefined;
  for (const k of known?.keys ?? []) keys.add(k);
  for (const part of [address.city, address.district, address.state]) if (part) keys.add(normalizeText(part));
  return [...new Set([...keys].map(placeQuery))];
}

/** What a typed place query is matched with (a prefix of any key). */
export function placeQuery(text: string): string {
  return normalizeText(text).replace(/[-'’]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Whether any key starts with the query (also after the folding of hyphens and apostrophes). */
export function matchesPlace(keys: readonly string[], query: string): boolean {
  const q = placeQuery(query);
  return keys.some((k) => k.startsWith(q) || placeQuery(k).startsWith(q));
}
