/**
 * Lagrangian relaxation of the covering problem (the classical bound for it, after Galvão & ReVelle):
 * relaxing "y_i ≤ Σ_{j covers i} x_j" with multipliers 0 ≤ λ_i ≤ w_i leaves
 *
 *   L(λ) = Σ_i (w_i − λ_i) + max over allowed site sets S of Σ_{j∈S} Σ_{i covered by j} λ_i,
 *
 * and the inner maximum is the forced sites plus the best-valued others within the caps (greedy is
 * exact for that). Every L(λ) is an upper bound on the optimum; subgradient steps lower it, and each
 * S it picks is a feasible plan, so the search also yields good starting points for the swaps.
 */
import type { CoverModel } from './cover-model.ts';

export interface LagrangianResult {
  /** Smallest L(λ) found: no plan covers more. */
  upperBound: number;
  /** The best few distinct site sets met on the way, best coverage first. */
  plans: { chosen: number[]; covered: number }[];
  iterations: number;
}

export function lagrangianSearch(
  model: CoverModel,
  options: { deadline: number; maxIterations?: number; keep?: number; lowerBound?: number },
): LagrangianResult {
  const { weights, coverStart, coverIndex, group, groupCap, candidates: C } = model;
  const n = weights.length;
  const maxIterations = options.maxIterations ?? 400;
  const keep = options.keep ?? 4;
  const lambda = Float64Array.from(weights, (w) => w / 2);
  const value = new Float64Array(C);
  const order = Array.from({ length: C }, (_, j) => j);
  const isForced = new Uint8Array(C);
  for (const j of model.forced) isForced[j] = 1;
  const groupCount = new Int32Array(groupCap.length);
  const count = new Int32Array(n);
  let upperBound = Infinity;
  let lowerBound = options.lowerBound ?? 0;
  let step = 2;
  let sinceImproved = 0;
  const plans = new Map<string, { chosen: number[]; covered: number }>();
  let iterations = 0;

  for (; iterations < maxIterations && performance.now() < options.deadline; iterations++) {
    for (let j = 0; j < C; j++) {
      let v = 0;
      for (let k = coverStart[j]; k < coverStart[j + 1]; k++) v += lambda[coverIndex[k]];
      value[j] = v;
    }
    order.sort((a, b) => value[b] - value[a] || a - b);
    groupCount.fill(0);
    const chosen: number[] = [];
    for (const j of model.forced) {
      chosen.push(j);
      groupCount[group[j]]++;
    }
    for (const j of order) {
      if (chosen.length >= model.units || value[j] <= 0) break;
      if (isForced[j] || groupCount[group[j]] >= groupCap[group[j]]) continue;
      chosen.push(j);
      groupCount[group[j]]++;
    }

    let bound = 0;
    for (let i = 0; i < n; i++) bound += weights[i] - lambda[i];
    for (const j of chosen) bound += value[j];
    count.fill(0);
    let covered = 0;
    for (const j of chosen) {
      for (let k = coverStart[j]; k < coverStart[j + 1]; k++) {
        if (count[coverIndex[k]]++ === 0) covered += weights[coverIndex[k]];
      }
    }
    if (bound < upperBound - 1e-9) {
      upperBound = bound;
      sinceImproved = 0;
    } else if (++sinceImproved >= 20) {
      step /= 2;
      sinceImproved = 0;
    }
    lowerBound = Math.max(lowerBound, covered);
    remember(plans, chosen, covered, keep);
    if (upperBound - lowerBound < 0.5 || step < 1e-4) break;

    // Subgradient of L at λ: ∂L/∂λ_i = (chosen sites covering i) − 1; Polyak step, projected on [0, w_i].
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const g = count[i] - 1;
      norm += g * g;
    }
    if (norm === 0) break;
    const t = (step * Math.max(bound - lowerBound, 1e-9 * bound)) / norm;
    for (let i = 0; i < n; i++) {
      lambda[i] = Math.min(weights[i], Math.max(0, lambda[i] - t * (count[i] - 1)));
    }
  }
  const best = [...plans.values()].sort((a, b) => b.covered - a.covered);
  return { upperBound, plans: best, iterations };
}

function remember(
  plans: Map<string, { chosen: number[]; covered: number }>,
  chosen: number[],
  covered: number,
  keep: number,
): void {
  const key = [...chosen].sort((a, b) => a - b).join(',');
  if (plans.has(key)) return;
  if (plans.size >= keep) {
    let worst: string | undefined;
    for (const [k, p] of plans) if (worst === undefined || p.covered < plans.get(worst)!.covered) worst = k;
    if (plans.get(worst!)!.covered >= covered) return;
    plans.delete(worst!);
  }
  plans.set(key, { chosen: [...chosen], covered });
}
