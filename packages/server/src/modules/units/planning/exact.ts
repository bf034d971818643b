/**
 * The `exact` mode: the covering MIP solved by HiGHS in a worker thread, under a time limit. The
 * heuristic's solution is handed over as a starting point, so a solve cut short by the limit still
 * returns a good plan, with the proven gap saying how far from optimal it can be.
 *
 * `ExactSolver` keeps one worker (HiGHS loaded and warm) for many solves, one at a time: what a
 * long-running server wants. `solveExact` is the one-shot form for a command.
 */
import { Worker } from 'node:worker_threads';
import { type CoverModel, coveredWeight, feasibilityProblems } from './cover-model.ts';
import type { ExactWorkerOutput, ExactWorkerReply, ExactWorkerRequest } from './exact-worker.ts';

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
  /** Wall time, waiting for the worker (and its start and HiGHS's loading, if new) included. */
  ms: number;
  /** Time inside HiGHS's solve. */
  solverMs: number;
  columns: number;
  rows: number;
}

/** Time for a worker to start and load HiGHS, over the solve's own limit, before it is killed. */
const STARTUP_GRACE_MS = 15_000;

export class ExactSolver {
  private worker: Worker | undefined;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  /** Solves after any solve already waiting; a solve that overruns its limit kills the worker. */
  solve(model: CoverModel, options: ExactOptions = {}): Promise<ExactResult> {
    const run = this.queue.then(() => this.run(model, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private async run(model: CoverModel, options: ExactOptions): Promise<ExactResult> {
    const started = performance.now();
    const timeLimitMs = options.timeLimitMs ?? 10_000;
    const request: ExactWorkerRequest = {
      id: this.nextId++,
      input: {
        model,
        timeLimitMs,
        relativeGap: options.relativeGap ?? 0,
        ...(options.start ? { start: [...options.start] } : {}),
      },
    };
    if (!this.worker) this.worker = new Worker(new URL('./exact-worker.ts', import.meta.url));
    const worker = this.worker;
    worker.ref(); // while solving, the worker keeps the process alive; idle, it does not

    const output = await new Promise<ExactWorkerOutput>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(watchdog);
        worker.unref();
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const discard = (error: Error): void => {
        finish();
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
        reject(error);
      };
      const onMessage = (reply: ExactWorkerReply): void => {
        if (reply.id !== request.id) return;
        finish();
        if ('error' in reply) reject(new Error(`HiGHS failed: ${reply.error}`));
        else resolve(reply.output);
      };
      const onError = (error: Error): void => discard(error);
      const onExit = (code: number): void => discard(new Error(`HiGHS worker exited with code ${code}`));
      const watchdog = setTimeout(
        () => discard(new Error(`HiGHS did not answer within ${timeLimitMs + STARTUP_GRACE_MS} ms`)),
        timeLimitMs + STARTUP_GRACE_MS,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });

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
}

/** One solve in a worker of its own, closed afterwards. */
export async function solveExact(model: CoverModel, options: ExactOptions = {}): Promise<ExactResult> {
  const solver = new ExactSolver();
  try {
    return await solver.solve(model, options);
  } finally {
    await solver.close();
  }
}
