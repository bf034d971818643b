/**
 * The deployment planner: where P mobile units should stop to reach the most people living far from
 * care, in `fast` mode (greedy + swaps, for interactive use) or `exact` mode (HiGHS MIP, proven
 * optimal or with its gap), and the province view of the resulting programme.
 */
import { coverableWeight, withoutRedundantSites } from './cover-model.ts';
import { type ExactSolver, solveExact } from './exact.ts';
import { CARE_FACILITY_KINDS, type Facility, type FacilityKind } from './facilities.ts';
import { solveFast } from './fast.ts';
import { haversineKm } from './geo.ts';
import type { Geography } from './geography.ts';
import {
  buildPlanningInstance,
  checkParameters,
  type PlanningInstance,
  type PlanningParameters,
  type PlanProblem,
} from './instance.ts';

export type PlanMode = 'exact' | 'fast';

export interface PlanOptions extends PlanningParameters {
  mode: PlanMode;
  /** `exact`: HiGHS time limit (default 10,000 ms); `fast`: swap-phase budget (default 2,000 ms). */
  timeLimitMs?: number;
  /** `exact`: stop at this proven relative gap (default 0, i.e. prove optimality). */
  relativeGap?: number;
}

export interface PlannedStop {
  /** Commune code as in communes.csv. */
  code: string;
  nameFr: string;
  nameAr: string;
  provinceCode: string;
  regionCode: string;
  lat: number;
  lon: number;
  /** Population of the underserved communes this stop serves (each counted at its nearest stop). */
  coveredPopulation: number;
  /** Codes of those communes. */
  coveredCommunes: string[];
  /** An existing stop the plan had to keep. */
  kept: boolean;
}

export interface ProvinceAllocation {
  code: string;
  nameFr: string;
  nameAr: string;
  regionCode: string;
  /** Units based in the province: one per stop there. */
  units: number;
  /** Population served by the province's stops (some may live in a neighbouring province). */
  servedPopulation: number;
  /** Underserved population living in the province, and how much of it some stop covers. */
  underservedPopulation: number;
  coveredPopulation: number;
}

export interface UnitPlan {
  mode: PlanMode;
  units: number;
  radiusKm: number;
  underservedKm: number;
  kinds: FacilityKind[];
  /** Population of underserved rural communes (the demand). */
  underservedPopulation: number;
  /** Of it, what some candidate stop could reach at all: no plan covers more. */
  coverablePopulation: number;
  coveredPopulation: number;
  /** Commune codes of the chosen stops. */
  stops: string[];
  stopDetails: PlannedStop[];
  /** Provinces with at least one unit, most units first. */
  provinces: ProvinceAllocation[];
  /** Proven optimal (exact: by HiGHS; fast: when its own upper bound is reached). */
  optimal: boolean;
  /** Proven upper bound on the covered population, and the relative gap to it. */
  bound: number;
  gap: number;
  /** exact: HiGHS status ("optimal", "timeLimit", …); fast: "optimal" (its bound reached), "localOptimum" or "timeLimit". */
  status: string;
  /** Time to choose the stops (both modes: heuristic; exact: + HiGHS in its worker), ms. */
  solveMs: number;
  /** Time to build the model from communes and facilities, ms. */
  buildMs: number;
  demandCommunes: number;
  candidateStops: number;
  facilityCount: number;
  notes: string[];
}

export type PlanOutcome = { ok: true; plan: UnitPlan } | { ok: false; problems: PlanProblem[] };

/**
 * Plans the stops. `exactSolver`: a long-lived solver (a server keeps one, so HiGHS stays loaded
 * between requests); without it, `exact` mode starts a worker for this plan alone.
 */
export async function planUnits(
  geography: Geography,
  facilities: readonly Facility[],
  options: PlanOptions,
  dependencies: { exactSolver?: ExactSolver } = {},
): Promise<PlanOutcome> {
  const problems = checkParameters(geography, options);
  if (options.mode !== 'exact' && options.mode !== 'fast') {
    problems.push({ field: 'mode', message: 'mode is "exact" or "fast"' });
  }
  if (problems.length > 0) return { ok: false, problems };
  const instance = buildPlanningInstance(geography, facilities, options);
  const notes: string[] = [];

  const started = performance.now();
  const fastBudget = options.mode === 'fast' ? (options.timeLimitMs ?? 2000) : 2000;
  const heuristic = solveFast(instance.model, { maxMs: fastBudget });
  let chosen = heuristic.chosen;
  // Populations are whole numbers, so the optimum is at most the bound rounded down.
  const whole = instance.model.weights.every(Number.isInteger);
  const roundBound = (b: number): number => (whole ? Math.floor(b + 1e-6) : b);
  let bound = roundBound(heuristic.upperBound);
  let optimal = heuristic.covered >= bound;
  let status = optimal ? 'optimal' : heuristic.timedOut ? 'timeLimit' : 'localOptimum';
  if (options.mode === 'exact') {
    try {
      const exactOptions = {
        timeLimitMs: options.timeLimitMs ?? 10_000,
        relativeGap: options.relativeGap ?? 0,
        start: heuristic.chosen,
      };
      const exact = dependencies.exactSolver
        ? await dependencies.exactSolver.solve(instance.model, exactOptions)
        : await solveExact(instance.model, exactOptions);
      if (exact.covered >= heuristic.covered) chosen = exact.chosen;
      optimal = exact.optimal || Math.max(exact.covered, heuristic.covered) >= bound;
      bound = Math.min(bound, roundBound(exact.bound));
      status = exact.status;
    } catch (error) {
      status = 'solverFailed';
      notes.push(`The exact solver failed (${(error as Error).message}); this is the fast plan.`);
    }
  }
  const solveMs = performance.now() - started;
  chosen = withoutRedundantSites(instance.model, chosen);
  if (chosen.length < options.units) {
    notes.push(
      `${options.units - chosen.length} of ${options.units} units would add no coverage ` +
        '(every reachable underserved commune is covered, or the province caps bind); they are not placed.',
    );
  }
  notes.push(
    'Facilities are from OpenStreetMap, which misses many public health centres: add them to refine the plan.',
    "A commune's whole population is counted at its centroid.",
  );
  if (instance.unlocatedRuralPopulation > 0) {
    notes.push(
      `${instance.unlocatedRuralPopulation} rural inhabitants live in communes with no known centroid.`,
    );
  }
  return {
    ok: true,
    plan: describePlan(geography, facilities, options, instance, chosen, {
      optimal,
      bound,
      status,
      solveMs,
      notes,
    }),
  };
}

