/**
 * Read replicas, measured. One throwaway PostgreSQL primary, one streaming replica of it
 * (`pg_basebackup -R`), and two servers over the same primary: one whose reads stay on the primary,
 * one with DATABASE_REPLICA_URL. The same reads run against both, alternated round by round, so
 * each replica figure has a primary baseline taken under the same machine noise; CPU per request is
 * split by who spent it — the server's node process, the primary's backends, the replica's
 * backends. The replica's replay lag is sampled (pg_stat_replication on the primary, and the
 * server's own view from /metrics) under two write loads: the transaction-bundle import, then
 * single-resource creates and updates. Also the CPU the replica spends replaying each written
 * resource (its startup process) against the primary's.
 *
 *   node bench/replicas.ts [--patients 5000] [--seconds 6] [--rounds 2] [--concurrency 8]
 *
 * Prints Markdown tables and writes bench/results/replicas-<timestamp>.json. Needs the PostgreSQL
 * 15+ server binaries (scripts/pg-throwaway.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseLsn, walEnd } from '../packages/server/src/db/replicas/wal.ts';
import {
  startThrowawayPostgres,
  startThrowawayReplica,
  type ThrowawayPostgres,
} from '../scripts/pg-throwaway.ts';
import { processCpuMs } from './cpu.ts';
import { FhirTarget } from './fhir-target.ts';
import { OBSERVATIONS_PER_PATIENT, patientsPerBundle } from './generate.ts';
import { HttpClient } from './http.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type OperationName, operation } from './scenarios.ts';
import { type ServerProcess, startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    patients: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
  },
});
const PATIENTS = Number(flags.patients);
const SECONDS = Number(flags.seconds);
const ROUNDS = Number(flags.rounds);
const CONCURRENCY = Number(flags.concurrency);
const DB = 'bench_replicas';
const PER_BUNDLE = patientsPerBundle(990);
const READS: OperationName[] = ['read', 'search identifier', 'search observation', 'search name'];
const WRITES: OperationName[] = ['create', 'update'];
const client = { clientId: 'bench-replicas', secret: 'bench-replicas-secret-0123456789' };
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- CPU by PostgreSQL server -------------------------------------------------------------------

const postmasterOf = (cluster: ThrowawayPostgres) =>
  Number(readFileSync(join(cluster.cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** CPU ms of the children of one postmaster whose title matches (backends of DB, startup…). */
function childrenCpuMs(postmaster: number, title: RegExp): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== postmaster) continue;
      if (title.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8')))
        out.set(Number(entry), processCpuMs(Number(entry)));
    } catch {
      // gone while reading
    }
  }
  return out;
}

/** Starts counting CPU of several sources; the result gives ms spent by each since. */
function cpuMeter(sources: Record<string, () => Map<number, number>>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(sources).map(([k, read]) => [k, read()]));
  return () =>
    Object.fromEntries(
      Object.entries(sources).map(([k, read]) => {
        let spent = 0;
        for (const [pid, ms] of read()) spent += ms - (start[k].get(pid) ?? 0);
        return [k, spent];
      }),
    );
}

// ---- replication lag ------------------------------------------------------------------------------

interface LagSample {
  at: number;
  /** WAL not yet replayed on the replica (pg_stat_replication on the primary). */
  bytes: number;
  /**
   * Time until the replica had replayed everything the primary held when the sample began: the
   * most a reader of the replica could miss, measured rather than estimated.
   */
  visibleMs?: number;
  /** The server's view (sahti_db_replica_lag_seconds), ms. */
  routerMs?: number;
}

/** How long the replica takes to replay the primary's current position (polls every 2 ms, ≤ 30 s). */
async function visibilityMs(primary: pg.Client, replica: pg.Client): Promise<number | undefined> {
  const t0 = performance.now();
  const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const target = walEnd(parseLsn(rows[0].lsn));
  while (performance.now() - t0 < 30_000) {
    const r = await replica.query<{ lsn: string }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
    if (parseLsn(r.rows[0].lsn) >= target) return performance.now() - t0;
    await sleep(2);
  }
  return undefined;
}

