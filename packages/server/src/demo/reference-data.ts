/**
 * Reads the project's real reference data (data/reference/*.csv, see data/reference/SOURCES.md):
 * regions, provinces and communes (HCP RGPH 2024; centroids © OpenStreetMap contributors, ODbL) and
 * health facilities (© OpenStreetMap contributors, ODbL). Loaded once per directory and cached.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCsv } from './csv.ts';

/** <repo>/data/reference, resolved from this file (packages/server/src/demo/). */
export const REFERENCE_DATA_DIR = fileURLToPath(new URL('../../../../data/reference/', import.meta.url));

export interface Region {
  code: string;
  nameFr: string;
  nameAr: string;
  population: number;
}

export interface Province {
  code: string;
  nameFr: string;
  nameAr: string;
  regionCode: string;
}

export interface Commune {
  code: string;
  nameFr: string;
  nameAr: string;
  urban: boolean;
  regionCode: string;
  provinceCode: string;
  population: number;
  areaKm2: number;
  /** Centroid; absent for the one commune OpenStreetMap has no boundary for. */
  latitude?: number;
  longitude?: number;
}

export interface Facility {
  name: string;
  kind: 'hospital' | 'clinic' | 'health_centre' | 'doctor';
  latitude: number;
  longitude: number;
  /** Region name (French) as estimated in the CSV. */
  region: string;
  /** OpenStreetMap element, e.g. "way/150779200". */
  sourceId: string;
}

export interface ReferenceData {
  regions: ReadonlyMap<string, Region>;
  provinces: ReadonlyMap<string, Province>;
  communes: readonly Commune[];
  facilities: readonly Facility[];
}

const cache = new Map<string, ReferenceData>();

export function loadReferenceData(dir: string = REFERENCE_DATA_DIR): ReferenceData {
  const cached = cache.get(dir);
  if (cached) return cached;
  const read = (file: string) => {
    const rows = parseCsv(readFileSync(`${dir.replace(/\/?$/, '/')}${file}`, 'utf8'));
    // Fail loudly on a renamed column rather than produce "undefined" names in FHIR resources.
    return rows.map((row) => (column: string): string => {
      const value = row[column];
      if (value === undefined) throw new Error(`${file}: no column "${column}"`);
      return value;
    });
  };

  const regions = new Map<string, Region>();
  for (const r of read('regions.csv')) {
    regions.set(r('code'), {
      code: r('code'),
      nameFr: r('name_fr'),
      nameAr: r('name_ar'),
      population: Number(r('population_2024')),
    });
  }
  const provinces = new Map<string, Province>();
  for (const p of read('provinces.csv')) {
    provinces.set(p('code'), {
      code: p('code'),
      nameFr: p('name_fr'),
      nameAr: p('name_ar'),
      regionCode: p('region_code'),
    });
  }
  const communes: Commune[] = read('communes.csv').map((c) => ({
    code: c('code'),
    nameFr: c('name_fr'),
    nameAr: c('name_ar'),
    urban: c('type') === 'urban',
    regionCode: c('region_code'),
    provinceCode: c('province_code'),
    population: Number(c('population_2024')),
    areaKm2: Number(c('area_km2') || 0),
    ...(c('lat') && c('lon') ? { latitude: Number(c('lat')), longitude: Number(c('lon')) } : {}),
  }));
  const facilities: Facility[] = read('facilities.csv').map((f) => ({
    name: f('name'),
    kind: f('kind') as Facility['kind'],
    latitude: Number(f('lat')),
    longitude: Number(f('lon')),
    region: f('region'),
    sourceId: f('source_id'),
  }));

  const data: ReferenceData = { regions, provinces, communes, facilities };
  cache.set(dir, data);
  return data;
}

/** City, province (FHIR `district`) and region (FHIR `state`) names of a commune, in French. */
export function placeOf(
  data: ReferenceData,
  commune: Commune,
): { city: string; district: string; state: string } {
  const province = data.provinces.get(commune.provinceCode);
  const region = data.regions.get(commune.regionCode);
  if (!province || !region) throw new Error(`commune ${commune.code} has an unknown province or region`);
  return { city: commune.nameFr, district: province.nameFr, state: region.nameFr };
}

/** Squared equirectangular distance: enough to rank nearby points within Morocco. */
export function distance2(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * (Math.PI / 180));
  const y = lat2 - lat1;
  return x * x + y * y;
}

/**
 * The commune a point most likely lies in. We have centroids, not boundaries, so plain "nearest
 * centroid" puts a big city's hospital in a tiny neighbouring commune (CHU Ibn Rochd would land in
 * Méchouar de Casablanca). Distance is therefore measured in units of the commune's radius (from its
 * area, plus 1 km so small towns are not penalised for a hospital just outside their core).
 */
export function communeAt(data: ReferenceData, latitude: number, longitude: number): Commune {
  let best: Commune | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const commune of data.communes) {
    if (commune.latitude === undefined || commune.longitude === undefined) continue;
    const km = Math.sqrt(distance2(latitude, longitude, commune.latitude, commune.longitude)) * 111.2;
    const score = km / (Math.sqrt(commune.areaKm2 / Math.PI) + 1);
    if (score < bestScore) {
      bestScore = score;
      best = commune;
    }
  }
  if (!best) throw new Error('reference data has no commune centroids');
  return best;
}