function describePlan(
  geography: Geography,
  facilities: readonly Facility[],
  options: PlanOptions,
  instance: PlanningInstance,
  chosen: readonly number[],
  outcome: { optimal: boolean; bound: number; status: string; solveMs: number; notes: string[] },
): UnitPlan {
  const { model, demand, candidates } = instance;
  const kinds = [...(options.kinds ?? CARE_FACILITY_KINDS)];
  const forced = new Set(model.forced);
  // Each covered demand commune is served by its nearest chosen stop.
  const servedBy = new Map<number, number>();
  const servedKm = new Map<number, number>();
  for (const j of chosen) {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) {
      const i = model.coverIndex[k];
      const km = haversineKm(candidates[j].lat, candidates[j].lon, demand[i].lat, demand[i].lon);
      if (!servedBy.has(i) || km < servedKm.get(i)!) {
        servedBy.set(i, j);
        servedKm.set(i, km);
      }
    }
  }
  const stopDetails: PlannedStop[] = chosen.map((j) => {
    const c = candidates[j];
    const served = [...servedBy].filter(([, s]) => s === j).map(([i]) => demand[i]);
    return {
      code: c.code,
      nameFr: c.nameFr,
      nameAr: c.nameAr,
      provinceCode: c.provinceCode,
      regionCode: c.regionCode,
      lat: c.lat,
      lon: c.lon,
      coveredPopulation: served.reduce((s, d) => s + d.population, 0),
      coveredCommunes: served.map((d) => d.code),
      kept: forced.has(j),
    };
  });
  const coveredPopulation = stopDetails.reduce((s, stop) => s + stop.coveredPopulation, 0);

  const provinceInfo = new Map(geography.provinces.map((p) => [p.code, p]));
  const allocation = new Map<string, ProvinceAllocation>();
  for (const stop of stopDetails) {
    const p = provinceInfo.get(stop.provinceCode);
    const entry = allocation.get(stop.provinceCode) ?? {
      code: stop.provinceCode,
      nameFr: p?.nameFr ?? stop.provinceCode,
      nameAr: p?.nameAr ?? '',
      regionCode: p?.regionCode ?? stop.regionCode,
      units: 0,
      servedPopulation: 0,
      underservedPopulation: 0,
      coveredPopulation: 0,
    };
    entry.units++;
    entry.servedPopulation += stop.coveredPopulation;
    allocation.set(stop.provinceCode, entry);
  }
  demand.forEach((d, i) => {
    const entry = allocation.get(d.provinceCode);
    if (!entry) return;
    entry.underservedPopulation += d.population;
    if (servedBy.has(i)) entry.coveredPopulation += d.population;
  });

  return {
    mode: options.mode,
    units: options.units,
    radiusKm: options.radiusKm,
    underservedKm: options.underservedKm,
    kinds,
    underservedPopulation: instance.underservedPopulation,
    coverablePopulation: coverableWeight(model),
    coveredPopulation,
    stops: stopDetails.map((s) => s.code),
    stopDetails,
    provinces: [...allocation.values()].sort(
      (a, b) => b.units - a.units || b.servedPopulation - a.servedPopulation || a.code.localeCompare(b.code),
    ),
    optimal: outcome.optimal,
    bound: outcome.bound,
    gap: outcome.bound > 0 ? Math.max(0, outcome.bound - coveredPopulation) / outcome.bound : 0,
    status: outcome.status,
    solveMs: Math.round(outcome.solveMs * 10) / 10,
    buildMs: Math.round(instance.buildMs * 10) / 10,
    demandCommunes: demand.length,
    candidateStops: candidates.length,
    facilityCount: facilities.filter((f) => kinds.includes(f.kind)).length,
    notes: outcome.notes,
  };
}
