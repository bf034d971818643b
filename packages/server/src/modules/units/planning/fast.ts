/**
 * The `fast` mode, for interactive use: greedy construction, then swap local search, restarted from
 * the plans a Lagrangian relaxation proposes; the best plan wins.
 *
 * Guarantees: coverage is submodular, so greedy alone reaches at least (1 − 1/e) ≈ 63.2 % of the
 * optimum without caps and 50 % with per-province caps (a partition matroid), and the later steps
 * only improve on it. In practice it is within a fraction of a percent (bench/units-planner.ts).
 * The result carries a proven upper bound on the optimum — the smaller of the Lagrangian bound and
 * the greedy bound (coverage plus the largest remaining gains) — so a caller knows how far from
 * optimal it can at most be, and that it is optimal when the two meet.
 */
import { type CoverModel, coverableWeight, coveringCandidates } from './cover-model.ts';
import { CoverState } from './cover-state.ts';
import { lagrangianSearch } from './lagrangian.ts';
import { seeded } from './seeded-random.ts';

export interface HeuristicResult {
  /** Chosen candidates (forced ones first). */
  chosen: number[];
  covered: number;
  /** No choice of sites can cover more than this (a certificate, not an estimate). */
  upperBound: number;
  /** Whether the time budget ran out before the search finished. */
  timedOut: boolean;
  ms: number;
}

export interface HeuristicOptions {
  /** Hard time budget of the whole search (default 2,000 ms). */
  maxMs?: number;
  /** Rounds of the final perturb-and-repair phase (default 60; 0 skips it). A count, not a time, so
   * a plan does not depend on how busy the machine is; `maxMs` still cuts it short. */
  polishRounds?: number;
  /** Seed of the perturbations, so a run can be replayed (default 1). */
  seed?: number;
}

/** Throws if the forced sites alone break the caps or the number of units. */
export function solveFast(model: CoverModel, options: HeuristicOptions = {}): HeuristicResult {
  const started = performance.now();
  const budget = options.maxMs ?? 2000;
  const deadline = started + budget;
  const coverable = coverableWeight(model);
  const minDelta = 1e-9 * Math.max(1, coverable);
  const covering = coveringCandidates(model);

  const greedy = new CoverState(model, covering);
  greedy.addForced();
  greedy.greedyFill();
  greedy.swapSearch(deadline, minDelta);
  let best = greedy;

  // Half the remaining time at most for the relaxation; the rest for swaps from its plans.
  const lagrangian = lagrangianSearch(model, {
    deadline: performance.now() + (deadline - performance.now()) / 2,
    lowerBound: best.covered,
  });
  for (const plan of lagrangian.plans) {
    if (best.covered >= lagrangian.upperBound - 0.5 * minDelta) break;
    const state = new CoverState(model, covering);
    state.addForced();
    for (const j of plan.chosen) if (!state.inChosen[j]) state.add(j);
    state.greedyFill();
    state.swapSearch(deadline, minDelta);
    if (state.covered > best.covered + minDelta) best = state;
  }

  // Perturb and repair (iterated local search): drop a few random sites from the best plan, refill
  // greedily, swap to a local optimum; keep the result when it is at least as good. Equal plans are
  // accepted so the search can drift along plateaus.
  const random = seeded(options.seed ?? 1);
  // With whole-number weights (populations) the optimum is at most the bound rounded down.
  const integral = model.weights.every(Number.isInteger);
  const target = integral ? Math.floor(lagrangian.upperBound + 1e-6) : lagrangian.upperBound - 0.5 * minDelta;
  let current = best;
  for (let round = 0; round < (options.polishRounds ?? 60) && best.covered < target; round++) {
    if (performance.now() >= deadline) break;
    const removable = current.chosen.filter((j) => !current.isForced[j]);
    if (removable.length === 0) break;
    const k = Math.min(removable.length, 2 + Math.floor(random() * Math.max(1, removable.length / 10)));
    const drop = random() < 0.5 ? neighbourhood(current, removable, k, random) : new Set<number>();
    while (drop.size < k) drop.add(removable[Math.floor(random() * removable.length)]);
    const state = new CoverState(model, covering);
    state.addForced();
    for (const j of current.chosen) if (!drop.has(j) && !state.inChosen[j]) state.add(j);
    state.greedyFill();
    state.swapSearch(deadline, minDelta);
    if (state.covered >= current.covered - 0.5 * minDelta) current = state;
    if (current.covered > best.covered + minDelta) best = current;
  }

  // Greedy bound: OPT ≤ f(S) + Σ_{k ∈ OPT∖S} gain_k(S) ≤ f(S) + the (units − forced) largest gains.
  const free = Math.max(0, model.units - model.forced.length);
  const gains = Array.from(best.gain)
    .filter((g, j) => !best.inChosen[j] && g > 0)
    .sort((a, b) => b - a);
  const greedyBound = best.covered + gains.slice(0, free).reduce((s, g) => s + g, 0);
  return {
    chosen: [...best.chosen],
    covered: best.covered,
    upperBound: Math.max(best.covered, Math.min(coverable, greedyBound, lagrangian.upperBound)),
    timedOut: performance.now() >= deadline,
    ms: performance.now() - started,
  };
}

/**
 * A random chosen site and up to k − 1 chosen sites near it (a candidate covers points of both), so
 * that the repair can rearrange one area at a time: plans usually improve locally, not at random.
 */
function neighbourhood(state: CoverState, removable: number[], k: number, random: () => number): Set<number> {
  const { coverStart, coverIndex } = state.model;
  const { start, index } = state.covering;
  const seed = removable[Math.floor(random() * removable.length)];
  const near = new Set<number>();
  for (let p = coverStart[seed]; p < coverStart[seed + 1]; p++) {
    const i = coverIndex[p];
    for (let c = start[i]; c < start[i + 1]; c++) {
      const bridge = index[c];
      for (let q = coverStart[bridge]; q < coverStart[bridge + 1]; q++) {
        const far = coverIndex[q];
        for (let d = start[far]; d < start[far + 1]; d++) {
          const t = index[d];
          if (t !== seed && state.inChosen[t] && !state.isForced[t]) near.add(t);
        }
      }
    }
  }
  const drop = new Set<number>([seed]);
  const pool = [...near];
  while (drop.size < k && pool.length > 0) drop.add(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  return drop;
}
