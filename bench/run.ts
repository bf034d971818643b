/**
 * `npm run bench [-- --quick] [--backend=pglite|postgres|both]`: for each backend, import synthetic
 * patients and observations into the real server (a child process) and into the raw-SQL floor, then
 * measure each operation on both, back to back, so that each FHIR figure has a baseline taken under
 * the same machine noise. Prints the tables and writes bench/results/<timestamp>.json.
 *
 * Other flags: --patients=N, --concurrency=N (default 8), --seconds=N (time bound per operation),
 * --analyze (ANALYZE the server's database after the import; by default it is measured as a user
 * gets it: PGlite never gathers statistics by itself, PostgreSQL does when autovacuum gets to it),
 * --access=on (authentication, authorisation and audit in front of the FHIR API), --keep (leave the
 * PGlite folders and server logs in place), --profile <dir> (a V8 CPU profile of the server in <dir>,
 * each phase's window printed for `node bench/access.ts --summarise <file> --window from-to`),
 * --pg name=value (repeatable: a setting of the throwaway PostgreSQL server, e.g.
 * `--pg shared_buffers=4GB`; the default is the test clusters' 256 MB; kept in the results),
 * --import-clients=N (bundles imported at once, default 3; the floor's import uses as many),
 * --import-prefer=minimal (the import's bundles sent with `Prefer: return=minimal`, as a loader asks
 * for them: answers without the resources; by default no preference, every resource answered).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SqlResult } from '../packages/fhir/src/sql.ts';
import { plannerValueDistinct } from '../packages/fhir/src/value-distinct.ts';
import { type Backend, pgliteBackend, postgresBackend, startThrowawayPostgres } from './backends.ts';
import { type CpuPerRequest, type CpuSources, monotonicUs, startCpu } from './cpu.ts';
import {
  type ExplainedSearch,
  explainSearches,
  explainUpdate,
  type PlanQuery,
  tableStatistics,
} from './explain.ts';
import { FhirTarget } from './fhir-target.ts';
import { FloorTarget, HttpFloorTarget, startHttpFloor } from './floor.ts';
import { cnie, OBSERVATIONS_PER_PATIENT, patient, patientsPerBundle } from './generate.ts';
import { HttpClient } from './http.ts';
import { type LoadOptions, type LoadResult, runLoad } from './load.ts';
import {
  type BackendResult,
  formatBackend,
  formatRun,
  type OperationResult,
  type RunResult,
  writeResults,
} from './report.ts';
import { OPERATIONS, type OperationName, operation, type Target } from './scenarios.ts';
import { type ServerProcess, startServer } from './server-process.ts';
import { startModes, startWords } from './start-modes.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'both' },
    patients: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    seconds: { type: 'string' },
    analyze: { type: 'boolean', default: false },
    access: { type: 'string', default: 'off' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    pg: { type: 'string', multiple: true, default: [] },
    'import-clients': { type: 'string', default: '3' },
    'import-prefer': { type: 'string' },
    'node-flag': { type: 'string', multiple: true, default: [] },
  },
});
const pgSettings = (flags.pg ?? []) as string[];
for (const setting of pgSettings)
  if (!/^[a-z_.]+=[^\s]+$/.test(setting)) throw new Error(`--pg expects name=value, got "${setting}"`);

const quick = flags.quick === true;
const patients = Number(flags.patients ?? (quick ? 5_000 : 100_000));
const concurrency = Number(flags.concurrency);
const IMPORT_CLIENTS = Number(flags['import-clients']);
const IMPORT_PREFER = flags['import-prefer'];
if (IMPORT_PREFER !== undefined && !['minimal', 'representation', 'OperationOutcome'].includes(IMPORT_PREFER))
  throw new Error(
    `--import-prefer expects minimal, representation or OperationOutcome, got "${IMPORT_PREFER}"`,
  );
const BUNDLE_ENTRIES = 1000;
const perBundle = patientsPerBundle(BUNDLE_ENTRIES);
/** Each measurement stops at whichever bound comes first; requests in flight get `graceMs` more. */
const measure: LoadOptions = {
  concurrency,
  maxRequests: quick ? 3_000 : 50_000,
  maxMs: Number(flags.seconds ?? (quick ? 4 : 20)) * 1000,
  graceMs: 90_000,
};
const warmup: LoadOptions = { concurrency, maxRequests: 200, maxMs: 1_500, graceMs: 90_000 };
const IMPORT_MAX_MS = (quick ? 10 : 180) * 60_000;
/**
 * --access=on: the FHIR API behind authentication, authorisation and audit, with a bootstrapped
 * system client's bearer token; off (the default) measures the FHIR engine alone against the floor.
 */
