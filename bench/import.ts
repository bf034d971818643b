/**
 * `node bench/import.ts [--backend=pglite|postgres] [--patients=N] [--rounds=2] [--workers=N] [--keep]`: the bulk
 * import (`POST /fhir/R4/$import`, ndjson, client ids) against today's path for a load, transaction
 * bundles (990 entries, 3 concurrent clients, `urn:uuid:` references), on one real server (a child
 * process, access control and audit on, as in production). Both arms load the same synthetic
 * patients and observations (bench/generate.ts) in equal amounts — different index ranges, since a
 * CNIE names one patient only — and alternate in rounds so that neither always meets the larger
 * table. A last arm imports the first round's file again (every line a new version). The figure to
 * compare between runs is the ratio $import / bundles, measured in the same run. Prints a Markdown
 * table, writes bench/results/import-<timestamp>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pgliteBackend, postgresBackend, startThrowawayPostgres } from './backends.ts';
import {
  OBSERVATIONS_PER_PATIENT,
  observation,
  patient,
  patientsPerBundle,
  transactionBundle,
} from './generate.ts';
import { HttpClient } from './http.ts';
import { startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    patients: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    /** SAHTI_IMPORT_WORKERS of the server: a number or `cores` (default: the server's, 0). */
    workers: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const backendName = flags.backend === 'postgres' ? 'postgres' : 'pglite';
const rounds = Math.max(1, Number(flags.rounds));
/** Patients per arm and round: each brings OBSERVATIONS_PER_PATIENT observations. */
const patientsPerRound = Math.max(1, Math.floor(Number(flags.patients) / rounds));
const BUNDLE_CLIENTS = 3;
const perBundle = patientsPerBundle(1000);
const resourcesOf = (patients: number) => patients * (1 + OBSERVATIONS_PER_PATIENT);
const log = (m: string) => console.error(`[import-bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

interface ArmResult {
  arm: 'bundles' | '$import' | '$import again';
  resources: number;
  seconds: number;
  /** $import only: seconds until the 202 (the upload staged). */
  uploadSeconds?: number;
  refused?: number;
}

/** The ndjson of patients [from, to) with client ids, each followed by its observations. */
function ndjsonOf(from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    lines.push(JSON.stringify({ ...patient(i), id: `bi-p-${i}` }));
    for (let k = 0; k < OBSERVATIONS_PER_PATIENT; k++)
      lines.push(JSON.stringify({ ...observation(i, k, `Patient/bi-p-${i}`), id: `bi-o-${i}-${k}` }));
  }
  return `${lines.join('\n')}\n`;
}

async function bundleArm(http: HttpClient, from: number, to: number): Promise<ArmResult> {
  let next = from;
  const t0 = performance.now();
  const worker = async () => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + perBundle);
      const res = await http.send('POST', '/fhir/R4', transactionBundle(start, next));
      if (res.status !== 200) throw new Error(`bundle: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: BUNDLE_CLIENTS }, worker));
  return { arm: 'bundles', resources: resourcesOf(to - from), seconds: (performance.now() - t0) / 1000 };
}

