/**
 * Where the patient stays: a Moroccan commune (HCP 2024, with its centroid, data/reference) by any
 * of its names in French or Arabic or a usual shorthand (Casa, Fez, مراكش), the most populous first;
 * or a city abroad where partner centres are (no coordinates are kept for those: they are matched by
 * city and country). Pure once loaded.
 */
import { normalizeText } from '@sahti/fhir';
import { loadReferenceData } from '../../demo/reference-data.ts';
import { placeKeys, placeQuery } from '../scheduling/places.ts';

export interface Destination {
  label: { fr: string; ar: string };
  country: string;
  city: string;
  lat?: number;
  lon?: number;
}

interface Commune extends Destination {
  own: string[];
  keys: string[];
  population: number;
}

let communes: Commune[] | undefined;
function load(): Commune[] {
  if (communes) return communes;
  communes = loadReferenceData()
    .communes.filter((c) => c.latitude !== undefined && c.longitude !== undefined)
    .map((c) => ({
      label: { fr: c.nameFr, ar: c.nameAr },
      country: 'MA',
      city: c.nameFr,
      lat: c.latitude as number,
      lon: c.longitude as number,
      own: [placeQuery(c.nameFr), placeQuery(normalizeText(c.nameAr))],
      keys: placeKeys({ city: c.nameFr }),
      population: c.population,
    }));
  return communes;
}

/** Moroccan communes matching a typed place: its own name first, then aliases, then a prefix. */
export function findCommunes(text: string, limit = 8): Destination[] {
  const q = placeQuery(text);
  if (!q) return [];
  const scored = load().flatMap((c) => {
    const score = c.own.includes(q)
      ? 3
      : c.keys.includes(q) && !c.keys.some((k) => k !== q && k.startsWith(`${q} `))
        ? 2
        : c.own.some((k) => k.startsWith(q))
          ? 1
          : 0;
    return score > 0 ? [{ c, score }] : [];
  });
  scored.sort((a, b) => b.score - a.score || b.c.population - a.c.population);
  return scored
    .slice(0, limit)
    .map(({ c }) => ({ label: c.label, country: c.country, city: c.city, lat: c.lat, lon: c.lon }));
}
