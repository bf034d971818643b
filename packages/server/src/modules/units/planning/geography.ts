/**
 * Moroccan administrative geography for planning: regions, provinces and communes with their 2024
 * census population (HCP RGPH 2024) and centroids (© OpenStreetMap contributors, ODbL), parsed from
 * the CSV files of data/reference. Pure: text in, typed records out; codes stay strings ("01.511").
 */
import { parseCsv } from '../../../demo/csv.ts';
import { isValidPosition } from './geo.ts';

export interface Region {
  code: string;
  nameFr: string;
  nameAr: string;
}

export interface Province {
  code: string;
  nameFr: string;
  nameAr: string;
  regionCode: string;
}

export interface Commune {
  /** HCP code exactly as in communes.csv, e.g. "01.511.05.19". */
  code: string;
  nameFr: string;
  nameAr: string;
  /** communes.csv `type`: "rural" or "urban". */
  rural: boolean;
  regionCode: string;
  provinceCode: string;
  population: number;
  /** Centroid; absent when OpenStreetMap has no boundary for the commune (one case: 04.281.05.11). */
  lat?: number;
  lon?: number;
}

export interface Geography {
  regions: readonly Region[];
  provinces: readonly Province[];
  communes: readonly Commune[];
}

/** A commune whose centroid is known: the only ones distances can be computed for. */
export type LocatedCommune = Commune & { lat: number; lon: number };

export const isLocated = (c: Commune): c is LocatedCommune => c.lat !== undefined && c.lon !== undefined;

/** Reads a CSV and hands each row through an accessor that fails loudly on a renamed column. */
function rows(text: string, file: string): ((column: string) => string)[] {
  return parseCsv(text).map((row) => (column: string): string => {
    const value = row[column];
    if (value === undefined) throw new Error(`${file}: no column "${column}"`);
    return value;
  });
}

export function parseRegions(text: string): Region[] {
  return rows(text, 'regions.csv').map((r) => ({
    code: r('code'),
    nameFr: r('name_fr'),
    nameAr: r('name_ar'),
  }));
}

export function parseProvinces(text: string): Province[] {
  return rows(text, 'provinces.csv').map((p) => ({
    code: p('code'),
    nameFr: p('name_fr'),
    nameAr: p('name_ar'),
    regionCode: p('region_code'),
  }));
}

export function parseCommunes(text: string): Commune[] {
  return rows(text, 'communes.csv').map((c) => {
    const type = c('type');
    if (type !== 'rural' && type !== 'urban')
      throw new Error(`communes.csv: ${c('code')} has type "${type}"`);
    const population = Number(c('population_2024'));
    if (!Number.isFinite(population) || population < 0) {
      throw new Error(`communes.csv: ${c('code')} has population "${c('population_2024')}"`);
    }
    const lat = c('lat') === '' ? Number.NaN : Number(c('lat'));
    const lon = c('lon') === '' ? Number.NaN : Number(c('lon'));
    return {
      code: c('code'),
      nameFr: c('name_fr'),
      nameAr: c('name_ar'),
      rural: type === 'rural',
      regionCode: c('region_code'),
      provinceCode: c('province_code'),
      population,
      ...(isValidPosition(lat, lon) ? { lat, lon } : {}),
    };
  });
}