async function importArm(http: HttpClient, body: string, arm: ArmResult['arm']): Promise<ArmResult> {
  const t0 = performance.now();
  const accepted = await http.send('POST', '/fhir/R4/$import', body, {
    'content-type': 'application/fhir+ndjson',
    prefer: 'respond-async',
  });
  if (accepted.status !== 202)
    throw new Error(`$import: HTTP ${accepted.status} ${accepted.body.slice(0, 300)}`);
  const uploadSeconds = (performance.now() - t0) / 1000;
  const status = new URL(String(accepted.headers['content-location'])).pathname;
  for (;;) {
    const res = await http.send('GET', status);
    if (res.status === 200) {
      const manifest = JSON.parse(res.body) as { output: { count: number }[]; error: { count: number }[] };
      return {
        arm,
        resources: manifest.output.reduce((n, o) => n + o.count, 0),
        seconds: (performance.now() - t0) / 1000,
        uploadSeconds,
        refused: manifest.error.reduce((n, e) => n + e.count, 0),
      };
    }
    if (res.status !== 202) throw new Error(`$import status: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tmp = mkdtempSync(join(tmpdir(), `sahti-import-bench-${backendName}-`));
const cluster = backendName === 'postgres' ? await startThrowawayPostgres() : undefined;
if (backendName === 'postgres' && !cluster)
  throw new Error('no PostgreSQL server binaries (scripts/pg-throwaway.ts)');
const backend = cluster ? await postgresBackend(tmp, cluster) : pgliteBackend(tmp);
const credentials = { clientId: 'bench-import', secret: randomBytes(16).toString('hex') };
const logDir = mkdtempSync(join(tmpdir(), 'sahti-import-bench-log-'));
const loadBefore = loadavg();
const results: ArmResult[] = [];
let engine = '';
try {
  engine = await backend.engineVersion();
  const server = await startServer({
    ...backend.server,
    logDir,
    access: { on: true, ...credentials },
    env: {
      SAHTI_IMPORT_MAX_BYTES: String(4 * 1024 * 1024 * 1024),
      ...(flags.workers !== undefined ? { SAHTI_IMPORT_WORKERS: flags.workers } : {}),
    },
  });
  log(`${backendName}: server pid ${server.pid}, log ${server.logPath}`);
  const http = new HttpClient(server.port, BUNDLE_CLIENTS + 1, credentials);
  try {
    let firstFile = '';
    for (let r = 0; r < rounds; r++) {
      // bundles take [2r·n, (2r+1)·n), the import [(2r+1)·n, (2r+2)·n): same shapes, other CNIEs
      const bundleFrom = 2 * r * patientsPerRound;
      const importFrom = bundleFrom + patientsPerRound;
      const file = ndjsonOf(importFrom, importFrom + patientsPerRound);
      if (r === 0) firstFile = file;
      const arms = [
        () => bundleArm(http, bundleFrom, bundleFrom + patientsPerRound),
        () => importArm(http, file, '$import'),
      ];
      if (r % 2 === 1) arms.reverse();
      for (const arm of arms) {
        const result = await arm();
        results.push(result);
        log(`round ${r + 1}: ${result.arm} ${result.resources} resources in ${result.seconds.toFixed(1)} s`);
      }
    }
    const again = await importArm(http, firstFile, '$import again');
    results.push(again);
    log(`$import again: ${again.resources} resources in ${again.seconds.toFixed(1)} s`);
  } finally {
    http.close();
    await server.stop();
  }
} finally {
  await backend.dispose(flags.keep === true);
  await cluster?.stop();
}
const loadAfter = loadavg();

const sum = (arm: ArmResult['arm']) => {
  const of = results.filter((r) => r.arm === arm);
  const resources = of.reduce((n, r) => n + r.resources, 0);
  const seconds = of.reduce((n, r) => n + r.seconds, 0);
  const upload = of.reduce((n, r) => n + (r.uploadSeconds ?? 0), 0);
  return { resources, seconds, perSecond: resources / seconds, upload };
};
const bundles = sum('bundles');
const rows = (['bundles', '$import', '$import again'] as const).map((arm) => ({ arm, ...sum(arm) }));
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  `Bulk import, ${engine}; prepare workers: ${flags.workers ?? 'default (0)'}; ${rounds} round(s) of ${resourcesOf(patientsPerRound).toLocaleString('en-US')} resources per arm; ${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after`,
  '',
  '| arm | resources | seconds | resources/s | ratio to bundles | of which upload (s) |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.arm} | ${fmt(r.resources)} | ${fmt(r.seconds, 1)} | ${fmt(r.perSecond)} | ${fmt(r.perSecond / bundles.perSecond, 2)} | ${r.arm === 'bundles' ? '—' : fmt(r.upload, 1)} |`,
  ),
].join('\n');
console.log(table);
const refused = results.reduce((n, r) => n + (r.refused ?? 0), 0);
if (refused > 0) console.log(`\n${refused} lines refused — the figures are not comparable`);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
const out = new URL(`results/import-${new Date().toISOString().replaceAll(':', '-')}.json`, import.meta.url);
writeFileSync(
  out,
  JSON.stringify(
    { backend: backendName, engine, cores: cpus().length, loadBefore, loadAfter, results, rows },
    null,
    2,
  ),
);
log(`results: ${out.pathname}`);
