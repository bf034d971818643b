/**
 * Worker thread of the `exact` mode: loads HiGHS (WebAssembly) once, then solves each covering MIP
 * it is sent within its time limit and posts the outcome. In a worker because a MIP solve is one long
 * synchronous call that would otherwise freeze the server's event loop, and because a hung or crashed
 * solve can then be terminated without taking the process down. Kept alive between solves, it also
 * keeps HiGHS's compiled WebAssembly warm (the first solve in a fresh worker pays for compiling it).
 */
import { parentPort } from 'node:worker_threads';
import type { Highs } from 'highs';
import * as highsModule from 'highs';
import type { CoverModel } from './cover-model.ts';
import { buildMilp, milpStart } from './milp.ts';

export interface ExactWorkerInput {
  model: CoverModel;
  timeLimitMs: number;
  /** Relative MIP gap at which HiGHS may stop (0: prove optimality). */
  relativeGap: number;
  /** A feasible choice of candidates to start from (the heuristic's). */
  start?: number[];
}

export interface ExactWorkerRequest {
  id: number;
  input: ExactWorkerInput;
}

export type ExactWorkerReply = { id: number; output: ExactWorkerOutput } | { id: number; error: string };

export interface ExactWorkerOutput {
  /** HiGHS model status name (constants.modelStatus key), e.g. "optimal", "timeLimit". */
  status: string;
  chosen: number[];
  objective: number;
  /** Best proven bound on the optimum (the MIP dual bound). */
  bound: number;
  gap: number;
  nodes: number;
  solverMs: number;
  columns: number;
  rows: number;
}

// highs is typed as a CommonJS package, but Node loads its ES module, whose default export is the
// loader; TypeScript would type the namespace's `default` as the CommonJS exports object instead.
const loadHighs = (highsModule as unknown as { default: () => Promise<Highs> }).default;
const highs = await loadHighs();
const statusName = new Map<number, string>(
  Object.entries(highs.constants.modelStatus).map(([name, code]) => [code as number, name]),
);

function solve(input: ExactWorkerInput): ExactWorkerOutput {
  const milp = buildMilp(input.model, {
    maximize: highs.constants.objectiveSense.maximize,
    infinity: highs.infinity,
  });
  return highs.withModel(milp.data, (model): ExactWorkerOutput => {
    model.options.set({
      output_flag: false,
      time_limit: input.timeLimitMs / 1000,
      mip_rel_gap: input.relativeGap,
    });
    if (input.start) model.setSolution({ colValue: milpStart(milp, input.start) });
    const started = performance.now();
    const { modelStatus } = model.run();
    const solverMs = performance.now() - started;
    const info = (name: string): number => {
      try {
        return Number(model.info.get(name));
      } catch {
        return Number.NaN;
      }
    };
    const colValue = model.getSolution().colValue;
    const chosen: number[] = [];
    milp.siteCandidates.forEach((j, c) => {
      if ((colValue?.[c] ?? 0) > 0.5) chosen.push(j);
    });
    return {
      status: statusName.get(modelStatus) ?? String(modelStatus),
      chosen,
      objective: info('objective_function_value'),
      bound: info('mip_dual_bound'),
      gap: info('mip_gap'),
      nodes: info('mip_node_count'),
      solverMs,
      columns: milp.data.numCols,
      rows: milp.data.numRows,
    };
  });
}

parentPort?.on('message', ({ id, input }: ExactWorkerRequest) => {
  let reply: ExactWorkerReply;
  try {
    reply = { id, output: solve(input) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