function sampleLag(
  primary: pg.Client,
  replica: pg.Client,
  server: ServerProcess,
): { stop(): Promise<LagSample[]> } {
  const samples: LagSample[] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const { rows } = await primary.query(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS bytes
           FROM pg_stat_replication LIMIT 1`,
      );
      const visibleMs = await visibilityMs(primary, replica);
      // the server's view once a second: a scrape also reads job and outbox counts on the primary
      const metrics =
        n++ % 5 === 0 ? await fetch(`http://127.0.0.1:${server.port}/metrics`).then((r) => r.text()) : '';
      const router = /^sahti_db_replica_lag_seconds\{replica="1"\} (\S+)$/m.exec(metrics)?.[1];
      samples.push({
        at,
        bytes: rows[0]?.bytes ?? Number.NaN,
        ...(visibleMs !== undefined ? { visibleMs } : {}),
        ...(router ? { routerMs: Number(router) * 1000 } : {}),
      });
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

function summarise(values: number[]): { p50: number; p99: number; max: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : Number.NaN);
  return { p50: q(0.5), p99: q(0.99), max: v.at(-1) ?? Number.NaN };
}

const lagSummary = (samples: LagSample[]) => ({
  samples: samples.length,
  bytes: summarise(samples.map((s) => s.bytes)),
  visibleMs: summarise(samples.flatMap((s) => (s.visibleMs === undefined ? [] : [s.visibleMs]))),
  routerMs: summarise(samples.flatMap((s) => (s.routerMs === undefined ? [] : [s.routerMs]))),
});

async function routing(server: ServerProcess): Promise<Record<string, number>> {
  const text = await fetch(`http://127.0.0.1:${server.port}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^sahti_db_reads_total\{target="(\w+)",reason="([\w-]+)"\} (\S+)$/gm))
    out[`${m[1]}/${m[2]}`] = Number(m[3]);
  return out;
}

// ---- the run --------------------------------------------------------------------------------------

const primary = await startThrowawayPostgres();
if (!primary) {
  console.error(
    'No PostgreSQL 15+ server binaries under /usr/lib/postgresql (apt-get install postgresql-15)',
  );
  process.exit(1);
}
const logDir = mkdtempSync(join(tmpdir(), 'sahti-bench-replicas-'));
const servers: ServerProcess[] = [];
let replica: Awaited<ReturnType<typeof startThrowawayReplica>> | undefined;
try {
  const admin = new pg.Client({ connectionString: primary.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB}`);
  // the throwaway cluster commits asynchronously (-c synchronous_commit=off: WAL reaches a standby
  // at the WAL writer's next flush, every 200 ms); a production primary commits synchronously, so
  // this database does (a database's setting overrides the command line for its sessions)
  await admin.query(`ALTER DATABASE ${DB} SET synchronous_commit = on`);
  const dbUrl = (url: string) => Object.assign(new URL(url), { pathname: `/${DB}` }).toString();
  replica = await startThrowawayReplica(primary);
  const onPrimary = new pg.Client({ connectionString: dbUrl(primary.url) });
  await onPrimary.connect();
  const primaryPid = postmasterOf(primary);
  const probeReplica = new pg.Client({ connectionString: dbUrl(replica.url) });
  await probeReplica.connect();
  // the lag sampler's own backends are not the server's work
  const samplerPid = (await onPrimary.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const probePid = (await probeReplica.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const replicaPid = postmasterOf(replica);
  log(`primary ${primary.url} (pid ${primaryPid}), replica ${replica.url} (pid ${replicaPid})`);

  const access = { on: true as const, ...client };
  const onlyPrimary = await startServer({ databaseUrl: dbUrl(primary.url), logDir, access });
  servers.push(onlyPrimary);
  const withReplica = await startServer({
    databaseUrl: dbUrl(primary.url),
    logDir,
    access,
    env: { DATABASE_REPLICA_URL: dbUrl(replica.url) },
  });
  servers.push(withReplica);
  const targetP = new FhirTarget(new HttpClient(onlyPrimary.port, CONCURRENCY, client));
  const targetR = new FhirTarget(new HttpClient(withReplica.port, CONCURRENCY, client));

  const meter = () =>
    cpuMeter({
      primaryBackends: () => {
        const backends = childrenCpuMs(primaryPid, new RegExp(`^postgres: postgres ${DB} `));
        backends.delete(samplerPid);
        return backends;
      },
      replicaBackends: () => {
        const backends = childrenCpuMs(replicaPid, new RegExp(`^postgres: postgres ${DB} `));
        backends.delete(probePid);
        return backends;
      },
      replicaReplay: () => childrenCpuMs(replicaPid, /^postgres: (startup|walreceiver)/),
      primaryWalSender: () => childrenCpuMs(primaryPid, /^postgres: walsender/),
      nodeP: () => new Map([[onlyPrimary.pid, processCpuMs(onlyPrimary.pid)]]),
      nodeR: () => new Map([[withReplica.pid, processCpuMs(withReplica.pid)]]),
    });

  // ---- import under lag sampling ----
  log(
    `import of ${PATIENTS} patients (${PATIENTS * (1 + OBSERVATIONS_PER_PATIENT)} resources) through the primary-only server`,
  );
  const bundles = Math.ceil(PATIENTS / PER_BUNDLE);
  const walBefore = (await onPrimary.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
  const importLag = sampleLag(onPrimary, probeReplica, withReplica);
  const importCpu = meter();
  const imported = await runLoad({ concurrency: 3, maxRequests: bundles, maxMs: 30 * 60_000 }, (b) =>
    targetP.importBundle(b * PER_BUNDLE, Math.min(PATIENTS, (b + 1) * PER_BUNDLE)),
  );
  const importSpent = importCpu();
  if (imported.errors) throw new Error(`import failed: ${imported.errorSamples.join('\n')}`);
  const walBytes = Number(
    (
      await onPrimary.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes', [
        walBefore,
      ])
    ).rows[0].bytes,
  );
  await onPrimary.query('ANALYZE');
  const catchUp = Date.now();
  for (;;) {
    const { rows } = await onPrimary.query(
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS bytes FROM pg_stat_replication',
    );
    if (rows[0] && rows[0].bytes <= 0) break;
    await sleep(100);
  }
  const importSamples = await importLag.stop();
  const resources = PATIENTS * (1 + OBSERVATIONS_PER_PATIENT);
  const importResult = {
    resourcesPerSecond: (resources / imported.elapsedMs) * 1000,
    walBytesPerResource: walBytes / resources,
    caughtUpAfterMs: Date.now() - catchUp,
    lag: lagSummary(importSamples),
    cpuMsPerResource: Object.fromEntries(Object.entries(importSpent).map(([k, ms]) => [k, ms / resources])),
  };
  log(
    `import: ${importResult.resourcesPerSecond.toFixed(0)} resources/s; replica caught up ${importResult.caughtUpAfterMs} ms after`,
  );
  targetR.patientIds.push(...targetP.patientIds);

  // ---- storage: what partitioning would split, and how long maintenance of it takes ----
  const { rows: sizes } = await onPrimary.query<{ name: string; rows: number; total: string; heap: string }>(
    `SELECT c.relname AS name, c.reltuples::float8 AS rows,
            pg_total_relation_size(c.oid)::text AS total, pg_relation_size(c.oid)::text AS heap
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
      ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8`,
  );
  const storage: {
    table: string;
    rows: number;
    totalMiB: number;
    heapMiB: number;
    bytesPerPatient: number;
    vacuumMs: number;
  }[] = [];
  for (const t of sizes) {
    const t0 = performance.now();
    await onPrimary.query(`VACUUM (FREEZE) ${t.name}`); // a full pass, as an aggressive autovacuum makes
    storage.push({
      table: t.name,
      rows: t.rows,
      totalMiB: Number(t.total) / 2 ** 20,
      heapMiB: Number(t.heap) / 2 ** 20,
      bytesPerPatient: Number(t.total) / PATIENTS,
      vacuumMs: performance.now() - t0,
    });
  }
  const databaseBytes = Number(
    (await onPrimary.query('SELECT pg_database_size(current_database())::text AS b')).rows[0].b,
  );

  // ---- idle: what the two servers cost the databases with no request at all ----
  const idleCpu = meter();
  await sleep(5_000);
  const idle = Object.fromEntries(Object.entries(idleCpu()).map(([k, ms]) => [k, ms / 5]));
  log(`idle: ${JSON.stringify(idle)} CPU ms per second`);

  // ---- reads: primary-only server vs the server with a replica, alternated ----
  type ReadRow = {
    round: number;
    operation: string;
    via: 'primary' | 'replica';
    result: LoadResult;
    cpu: Record<string, number>;
  };
  const reads: ReadRow[] = [];
  const measure = async (via: 'primary' | 'replica', name: OperationName, round: number) => {
    const target = via === 'primary' ? targetP : targetR;
    const op = operation(name, target, PATIENTS);
    await runLoad({ concurrency: CONCURRENCY, maxRequests: 200, maxMs: 10_000 }, (i) =>
      op(i + 5_000_000 + round * 100_000),
    );
    const spent = meter();
    const result = await runLoad(
      { concurrency: CONCURRENCY, maxRequests: 50_000, maxMs: SECONDS * 1000, graceMs: 60_000 },
      (i) => op(i + round * 100_000),
    );
    const cpu = Object.fromEntries(
      Object.entries(spent()).map(([k, ms]) => [k, ms / Math.max(1, result.requests)]),
    );
    reads.push({ round, operation: name, via, result, cpu });
    log(
      `round ${round} ${name} via ${via}: ${result.perSecond.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}`,
    );
  };
  const routingBefore = await routing(withReplica);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of READS) {
      const order: ('primary' | 'replica')[] =
        round % 2 === 0 ? ['primary', 'replica'] : ['replica', 'primary'];
      for (const via of order) await measure(via, name, round);
    }
  }
  const routingReads = await routing(withReplica);

  // ---- writes through the server with a replica, lag sampled ----
  const writes: {
    operation: string;
    result: LoadResult;
    lag: ReturnType<typeof lagSummary>;
    cpu: Record<string, number>;
  }[] = [];
  for (const name of WRITES) {
    const op = operation(name, targetR, PATIENTS);
    const lag = sampleLag(onPrimary, probeReplica, withReplica);
    const spent = meter();
    const result = await runLoad(
      { concurrency: CONCURRENCY, maxRequests: 50_000, maxMs: SECONDS * 1000, graceMs: 60_000 },
      op,
    );
    const cpu = Object.fromEntries(
      Object.entries(spent()).map(([k, ms]) => [k, ms / Math.max(1, result.requests)]),
    );
    await sleep(500);
    writes.push({ operation: name, result, lag: lagSummary(await lag.stop()), cpu });
    log(`${name} via the replica server: ${result.perSecond.toFixed(0)} req/s, errors ${result.errors}`);
  }
  // the writer's own reads go to the primary while it keeps writing: a mix by one principal
  const mixBefore = await routing(withReplica);
  const mix = await runLoad(
    { concurrency: CONCURRENCY, maxRequests: 50_000, maxMs: SECONDS * 1000 },
    operation('crud mix', targetR, PATIENTS),
  );
  const mixAfter = await routing(withReplica);

  // ---- report ----
  const f = (n: number, d = 0) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
      : '–';
  const lines: string[] = [];
  lines.push(
    `Read replicas, ${PATIENTS.toLocaleString('en-US')} patients, ${CONCURRENCY} clients, ${ROUNDS} rounds of ${SECONDS} s; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  lines.push('');
  lines.push(
    '| operation | via | req/s (replica ÷ primary, median of rounds) | p50 ms | p99 ms | node CPU ms | primary PG CPU ms (net of idle) | replica PG CPU ms (net of idle) |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  const median = (v: number[]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  };
  for (const name of READS) {
    for (const via of ['primary', 'replica'] as const) {
      const rows = reads.filter((r) => r.operation === name && r.via === via);
      const mean = (pick: (r: ReadRow) => number) => rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
      const node = via === 'primary' ? 'nodeP' : 'nodeR';
      // background work of the servers (job pollers, checks) spread over the requests of a round
      const net = (key: string) => mean((r) => r.cpu[key] - idle[key] / r.result.perSecond);
      let rate = f(mean((r) => r.result.perSecond));
      if (via === 'replica') {
        const ratios = rows.map((r) => {
          const twin = reads.find((x) => x.operation === name && x.round === r.round && x.via === 'primary');
          return twin ? r.result.perSecond / twin.result.perSecond : Number.NaN;
        });
        rate += ` (${f(median(ratios), 2)})`;
      }
      lines.push(
        `| ${name} | ${via} | ${rate} | ${f(
          mean((r) => r.result.p50),
          2,
        )} | ${f(
          mean((r) => r.result.p99),
          1,
        )} | ${f(
          mean((r) => r.cpu[node]),
          2,
        )} | ${f(
          mean((r) => r.cpu.primaryBackends),
          2,
        )} (${f(net('primaryBackends'), 2)}) | ${f(
          mean((r) => r.cpu.replicaBackends),
          2,
        )} (${f(net('replicaBackends'), 2)}) |`,
      );
    }
  }
  lines.push('');
  lines.push(
    '| write load | req/s (resources/s) | lag bytes p50 / p99 / max | visible on the replica after, ms p50 / p99 / max | server view ms p50 / max | replica replay CPU ms per resource | primary PG CPU ms per resource |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  const lagCells = (l: ReturnType<typeof lagSummary>) =>
    `${f(l.bytes.p50)} / ${f(l.bytes.p99)} / ${f(l.bytes.max)} | ${f(l.visibleMs.p50, 1)} / ${f(l.visibleMs.p99, 1)} / ${f(l.visibleMs.max, 1)} | ${f(l.routerMs.p50)} / ${f(l.routerMs.max)}`;
  lines.push(
    `| import (bundles of ${PER_BUNDLE * (1 + OBSERVATIONS_PER_PATIENT)}) | ${f(importResult.resourcesPerSecond)} | ${lagCells(importResult.lag)} | ${f(importResult.cpuMsPerResource.replicaReplay, 3)} | ${f(importResult.cpuMsPerResource.primaryBackends, 3)} |`,
  );
  for (const w of writes)
    lines.push(
      `| ${w.operation} | ${f(w.result.perSecond)} | ${lagCells(w.lag)} | ${f(w.cpu.replicaReplay, 3)} | ${f(w.cpu.primaryBackends, 3)} |`,
    );
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
  const readRouting = delta(routingBefore, routingReads);
  const mixRouting = delta(mixBefore, mixAfter);
  lines.push('');
  lines.push(`Reads routed by the replica server during the read rounds: ${JSON.stringify(readRouting)}`);
  lines.push(
    `CRUD mix by one principal through the replica server (${f(mix.perSecond)} req/s): ${JSON.stringify(mixRouting)}`,
  );
  lines.push('');
  lines.push(
    `WAL per imported resource: ${f(importResult.walBytesPerResource)} bytes. Idle (no requests), CPU ms per second: ${Object.entries(
      idle,
    )
      .map(([k, v]) => `${k} ${f(v, 1)}`)
      .join(', ')}`,
  );
  lines.push('');
  lines.push(`Storage after the import (${f(databaseBytes / 2 ** 20)} MiB in all):`);
  lines.push('');
  lines.push('| table | rows | MiB with indexes | heap MiB | bytes per patient | VACUUM (FREEZE) ms |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const t of storage)
    lines.push(
      `| ${t.table} | ${f(t.rows)} | ${f(t.totalMiB, 1)} | ${f(t.heapMiB, 1)} | ${f(t.bytesPerPatient)} | ${f(t.vacuumMs)} |`,
    );
  const report = lines.join('\n');
  console.log(`\n${report}\n`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const file = join(
    import.meta.dirname,
    'results',
    `replicas-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      {
        patients: PATIENTS,
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        rounds: ROUNDS,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
        import: { ...importResult, samples: importSamples },
        storage: { databaseBytes, tables: storage },
        idleCpuMsPerSecond: idle,
        reads,
        writes,
        routing: { reads: readRouting, mix: mixRouting },
        mix,
        report,
      },
      null,
      2,
    ),
  );
  log(`results: ${file}`);
  await onPrimary.end();
  await probeReplica.end();
  await admin.end();
} finally {
  for (const s of servers) await s.stop().catch(() => undefined);
  await replica?.stop();
  await primary.stop();
  rmSync(logDir, { recursive: true, force: true });
}
