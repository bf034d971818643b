/**
 * From communes and facilities to the covering model. Demand: rural communes whose nearest care
 * facility (hospital, clinic, health centre by default) is farther than `underservedKm`, weighted by
 * 2024 population. Candidate stops: rural commune centroids. A stop covers a demand commune whose
 * centroid lies within `radiusKm` (great-circle). Options that a person typed are checked here and
 * come back as problems to fix, never as exceptions.
 */

import type { CoverModel } from './cover-model.ts';
import { type CommuneAccess, nearestFacilities } from './coverage.ts';
import { CARE_FACILITY_KINDS, type Facility, type FacilityKind, isFacilityKind } from './facilities.ts';
import { type Geography, isLocated, type LocatedCommune } from './geography.ts';
import { GreatCircleIndex } from './point-index.ts';

export interface PlanningParameters {
  /** Number of mobile units (P): at most this many stops are chosen. */
  units: number;
  /** A stop covers demand communes within this great-circle distance, km. */
  radiusKm: number;
  /** A rural commune is underserved when its nearest care facility is farther than this, km. */
  underservedKm: number;
  /** Facility kinds that count as care within reach (default hospital, clinic, health_centre). */
  kinds?: readonly FacilityKind[];
  /** Most units based in one province, for every province (the "units per base" rule). */
  unitsPerBase?: number;
  /** Most units in a given province, by province code; overrides `unitsPerBase` there. */
  provinceCaps?: Readonly<Record<string, number>>;
  /** Commune codes of existing stops, kept in every plan. */
  keepStops?: readonly string[];
}

export interface PlanProblem {
  /** The parameter to fix, e.g. "units" or "keepStops". */
  field: string;
  message: string;
}

export interface PlanningInstance {
  model: CoverModel;
  /** Demand point i of the model is demand[i]. */
  demand: LocatedCommune[];
  /** Candidate j of the model is candidates[j]. */
  candidates: LocatedCommune[];
  /** Group g of the model is the province provinceOfGroup[g]. */
  provinceOfGroup: string[];
  /** Nearest care facility of every located commune. */
  access: Map<string, CommuneAccess>;
  underservedPopulation: number;
  /** Rural population whose distance is unknown (commune without a centroid). */
  unlocatedRuralPopulation: number;
  buildMs: number;
}

export function checkParameters(geography: Geography, p: PlanningParameters): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const positiveInteger = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
  if (!positiveInteger(p.units))
    problems.push({ field: 'units', message: 'give a whole number of units, 1 or more' });
  if (!(p.radiusKm > 0 && p.radiusKm <= 500)) {
    problems.push({ field: 'radiusKm', message: 'give a radius in km, above 0 and at most 500' });
  }
  if (!(p.underservedKm >= 0 && p.underservedKm <= 500)) {
    problems.push({ field: 'underservedKm', message: 'give a distance in km, from 0 to 500' });
  }
  for (const kind of p.kinds ?? []) {
    if (!isFacilityKind(kind)) problems.push({ field: 'kinds', message: `"${kind}" is not a facility kind` });
  }
  if (p.kinds && p.kinds.length === 0)
    problems.push({ field: 'kinds', message: 'name at least one facility kind' });
  const cap = (v: number): boolean => Number.isInteger(v) && v >= 0;
  if (p.unitsPerBase !== undefined && !(cap(p.unitsPerBase) && p.unitsPerBase >= 1)) {
    problems.push({ field: 'unitsPerBase', message: 'give a whole number of units per province, 1 or more' });
  }
  const provinces = new Set(geography.provinces.map((pr) => pr.code));
  for (const [code, value] of Object.entries(p.provinceCaps ?? {})) {
    if (!provinces.has(code))
      problems.push({ field: 'provinceCaps', message: `no province has code "${code}"` });
    else if (!cap(value))
      problems.push({ field: 'provinceCaps', message: `cap of ${code} must be a whole number ≥ 0` });
  }
  const communes = new Map(geography.communes.map((c) => [c.code, c]));
  const kept = new Set<string>();
  const keptPerProvince = new Map<string, number>();
  for (const code of p.keepStops ?? []) {
    const c = communes.get(code);
    if (!c) problems.push({ field: 'keepStops', message: `no commune has code "${code}"` });
    else if (!c.rural)
      problems.push({ field: 'keepStops', message: `${code} (${c.nameFr}) is urban; stops are rural` });
    else if (!isLocated(c))
      problems.push({ field: 'keepStops', message: `${code} (${c.nameFr}) has no known centroid` });
    else if (!kept.has(code)) {
      kept.add(code);
      keptPerProvince.set(c.provinceCode, (keptPerProvince.get(c.provinceCode) ?? 0) + 1);
    }
  }
  if (positiveInteger(p.units) && kept.size > p.units) {
    problems.push({ field: 'keepStops', message: `${kept.size} kept stops do not fit in ${p.units} units` });
  }
  for (const [province, count] of keptPerProvince) {
    const limit = p.provinceCaps?.[province] ?? p.unitsPerBase ?? Infinity;
    if (count > limit) {
      problems.push({
        field: 'keepStops',
        message: `${count} kept stops in province ${province}, above its cap of ${limit}`,
      });
    }
  }
  return problems;
}

/** Builds the model; call `checkParameters` first (this trusts its input). */
export function buildPlanningInstance(
  geography: Geography,
  facilities: readonly Facility[],
  p: PlanningParameters,
): PlanningInstance {
  const started = performance.now();
  const rural = geography.communes.filter((c) => c.rural);
  const located = rural.filter(isLocated);
  const access = nearestFacilities(located, facilities, p.kinds ?? CARE_FACILITY_KINDS);
  const demand = located.filter((c) => (access.get(c.code)?.km ?? Infinity) > p.underservedKm);
  const candidates = located;

  const demandIndex = new GreatCircleIndex(demand);
  const coverStart = new Int32Array(candidates.length + 1);
  const covers: number[][] = candidates.map((c, j) => {
    const within = demandIndex.within(c.lat, c.lon, p.radiusKm);
    coverStart[j + 1] = coverStart[j] + within.length;
    return within;
  });
  const coverIndex = new Int32Array(coverStart[candidates.length]);
  covers.forEach((within, j) => {
    coverIndex.set(within, coverStart[j]);
  });

  const provinceOfGroup = [...new Set(candidates.map((c) => c.provinceCode))].sort();
  const groupOf = new Map(provinceOfGroup.map((code, g) => [code, g]));
  const candidateOf = new Map(candidates.map((c, j) => [c.code, j]));
  const model: CoverModel = {
    weights: Float64Array.from(demand, (c) => c.population),
    candidates: candidates.length,
    coverStart,
    coverIndex,
    group: Int32Array.from(candidates, (c) => groupOf.get(c.provinceCode)!),
    groupCap: provinceOfGroup.map((code) => p.provinceCaps?.[code] ?? p.unitsPerBase ?? Infinity),
    forced: [...new Set(p.keepStops ?? [])].map((code) => candidateOf.get(code)!),
    units: p.units,
  };
  return {
    model,
    demand,
    candidates,
    provinceOfGroup,
    access,
    underservedPopulation: demand.reduce((s, c) => s + c.population, 0),
    unlocatedRuralPopulation: rural.filter((c) => !isLocated(c)).reduce((s, c) => s + c.population, 0),
    buildMs: performance.now() - started,
  };
}