const credentials =
  flags.access === 'on' ? { clientId: 'bench', secret: randomBytes(16).toString('hex') } : undefined;
const access = credentials ? { on: true as const, ...credentials } : { on: false as const };
const backends = flags.backend === 'both' ? (['pglite', 'postgres'] as const) : [flags.backend];
if (!backends.every((b) => b === 'pglite' || b === 'postgres')) {
  throw new Error(`--backend must be pglite, postgres or both, not ${flags.backend}`);
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Node flags after those `npm start` gives (a later flag wins), e.g. `--node-flag=--max-semi-space-size=32`. */
const extraNodeFlags = (flags['node-flag'] ?? []) as string[];
for (const flag of extraNodeFlags)
  if (!/^--[a-z0-9-]+(=[^\s]+)?$/.test(flag))
    throw new Error(`--node-flag expects --name[=value], got "${flag}"`);
const profileArgs = flags.profile ? [`--cpu-prof`, `--cpu-prof-dir=${flags.profile}`] : [];

/** Imports all patients (with their observations) into a target, in bundles, with a few clients. */
async function importInto(target: Target, label: string): Promise<LoadResult> {
  const bundles = Math.ceil(patients / perBundle);
  let done = 0;
  const result = await runLoad(
    { concurrency: IMPORT_CLIENTS, maxRequests: bundles, maxMs: IMPORT_MAX_MS },
    async (b) => {
      const failure = await target.importBundle(b * perBundle, Math.min(patients, (b + 1) * perBundle));
      if (++done % Math.max(1, Math.round(bundles / 10)) === 0)
        log(`${label} import: ${done}/${bundles} bundles`);
      return failure;
    },
  );
  if (result.errors > 0) throw new Error(`${label} import failed: ${result.errorSamples.join('\n')}`);
  return result;
}

/** Warm-up and measurement share one operation object, so that a mix's deletes never repeat. */
async function measureOperation(
  name: OperationName,
  target: Target,
  loaded: number,
  cpu: CpuSources,
): Promise<{ result: LoadResult; cpu?: CpuPerRequest }> {
  const op = operation(name, target, loaded);
  const warm = await runLoad(warmup, (i) => op(i + 5_000_000));
  if (warm.stuck > 0) return { result: warm }; // no point measuring behind requests still running
  const spent = startCpu(cpu);
  const from = monotonicUs();
  const result = await runLoad(measure, op);
  if (flags.profile && cpu.serverPid) log(`${name}: profile window ${from}-${monotonicUs()}`);
  return { result, cpu: spent(result.requests) };
}

const notMeasured = (why: string): LoadResult => ({
  requests: 0,
  errors: 0,
  errorSamples: [why],
  stuck: 0,
  elapsedMs: 0,
  perSecond: Number.NaN,
  p50: Number.NaN,
  p99: Number.NaN,
  meanMs: Number.NaN,
  maxMs: Number.NaN,
});

async function runBackend(backend: Backend): Promise<BackendResult> {
  const notes: string[] = [];
  const logDir = mkdtempSync(join(tmpdir(), 'sahti-bench-log-'));
  const floorDb = await backend.openFloor(concurrency);
  const floor = new FloorTarget(floorDb);
  log(`${backend.name}: floor import of ${patients} patients`);
  const floorImportCpu = startCpu({ database: backend.databases?.floor });
  const floorImport = await importInto(floor, `${backend.name} floor`);
  const resourcesOf = (r: LoadResult): number =>
    Math.min(patients, r.requests * perBundle) * (1 + OBSERVATIONS_PER_PATIENT);
  const floorImportPerResource = floorImportCpu(resourcesOf(floorImport));
  await floorDb.query('ANALYZE bench_floor'); // the floor is the best case: it gets statistics

  const shipped = startModes()[0];
  const serverOptions = {
    ...backend.server,
    env: { ...shipped?.env, ...backend.server.env },
    logDir,
    access,
    // the server runs as `npm start` runs it (its node flags: PGlite's compilation tiers)
    nodeArgs: [
      ...(shipped?.nodeFlags ?? []),
      ...(backend.server.nodeArgs ?? []),
      ...extraNodeFlags,
      ...profileArgs,
    ],
  };
  let server: ServerProcess = await startServer(serverOptions);
  log(`${backend.name}: server pid ${server.pid} on 127.0.0.1:${server.port}, log ${server.logPath}`);
  const fhir = new FhirTarget(
    new HttpClient(server.port, Math.max(concurrency, IMPORT_CLIENTS), credentials),
    IMPORT_PREFER,
  );
  const fhirImportCpu = startCpu({ serverPid: server.pid, database: backend.databases?.fhir });
  const importFrom = monotonicUs();
  const fhirImport = await importInto(fhir, `${backend.name} FHIR`);
  if (flags.profile) log(`${backend.name} FHIR import: profile window ${importFrom}-${monotonicUs()}`);
  const fhirImportPerResource = fhirImportCpu(resourcesOf(fhirImport));
  const loaded = Math.min(patients, fhirImport.requests * perBundle, floorImport.requests * perBundle);
  if (loaded < patients) notes.push(`import stopped by its time bound after ${loaded} patients`);
  await sleep(3_000); // let the import's garbage be collected before the idle reading
  const idleAfterLoadMiB = server.memory().rssMiB;
  let peakMiB = server.memory().peakMiB;
  log(`${backend.name}: import done (${loaded} patients); server RSS ${idleAfterLoadMiB.toFixed(0)} MiB`);

  if (flags.analyze) {
    if (!backend.plansWhileServing) {
      // an embedded database has one owner: stop the server, ANALYZE, start it again
      fhir.http.close();
      await server.stop();
      await backend.withPlans((q) => q('ANALYZE', []));
      server = await startServer(serverOptions);
      fhir.http = new HttpClient(server.port, Math.max(concurrency, IMPORT_CLIENTS), credentials);
      notes.push(
        'ANALYZE after the import; the server was restarted for it (memory peak is the larger of both)',
      );
    } else {
      await backend.withPlans((q) => q('ANALYZE', []));
      notes.push('ANALYZE after the import');
    }
  }

  const operations: OperationResult[] = [];
  let busy: string | undefined;
  const fhirCpu: CpuSources = { serverPid: server.pid, database: backend.databases?.fhir };
  const floorCpu: CpuSources = { database: backend.databases?.floor };
  for (const name of OPERATIONS) {
    const fhirRun = busy
      ? { result: notMeasured(`not measured: the server was still busy with "${busy}"`) }
      : await measureOperation(name, fhir, loaded, fhirCpu);
    const floorRun = await measureOperation(name, floor, loaded, floorCpu);
    const fhirResult = fhirRun.result;
    const floorResult = floorRun.result;
    if (fhirResult.stuck > 0 && !busy) {
      busy = name;
      notes.push(
        `"${name}": ${fhirResult.stuck} requests still running ${measure.graceMs! / 1000} s after the time bound`,
      );
    }
    operations.push({
      name,
      fhir: fhirResult,
      floor: floorResult,
      cpu: { fhir: fhirRun.cpu, floor: floorRun.cpu },
    });
    log(
      `${backend.name} ${name}: FHIR ${fhirResult.perSecond.toFixed(0)} req/s p50 ${fhirResult.p50.toFixed(2)} ms ` +
        `p99 ${fhirResult.p99.toFixed(2)} ms (${fhirResult.errors} errors, ${fhirResult.stuck} stuck) | ` +
        `floor ${floorResult.perSecond.toFixed(0)} req/s`,
    );
  }
  // the floor's reads behind a bare HTTP server: what HTTP alone costs, to tell it from the FHIR layer
  const httpFloor: NonNullable<BackendResult['httpFloor']> = [];
  if (backend.floorUrl && !busy) {
    const bare = await startHttpFloor(backend.floorUrl, concurrency);
    const client = new HttpClient(bare.port, concurrency);
    try {
      for (const name of ['read', 'search identifier'] as const) {
        const run = await measureOperation(name, new HttpFloorTarget(client), loaded, {
          serverPid: bare.pid,
          database: backend.databases?.floor,
        });
        httpFloor.push({ name, ...run });
        log(`${backend.name} ${name}: HTTP floor ${run.result.perSecond.toFixed(0)} req/s`);
      }
    } finally {
      client.agent.destroy();
      await bare.stop();
    }
  }
  const afterRunMiB = server.memory().rssMiB;
  peakMiB = Math.max(peakMiB, server.memory().peakMiB);

  // plans of the searches as measured. PostgreSQL runs each (its statement_timeout bounds them);
  // on PGlite, which cannot be interrupted, one that took seconds is only EXPLAINed
  const sample = Math.floor(loaded / 2);
  const quickEnough = (name: OperationName): boolean => {
    const r = operations.find((o) => o.name === name)?.fhir;
    return backend.plansWhileServing || (!!r && r.stuck === 0 && r.p99 < 5_000);
  };
  const searches = [
    ['search identifier', 'Patient', `identifier=https://sahti.ma/fhir/NamingSystem/cnie|${cnie(sample)}`],
    ['search name', 'Patient', 'name=Ben'],
    ['search birthdate', 'Patient', 'birthdate=ge1980-03-01&birthdate=lt1980-04-01'],
    [
      'search observation',
      'Observation',
      `subject=Patient/${fhir.patientIds[sample]}&code=http://loinc.org|29463-7&date=ge2024-01-01&date=lt2025-01-01`,
    ],
  ].map(([name, type, query]) => ({ name, type, query, analyze: quickEnough(name as OperationName) }));
  const updated = { ...patient(sample, 7), id: fhir.patientIds[sample] };
  const plans = async (
    q: PlanQuery,
  ): Promise<{
    explains: ExplainedSearch[];
    statistics: Record<string, unknown>[];
    tokenValueDistinct?: { share: number; measured: boolean };
  }> => ({
    explains: [...(await explainSearches(q, searches)), ...(await explainUpdate(q, updated))],
    statistics: await tableStatistics(q),
    tokenValueDistinct: await plannerValueDistinct({
      query: async <Row>(text: string, params?: unknown[]) => (await q(text, params ?? [])) as SqlResult<Row>,
    }),
  });
  let planned = backend.plansWhileServing ? await backend.withPlans(plans) : undefined;
  fhir.http.close();
  await server.stop();
  if (!planned) {
    planned = await backend.withPlans(plans).catch((err: Error) => {
      notes.push(`plans could not be read: ${err.message}`);
      return { explains: [], statistics: [] };
    });
  }
  await floorDb.close();
  const storage = await backend.storage();
  if (flags.keep !== true) rmSync(logDir, { recursive: true, force: true });
  return {
    backend: backend.name,
    engineVersion: await backend.engineVersion(),
    patients: loaded,
    observations: loaded * OBSERVATIONS_PER_PATIENT,
    analyzed: flags.analyze === true,
    accessControl: access.on,
    import: {
      fhir: fhirImport,
      floor: floorImport,
      resourcesPerBundle: perBundle * (1 + OBSERVATIONS_PER_PATIENT),
      fhirResources: resourcesOf(fhirImport),
      floorResources: resourcesOf(floorImport),
      cpuPerResource: { fhir: fhirImportPerResource, floor: floorImportPerResource },
    },
    operations,
    memory: { idleAfterLoadMiB, afterRunMiB, peakMiB },
    storage,
    explains: planned.explains,
    statistics: planned.statistics,
    tokenValueDistinct: planned.tokenValueDistinct,
    ...(httpFloor.length > 0 ? { httpFloor } : {}),
    notes: [
      ...notes,
      backend.name === 'pglite'
        ? 'floor: a second PGlite instance inside the benchmark process (no HTTP), ANALYZEd after its import'
        : 'floor: a second database on the same server, pg Pool with one connection per client (no HTTP), ANALYZEd after its import',
      ...(backend.name === 'postgres' && pgSettings.length > 0
        ? [`PostgreSQL server settings for this run (server and floor): ${pgSettings.join(', ')}`]
        : []),
      ...(IMPORT_PREFER ? [`import bundles sent with Prefer: return=${IMPORT_PREFER}`] : []),
      'server memory is the node process only (PostgreSQL server processes are not counted)',
      `server started as npm start starts it: ${shipped ? startWords(shipped).join(' ') : '(no start script)'}`,
      ...(extraNodeFlags.length > 0 ? [`node flags added for this run: ${extraNodeFlags.join(' ')}`] : []),
    ],
  };
}

const run: RunResult = {
  startedAt: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  concurrency,
  importClients: IMPORT_CLIENTS,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg(),
  },
  backends: [],
};

for (const name of backends) {
  const tmp = mkdtempSync(join(tmpdir(), `sahti-bench-${name}-`));
  const cluster = name === 'postgres' ? await startThrowawayPostgres(pgSettings) : undefined;
  if (name === 'postgres' && !cluster)
    throw new Error('no PostgreSQL server binaries (see scripts/pg-throwaway.ts)');
  const backend = cluster ? await postgresBackend(tmp, cluster) : pgliteBackend(tmp);
  try {
    const result = await runBackend(backend);
    run.backends.push(result);
    console.log(`${formatBackend(result)}\n`);
    log(`results so far: ${writeResults(run)}`);
  } finally {
    await backend.dispose(flags.keep === true);
    await cluster?.stop();
  }
}
console.log(formatRun(run));
log(`results: ${writeResults(run)}`);
