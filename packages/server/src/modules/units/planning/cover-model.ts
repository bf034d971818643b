/**
 * The maximal covering location problem (Church & ReVelle, 1974) in solver-neutral form: weighted
 * demand points, candidate sites each covering a set of them, choose at most `units` sites (forced
 * ones included, at most `groupCap[g]` in group g) to maximise the covered weight. The planner
 * builds it from communes; the solvers (fast.ts, milp.ts) and tests see only this.
 */

export interface CoverModel {
  /** Weight (population) of each demand point. */
  weights: Float64Array;
  /** Number of candidate sites. */
  candidates: number;
  /** CSR: candidate j covers the demand points coverIndex[coverStart[j] .. coverStart[j + 1]). */
  coverStart: Int32Array;
  coverIndex: Int32Array;
  /** Group (province) of each candidate. */
  group: Int32Array;
  /** Most candidates that may be chosen in each group (Infinity: no cap). */
  groupCap: readonly number[];
  /** Candidates that must be chosen (existing stops kept). */
  forced: readonly number[];
  /** Most candidates to choose, forced ones included. */
  units: number;
}

/** A simpler shape for tests and small callers: cover sets as arrays. */
export interface CoverModelInput {
  weights: readonly number[];
  covers: readonly (readonly number[])[];
  units: number;
  group?: readonly number[];
  groupCap?: readonly number[];
  forced?: readonly number[];
}

export function coverModel(input: CoverModelInput): CoverModel {
  const coverStart = new Int32Array(input.covers.length + 1);
  input.covers.forEach((cover, j) => {
    coverStart[j + 1] = coverStart[j] + new Set(cover).size;
  });
  const coverIndex = new Int32Array(coverStart[input.covers.length]);
  input.covers.forEach((cover, j) => {
    coverIndex.set(
      [...new Set(cover)].sort((a, b) => a - b),
      coverStart[j],
    );
  });
  const group = Int32Array.from(input.group ?? input.covers.map(() => 0));
  const groups = group.reduce((max, g) => Math.max(max, g + 1), 0);
  const groupCap = Array.from({ length: groups }, (_, g) => input.groupCap?.[g] ?? Infinity);
  return {
    weights: Float64Array.from(input.weights),
    candidates: input.covers.length,
    coverStart,
    coverIndex,
    group,
    groupCap,
    forced: [...new Set(input.forced ?? [])],
    units: input.units,
  };
}

/** Demand point → candidates covering it (the transpose of the cover sets), in CSR form. */
export function coveringCandidates(model: CoverModel): { start: Int32Array; index: Int32Array } {
  const n = model.weights.length;
  const start = new Int32Array(n + 1);
  for (const i of model.coverIndex) start[i + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const index = new Int32Array(model.coverIndex.length);
  for (let j = 0; j < model.candidates; j++) {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++)
      index[fill[model.coverIndex[k]]++] = j;
  }
  return { start, index };
}

/** Total weight covered by a set of candidates. */
export function coveredWeight(model: CoverModel, chosen: Iterable<number>): number {
  const covered = new Uint8Array(model.weights.length);
  let total = 0;
  for (const j of chosen) {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) {
      const i = model.coverIndex[k];
      if (!covered[i]) {
        covered[i] = 1;
        total += model.weights[i];
      }
    }
  }
  return total;
}

/** Weight of the demand points that some candidate covers: no choice of sites can exceed it. */
export function coverableWeight(model: CoverModel): number {
  return coveredWeight(
    model,
    Array.from({ length: model.candidates }, (_, j) => j),
  );
}

/** What makes a choice of sites break the model's rules; empty when it is feasible. */
export function feasibilityProblems(model: CoverModel, chosen: readonly number[]): string[] {
  const problems: string[] = [];
  const set = new Set(chosen);
  if (set.size !== chosen.length) problems.push('a candidate is chosen twice');
  if (set.size > model.units) problems.push(`${set.size} sites chosen for ${model.units} units`);
  for (const j of model.forced) if (!set.has(j)) problems.push(`kept site ${j} is missing`);
  const perGroup = new Map<number, number>();
  for (const j of set) {
    if (!(j >= 0 && j < model.candidates)) problems.push(`${j} is not a candidate`);
    else perGroup.set(model.group[j], (perGroup.get(model.group[j]) ?? 0) + 1);
  }
  for (const [g, count] of perGroup) {
    if (count > model.groupCap[g]) problems.push(`group ${g} has ${count} sites, cap ${model.groupCap[g]}`);
  }
  return problems;
}

/**
 * Removes chosen sites (never forced ones) whose every covered point is also covered by another
 * chosen site: the covered weight is unchanged and no unit is sent where it adds nothing.
 */
export function withoutRedundantSites(model: CoverModel, chosen: readonly number[]): number[] {
  const count = new Int32Array(model.weights.length);
  for (const j of chosen) {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) count[model.coverIndex[k]]++;
  }
  const forced = new Set(model.forced);
  const kept: number[] = [];
  // Last-chosen first: the greedy order puts the most useful sites first.
  for (const j of [...chosen].reverse()) {
    let unique = false;
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) {
      if (count[model.coverIndex[k]] === 1 && model.weights[model.coverIndex[k]] > 0) unique = true;
    }
    if (unique || forced.has(j)) kept.push(j);
    else for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) count[model.coverIndex[k]]--;
  }
  return kept.reverse();
}
