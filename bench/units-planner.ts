/**
 * `npm run bench:units [-- --quick] [--time-limit-s=N]`: the mobile-unit planner on the real communes
 * (data/reference), `fast` against `exact` for several numbers of units P and radii R, and the spatial
 * index against a scan of every facility. Each figure sits beside its baseline measured in the same
 * run — exact's covered population and time for fast, the N×M scan for the index — because on a
 * shared 2-core machine only ratios are comparable between runs. Prints a table and writes
 * bench/results/units-planner-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  analyseCoverage,
  ExactSolver,
  haversineKm,
  loadPlanningReference,
  planUnits,
  type UnitPlan,
} from '../packages/server/src/modules/units/planning/index.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'time-limit-s': { type: 'string', default: '60' },
    'underserved-km': { type: 'string', default: '10' },
  },
});
const units = flags.quick ? [50] : [50, 150, 300];
const radii = flags.quick ? [15] : [10, 15, 20];
const underservedKm = Number(flags['underserved-km']);
const timeLimitMs = Number(flags['time-limit-s']) * 1000;
const reference = loadPlanningReference();
const log = (m: string): void => {
  process.stderr.write(`[bench:units ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
};

interface PlannerRow {
  units: number;
  radiusKm: number;
  underservedPopulation: number;
  /** ms: wall clock; cpuMs: CPU of the whole process, worker threads included (steadier on a busy machine). */
  exact: {
    covered: number;
    optimal: boolean;
    status: string;
    gap: number;
    ms: number;
    cpuMs: number;
    warmMs: number;
    warmCpuMs: number;
  };
  fast: { covered: number; provenGap: number; ms: number; cpuMs: number; medianOfRuns: number };
  coveredRatio: number;
  timeRatio: number;
}

/** A server keeps one solver, HiGHS loaded and compiled; the command starts a worker per plan. */
const warmSolver = new ExactSolver();

type Timed = UnitPlan & { cpuMs: number };

async function plan(mode: 'exact' | 'fast', p: number, r: number, warm = false): Promise<Timed> {
  const cpu = process.cpuUsage();
  const outcome = await planUnits(
    reference.geography,
    reference.facilities,
    { mode, units: p, radiusKm: r, underservedKm, timeLimitMs: mode === 'exact' ? timeLimitMs : 2000 },
    warm ? { exactSolver: warmSolver } : {},
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
  const spent = process.cpuUsage(cpu);
  return { ...outcome.plan, cpuMs: (spent.user + spent.system) / 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- planner: fast vs exact ----------------------------------------------------
await plan('fast', 10, 15); // warm the JIT before anything is timed
await plan('exact', 10, 15, true); // and the long-lived solver's worker
const rows: PlannerRow[] = [];
for (const r of radii) {
  for (const p of units) {
    log(`P=${p} R=${r} km: exact`);
    const exact = await plan('exact', p, r);
    log(`P=${p} R=${r} km: exact, warm solver`);
    const warm = await plan('exact', p, r, true);
    if (warm.coveredPopulation !== exact.coveredPopulation && warm.optimal && exact.optimal) {
      throw new Error(`two optimal solves disagree at P=${p} R=${r}`);
    }
    const fastRuns: Timed[] = [];
    for (let i = 0; i < 5; i++) fastRuns.push(await plan('fast', p, r));
    const fastMs = median(fastRuns.map((f) => f.solveMs));
    const fast = fastRuns[0];
    rows.push({
      units: p,
      radiusKm: r,
      underservedPopulation: exact.underservedPopulation,
      exact: {
        covered: exact.coveredPopulation,
        optimal: exact.optimal,
        status: exact.status,
        gap: exact.gap,
        ms: exact.solveMs,
        cpuMs: exact.cpuMs,
        warmMs: warm.solveMs,
        warmCpuMs: warm.cpuMs,
      },
      fast: {
        covered: fast.coveredPopulation,
        provenGap: fast.gap,
        ms: fastMs,
        cpuMs: median(fastRuns.map((f) => f.cpuMs)),
        medianOfRuns: fastRuns.length,
      },
      coveredRatio: fast.coveredPopulation / exact.coveredPopulation,
      timeRatio: fastMs / exact.solveMs,
    });
  }
}

// ---- coverage analysis: k-d tree vs scanning every facility ---------------------
function scanCoverage(): number {
  const care = reference.facilities.filter((f) => f.kind !== 'doctor');
  let beyond10 = 0;
  for (const c of reference.geography.communes) {
    if (c.lat === undefined || c.lon === undefined) continue;
    let best = Infinity;
    for (const f of care) best = Math.min(best, haversineKm(c.lat, c.lon, f.lat, f.lon));
    if (best > 10) beyond10 += c.population;
  }
  return beyond10;
}
const time = (fn: () => unknown, repeat: number): number => {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
};
const indexed = analyseCoverage(reference.geography, reference.facilities).national.beyond[1].population;
if (indexed !== scanCoverage())
  throw new Error('the index and the scan disagree on the population beyond 10 km');
const coverage = {
  communes: reference.geography.communes.length,
  facilities: reference.facilities.length,
  indexMs: time(() => analyseCoverage(reference.geography, reference.facilities), 15),
  scanMs: time(scanCoverage, 15),
};

// ---- report ---------------------------------------------------------------------
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const lines = [
  `## Mobile-unit planner — D0 = ${underservedKm} km, exact time limit ${timeLimitMs / 1000} s, ${new Date().toISOString()}`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.`,
  'Times: wall clock ms of the solve (CPU ms of the process, worker threads included, in brackets: steadier when',
  'the machine is shared). exact: a worker of its own, as the command does (it loads and compiles HiGHS); warm: a',
  'long-lived ExactSolver, as a server keeps; both include the fast plan they start from. fast: median of 5 runs.',
  '"fast proven gap" is what fast certifies alone (its Lagrangian or greedy bound).',
  '',
  '| P | R km | underserved | exact covered | exact status | exact ms | exact warm ms | fast covered | fast ms | covered fast/exact | time fast/exact | time fast/warm | fast proven gap |',
  '|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.units} | ${r.radiusKm} | ${int(r.underservedPopulation)} | ${int(r.exact.covered)} | ${r.exact.status}${r.exact.optimal ? '' : ` (gap ${(r.exact.gap * 100).toFixed(3)} %)`} | ${int(r.exact.ms)} (${int(r.exact.cpuMs)}) | ${int(r.exact.warmMs)} (${int(r.exact.warmCpuMs)}) | ${int(r.fast.covered)} | ${int(r.fast.ms)} (${int(r.fast.cpuMs)}) | ${(r.coveredRatio * 100).toFixed(3)} % | ${r.timeRatio.toFixed(3)} | ${(r.fast.ms / r.exact.warmMs).toFixed(3)} | ${(r.fast.provenGap * 100).toFixed(2)} % |`,
  ),
  '',
  `Coverage analysis (${coverage.communes} communes × ${coverage.facilities} facilities, nearest care facility): ` +
    `k-d tree ${coverage.indexMs.toFixed(1)} ms, scan of every pair ${coverage.scanMs.toFixed(1)} ms ` +
    `(ratio ${(coverage.indexMs / coverage.scanMs).toFixed(3)}), same answer.`,
];
console.log(lines.join('\n'));

const startedAt = new Date().toISOString();
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const path = join(dir, `units-planner-${startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(
  path,
  `${JSON.stringify({ startedAt, underservedKm, timeLimitMs, machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg() }, planner: rows, coverage }, null, 2)}\n`,
);
log(`results written to ${path}`);
await warmSolver.close();
