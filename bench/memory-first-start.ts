/**
 * Memory of the embedded server (PGlite) as a user first meets it: `npm start` / `npm run
 * start:small` on an empty folder with the demo data (SAHTI_SEED_DEMO on, as the README's quick
 * start), its background work after the start (the demo's slot derivations), then transaction
 * bundles of 1,000 and 20,000 Patients (0.5 and 10 MiB) through the FHIR API — the large one first
 * with `Prefer: return=minimal` (an answer without the resources, as a loader asks for it), then
 * as a client asking for nothing (every resource in the answer). VmHWM (the peak so far), VmRSS
 * and the resident part of glibc's heap after each phase, from /proc. The baseline, in the same
 * run, is `npm start`: each peak is also given as a ratio to its peak at the same phase.
 *
 *   node bench/memory-first-start.ts [--settle 60] [--node-flags="--liftoff-only …"]
 *
 * Prints a Markdown table and writes bench/results/memory-first-start-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from './http.ts';
import { glibcHeapMiB, startServer } from './server-process.ts';
import { type Mode, startModes, startWords } from './start-modes.ts';

const { values: flags } = parseArgs({
  options: { settle: { type: 'string', default: '60' }, 'node-flags': { type: 'string' } },
});
const SETTLE_MS = Number(flags.settle) * 1000;
const BUNDLES: { count: number; prefer?: string }[] = [
  { count: 1_000 },
  { count: 20_000, prefer: 'return=minimal' },
  { count: 20_000 },
];
const READY_TIMEOUT_MS = 600_000;
const ROOT = new URL('..', import.meta.url).pathname;
const client = { clientId: 'bench-memory-start', secret: 'bench-memory-start-secret-0123456789' };
const log = (m: string) =>
  process.stderr.write(`[bench memory-first-start ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  phase: string;
  rssMiB: number;
  peakMiB: number;
  /** glibc's main heap, resident (what it keeps of freed buffers shows here, not in node's counters). */
  glibcHeapMiB: number;
}

function bundleOf(count: number): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: count }, (_, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      request: { method: 'POST', url: 'Patient' },
      resource: {
        resourceType: 'Patient',
        name: [{ family: `Mémoire${i}`, given: ['Bench'] }],
        gender: i % 2 ? 'female' : 'male',
        birthDate: '1980-01-01',
        telecom: [{ system: 'phone', value: '+212600000000' }],
        address: [{ city: 'Casablanca', line: [`${i} rue de la mémoire, quartier ${'x'.repeat(150)}`] }],
      },
    })),
  };
}

async function measure(mode: Mode, tmp: string): Promise<Phase[]> {
  const server = await startServer({
    dataDir: join(tmp, mode.name.replace(/\W+/g, '-')),
    logDir: tmp,
    access: { on: true, ...client },
    nodeArgs: mode.nodeFlags,
    env: { ...mode.env, SAHTI_SEED_DEMO: '1' },
  });
  const phases: Phase[] = [];
  const note = (phase: string) => {
    phases.push({ phase, ...server.memory(), glibcHeapMiB: glibcHeapMiB(server.pid) });
    log(`${mode.name}: ${JSON.stringify(phases.at(-1))}`);
  };
  try {
    // /healthz answered; /health/ready waits for the demo data (a few minutes at most)
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${server.port}/health/ready`).catch(() => undefined);
      if (ready?.ok) break;
      if (Date.now() > deadline) throw new Error(`not ready ${READY_TIMEOUT_MS / 1000} s after start`);
      await sleep(500);
    }
    note('ready, demo data loaded');
    await sleep(SETTLE_MS);
    note(`${SETTLE_MS / 1000} s later (the demo's background work)`);
    const http = new HttpClient(server.port, 1, client);
    for (const { count, prefer } of BUNDLES) {
      const res = await http.send('POST', '/fhir/R4', bundleOf(count), {
        'content-type': 'application/fhir+json',
        ...(prefer ? { prefer } : {}),
      });
      if (res.status !== 200)
        throw new Error(`bundle of ${count}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      note(`transaction of ${count.toLocaleString('en')} Patients${prefer ? `, ${prefer}` : ''}`);
    }
    http.agent.destroy();
    return phases;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-memory-start-'));
  const results: { mode: Mode; phases: Phase[] }[] = [];
  try {
    for (const mode of startModes(flags['node-flags']))
      results.push({ mode, phases: await measure(mode, tmp) });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const baseline = results[0].phases;
  const lines = [
    '## Embedded server memory on first start with the demo data (PGlite)',
    '',
    `machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    '',
    '| started as (node flags) | phase | peak so far MiB | RSS MiB | of which glibc heap MiB | peak ÷ npm start |',
    '|---|---|---:|---:|---:|---:|',
    ...results.flatMap(({ mode, phases }) =>
      phases.map(
        (p, i) =>
          `| ${mode.name} (${startWords(mode).join(' ') || 'none'}) | ${p.phase} | ${Math.round(p.peakMiB)} | ${Math.round(p.rssMiB)} | ${Math.round(p.glibcHeapMiB)} | ${(p.peakMiB / baseline[i].peakMiB).toFixed(2)} |`,
      ),
    ),
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(
    ROOT,
    `bench/results/memory-first-start-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, JSON.stringify({ results, load: loadavg(), table }, null, 2));
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
