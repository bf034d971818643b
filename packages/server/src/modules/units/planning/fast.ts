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
  /** Time budget; the search usually finishes well before (default 2,000 ms). */
  maxMs?: number;
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
