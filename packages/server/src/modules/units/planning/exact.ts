/**
 * The `exact` mode: the covering MIP solved by HiGHS in a worker thread, under a time limit. The
 * heuristic's solution is handed over as a starting point, so a solve cut short by the limit still
 * returns a good plan, with the proven gap saying how far from optimal it can be.
 */
import { Worker } from 'node:worker_threads';
import { type CoverModel, coveredWeight, feasibilityProblems } from './cover-model.ts';
import type { ExactWorkerInput, ExactWorkerOutput } from './exact-worker.ts';

export interface ExactOptions {
  /** Solver time limit (default 10,000 ms). */
  timeLimitMs?: number;
  /** Stop once the proven relative gap is at most this (default 0: prove optimality). */
  relativeGap?: number;
  /** A feasible choice of candidates to start from. */
  start?: readonly number[];
}

export interface ExactResult {
  chosen: number[];
  covered: number;
  /** Proven optimal (within `relativeGap`, 0 by default). */
  optimal: boolean;
  /** HiGHS's status, e.g. "optimal" or "timeLimit". */
  status: string;
  /** Best proven upper bound on the covered weight (Infinity if the solve stopped before having one). */
  bound: number;
  /** (bound − covered) / bound: 0 when optimal, 1 when no bound is known. */
  gap: number;
  nodes: number;
  /** Wall time, worker start and WebAssembly load included. */
  ms: number;
  /** Time inside HiGHS's solve. */
  solverMs: number;
  columns: number;
  rows: number;
}

/** Time for the worker to start and load HiGHS, over the solve's own limit, before it is killed. */
const STARTUP_GRACE_MS = 15_000;

export async function solveExact(model: CoverModel, options: ExactOptions = {}): Promise<ExactResult> {
  const started = performance.now();
  const timeLimitMs = options.timeLimitMs ?? 10_000;
  const workerData: ExactWorkerInput = {
    model,
    timeLimitMs,
    relativeGap: options.relativeGap ?? 0,
    ...(options.start ? { start: [...options.start] } : {}),
  };
  const worker = new Worker(new URL('./exact-worker.ts', import.meta.url), { workerData });
  const output = await new Promise<ExactWorkerOutput>((resolve, reject) => {
    const watchdog = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`HiGHS did not answer within ${timeLimitMs + STARTUP_GRACE_MS} ms`));
    }, timeLimitMs + STARTUP_GRACE_MS);
    worker.once('message', (message: ExactWorkerOutput) => {
      clearTimeout(watchdog);
      resolve(message);
    });
    worker.once('error', (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(watchdog);
      reject(new Error(`HiGHS worker exited with code ${code} before answering`));
    });
  });
  void worker.terminate();

  // Trust, but verify: the plan must obey the model, and its coverage is recounted here.
  const problems = feasibilityProblems(model, output.chosen);
  if (problems.length > 0) throw new Error(`HiGHS returned an infeasible plan: ${problems.join('; ')}`);
  const covered = coveredWeight(model, output.chosen);
  const optimal = output.status === 'optimal';
  // A solve stopped before its first dual bound proves nothing: the bound is then unknown (Infinity).
  const bound = optimal
    ? covered
    : Number.isFinite(output.bound)
      ? Math.max(output.bound, covered)
      : Infinity;
  return {
    chosen: output.chosen,
    covered,
    optimal,
    status: output.status,
    bound,
    gap: optimal || bound === 0 ? 0 : bound === Infinity ? 1 : (bound - covered) / bound,
    nodes: output.nodes,
    ms: performance.now() - started,
    solverMs: output.solverMs,
    columns: output.columns,
    rows: output.rows,
  };
}
