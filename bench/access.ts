/**
 * What access control costs a clinician: the same reads and searches by a doctor with a care
 * relationship to some patients, against the same data, with authentication + access decision +
 * read scope + audit on, and with SAHTI_ACCESS_CONTROL=off (the engine alone). Both servers run at
 * once, each on its own copy of the data, and each operation is measured in six alternated slices a
 * side (on, off, off, on…), so each "on" figure has an "off" baseline taken in the same seconds of
 * machine noise. Compares CPU per request (server process, plus the PostgreSQL backends of its
 * database), which drifts far less than throughput on a shared machine. Every access-on phase checks
 * through the server's /metrics that each request's audit event was written.
 *
 *   node bench/access.ts [--backend pglite|postgres] [--patients 2000] [--in-care 200] [--seconds 6] [--rounds 2]
 *                        [--only on|off] [--operation <part of its name>] [--profile <dir>] [--statements]
 *
 * --statements (PostgreSQL): the throwaway server loads pg_stat_statements, planning tracked; each measured
 * phase prints its costliest statements — calls and plans (a kept statement planned at every call shows
 * as many plans as calls), time per request and of it planning — and keeps them in the results.
 *
 * --profile writes a V8 CPU profile of each measured server into <dir> (node --cpu-prof); sum its
 * self time by function with `node bench/access.ts --summarise <file.cpuprofile> [--window from-to]`
 * (monotonic microseconds, as bench/scheduling.ts prints each measured phase's).
 *
 * Prints a Markdown table and writes bench/results/access-<timestamp>.json.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import { secretKeyFrom } from '../packages/server/src/auth/config.ts';
import { createAccount } from '../packages/server/src/auth/index.ts';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { adminQuery } from './backends.ts';
import { cumulativeDatabaseCpuMs, monotonicUs, processCpuMs } from './cpu.ts';
import { observation, patient } from './generate.ts';
import { HttpClient } from './http.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type ServerProcess, startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    patients: { type: 'string', default: '2000' },
    'in-care': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    only: { type: 'string' },
    operation: { type: 'string' },
    profile: { type: 'string' },
    statements: { type: 'boolean', default: false },
    summarise: { type: 'string' },
    window: { type: 'string' },
  },
});
const PATIENTS = Number(flags.patients);
const IN_CARE = Math.min(Number(flags['in-care']), PATIENTS);
const OBSERVATIONS = 5;
const ROUNDS = Number(flags.rounds);
const DOCTOR = 'Practitioner/bench-dr';
const LOGIN = 'bench-doctor@bench.sahti.ma';
const PASSWORD = 'bench-password-2026';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const system = { clientId: 'bench-access', secret: 'bench-access-secret-0123456789' };
const load = {
  concurrency: Number(flags.concurrency),
  maxRequests: 20_000,
  maxMs: Number(flags.seconds) * 1000,
  graceMs: 60_000,
};

const log = (m: string) =>
  process.stderr.write(`[bench access ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const pid = (i: number) => `bp-${i}`;

/** The operations a clinician's screens make, over patients in their care. */
const OPERATIONS: Record<string, (i: number) => string> = {
  'read Observation': (i) => `/fhir/R4/Observation/bo-${i % IN_CARE}-${i % OBSERVATIONS}`,
  'search Observation?subject': (i) => `/fhir/R4/Observation?subject=Patient/${pid(i % IN_CARE)}&_count=10`,
  'read Patient': (i) => `/fhir/R4/Patient/${pid(i % IN_CARE)}`,
  'search Patient (my list)': () => '/fhir/R4/Patient?_count=20&_total=none',
};

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-access-'));
  const postgres =
    flags.backend === 'postgres'
      ? await startThrowawayPostgres(
          flags.statements
            ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on']
            : [],
        )
      : undefined;
  if (flags.backend === 'postgres' && !postgres)
    throw new Error('no PostgreSQL binaries for --backend postgres');
  // each side its own copy of the same data (a database made from the seeded one as template, or a
  // copy of the embedded folder): both servers run at once, and each side's CPU is its own
  const target = (on: boolean): { databaseUrl: string } | { dataDir: string } => {
    if (!postgres) return { dataDir: join(tmp, on ? 'data-on' : 'data-off') };
    const url = new URL(postgres.url);
    url.pathname = `/${DATABASES[on ? 'on' : 'off']}`;
    return { databaseUrl: url.toString() };
  };
  if (postgres) await adminQuery(postgres.url, `CREATE DATABASE ${DATABASES.on}`);
  const seeded = target(true);
  try {
    // the doctor's account, written before the server owns the (embedded) database
    const db = await openDatabase(seeded);
    await createAccount(
      db,
      {
        kind: 'staff',
        login: LOGIN,
        password: PASSWORD,
        roles: ['doctor'],
        fhirUser: DOCTOR,
        displayName: 'Dr Bench',
        email: LOGIN,
        totpSecret: TOTP_SECRET,
      },
      secretKeyFrom(process.env),
    );
    await db.close();

    log(`seeding ${PATIENTS} patients × ${OBSERVATIONS} observations; ${IN_CARE} have the doctor as GP`);
    const seeder = await startServer({
      ...seeded,
      logDir: tmp,
      access: { on: true, ...system },
      env: { SAHTI_AUDIT_ANCHOR_MINUTES: '0' },
    });
    await seed(seeder);
    await seeder.stop();
    if (postgres) await adminQuery(postgres.url, `CREATE DATABASE ${DATABASES.off} TEMPLATE ${DATABASES.on}`);
    else cpSync(join(tmp, 'data-on'), join(tmp, 'data-off'), { recursive: true });

    const rows: Row[] = [];
    const wanted = [true, false].filter((on) => !flags.only || flags.only === (on ? 'on' : 'off'));
    for (let round = 1; round <= ROUNDS; round++) {
      const sides: Side[] = [];
      for (const on of wanted) {
        const server = await startServer({
          ...target(on),
          logDir: tmp,
          access: on ? { on: true, ...system } : { on: false },
          env: {
            SAHTI_AUDIT_ANCHOR_MINUTES: '0',
            ...(flags.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${flags.profile}` } : {}),
          },
        });
        const client = new HttpClient(server.port, load.concurrency);
        const where = target(on);
        sides.push({
          on,
          server,
          client,
          cookie: on ? await signIn(client) : undefined,
          ...('databaseUrl' in where
            ? { database: DATABASES[on ? 'on' : 'off'], databaseUrl: where.databaseUrl }
            : {}),
        });
      }
      for (const [name, path] of Object.entries(OPERATIONS)) {
        if (flags.operation && !name.includes(flags.operation)) continue;
        rows.push(...(await measure(round, name, path, sides)));
      }
      for (const side of sides) {
        side.client.close();
        await side.server.stop();
      }
    }
    report(rows);
  } finally {
    await postgres?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const DATABASES = { on: 'sahti_bench_access_on', off: 'sahti_bench_access_off' };

/** One server — access on or off — and its client, running side by side with the other. */
interface Side {
  on: boolean;
  server: ServerProcess;
  client: HttpClient;
  cookie?: string;
  /** PostgreSQL: the side's database, whose backends' CPU is the side's. */
  database?: string;
  databaseUrl?: string;
}

/**
 * One operation on both sides, in SLICES alternated slices (on, off, off, on, on, off…): the
 * machine's speed, which drifts by half within minutes on a shared host, is then the same for both
 * sides' sums, and their ratio compares code, not minutes.
 */
async function measure(
  round: number,
  name: string,
  path: (i: number) => string,
  sides: Side[],
): Promise<Row[]> {
  const sums = new Map<Side, Sum>();
  for (const side of sides) {
    await runLoad({ ...load, maxRequests: 200, maxMs: 1500 }, (i) => get(side.client, path(i), side.cookie)); // warm-up
    sums.set(side, {
      requests: 0,
      errors: 0,
      elapsedMs: 0,
      p99: 0,
      cpuMs: 0,
      nodeMs: 0,
      statements: flags.statements && side.databaseUrl ? await statementCounter(side.databaseUrl) : undefined,
      auditBefore: side.on ? await auditCounts(side.client) : undefined,
    });
  }
  const from = monotonicUs();
  let offset = 0;
  for (let slice = 0; slice < SLICES; slice++) {
    for (const side of slice % 2 ? [...sides].reverse() : sides) {
      const sum = sums.get(side) as Sum;
      const before = cpuNow(side.server, side.database);
      const result = await runLoad({ ...load, maxMs: load.maxMs / SLICES }, (i) =>
        get(side.client, path(offset + i), side.cookie),
      );
      const after = cpuNow(side.server, side.database);
      sum.requests += result.requests;
      sum.errors += result.errors;
      sum.elapsedMs += result.elapsedMs;
      sum.p99 = Math.max(sum.p99, result.p99);
      sum.cpuMs += after.node + after.database - before.node - before.database;
      sum.nodeMs += after.node - before.node;
    }
    offset += 10_000;
  }
  if (flags.profile) log(`${name}: profile window ${from}-${monotonicUs()}`);
  const rows: Row[] = [];
  for (const side of sides) {
    const sum = sums.get(side) as Sum;
    const perRequest = (ms: number) => ms / Math.max(1, sum.requests);
    // every access audited: the phase's events written (the writer flushes within ~50 ms)
    const audit = sum.auditBefore && (await auditSince(side.client, sum.auditBefore, sum.requests));
    const costliest = await sum.statements?.costliest(sum.requests);
    const result = {
      requests: sum.requests,
      errors: sum.errors,
      perSecond: (sum.requests / sum.elapsedMs) * 1000,
      p99: sum.p99,
    };
    rows.push({
      round,
      access: side.on ? 'on' : 'off',
      operation: name,
      result,
      cpuMsPerRequest: perRequest(sum.cpuMs),
      nodeMsPerRequest: perRequest(sum.nodeMs),
      ...(audit ? { audit } : {}),
      ...(costliest ? { statements: costliest } : {}),
    });
    log(
      `round ${round} access ${side.on ? 'on ' : 'off'} ${name}: ${result.perSecond.toFixed(0)} req/s, worst slice's p99 ${sum.p99.toFixed(1)} ms, ${perRequest(sum.cpuMs).toFixed(3)} CPU-ms/req, ${sum.errors} errors${audit ? `, ${audit.written} audit events written for ${sum.requests} requests, ${audit.dropped} dropped` : ''}`,
    );
    for (const st of costliest ?? [])
      log(
        `  ${st.calls} calls, ${st.plans} plans, ${st.usPerRequest} µs a request (planning ${st.planUsPerRequest}): ${st.query.slice(0, 160)}`,
      );
    if (audit && (audit.dropped > 0 || audit.written < sum.requests))
      throw new Error(`${name}: an access was not audited (${JSON.stringify(audit)})`);
  }
  return rows;
}

/** Slices each side's measured time is cut into, alternated with the other side's. */
const SLICES = 6;

interface Sum {
  requests: number;
  errors: number;
  elapsedMs: number;
  p99: number;
  cpuMs: number;
  nodeMs: number;
  statements?: { costliest(requests: number): Promise<StatementCost[]> };
  auditBefore?: AuditCounts;
}

interface Row {
  round: number;
  access: 'on' | 'off';
  operation: string;
  result: Pick<LoadResult, 'requests' | 'errors' | 'perSecond' | 'p99'>;
  cpuMsPerRequest: number;
  /** The server's node process alone (on PGlite, the database too: it runs inside). */
  nodeMsPerRequest: number;
  /** --statements: the phase's costliest statements. */
  statements?: StatementCost[];
  /** Access on: the audit events the server wrote and dropped during the phase (its /metrics). */
  audit?: AuditCounts;
}

interface AuditCounts {
  written: number;
  dropped: number;
}

/** The server's audit counters, from /metrics (answered on loopback without a token). */
async function auditCounts(client: HttpClient): Promise<AuditCounts> {
  const res = await client.send('GET', '/metrics');
  if (res.status !== 200) throw new Error(`/metrics: HTTP ${res.status}`);
  const counter = (name: string) =>
    Number(new RegExp(`^${name} (\\d+)`, 'm').exec(res.body)?.[1] ?? Number.NaN);
  return { written: counter('sahti_audit_written_total'), dropped: counter('sahti_audit_dropped_total') };
}

/**
 * Audit events written and dropped since `before`, once at least `expected` were written since (the
 * writer flushes in batches, a few ms behind the answers) or after 2 s: the measured requests' events, and perhaps
 * the warm-up's last ones.
 */
async function auditSince(client: HttpClient, before: AuditCounts, expected: number): Promise<AuditCounts> {
  const until = Date.now() + 2000;
  for (;;) {
    const now = await auditCounts(client);
    const since = { written: now.written - before.written, dropped: now.dropped - before.dropped };
    if (since.written >= expected || Date.now() > until) return since;
    await sleep(50);
  }
}

interface StatementCost {
  calls: number;
  plans: number;
  /** Execution and planning time per request of the phase, µs (wall time, under the load). */
  usPerRequest: number;
  planUsPerRequest: number;
  query: string;
}

/**
 * pg_stat_statements of the bench database, reset now: `costliest` reads the five statements that
 * took the most time since, per request of the phase, and closes the connection.
 */
async function statementCounter(
  url: string,
): Promise<{ costliest(requests: number): Promise<StatementCost[]> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await client.query('SELECT pg_stat_statements_reset()');
  return {
    async costliest(requests) {
      try {
        const top = await client.query<{
          calls: string;
          plans: string;
          exec_ms: number;
          plan_ms: number;
          query: string;
        }>(
          `SELECT calls::text, plans::text, total_exec_time AS exec_ms, total_plan_time AS plan_ms, query
           FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
             AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           ORDER BY total_exec_time + total_plan_time DESC LIMIT 5`,
        );
        const perRequest = (ms: number) => Math.round((ms * 1000) / Math.max(1, requests));
        return top.rows.map((r) => ({
          calls: Number(r.calls),
          plans: Number(r.plans),
          usPerRequest: perRequest(r.exec_ms + r.plan_ms),
          planUsPerRequest: perRequest(r.plan_ms),
          query: r.query.replace(/\s+/g, ' '),
        }));
      } finally {
        await client.end();
      }
    },
  };
}

function cpuNow(s: ServerProcess, database: string | undefined): { node: number; database: number } {
  return { node: processCpuMs(s.pid), database: database ? cumulativeDatabaseCpuMs(database) : 0 };
}

async function get(client: HttpClient, path: string, cookie?: string): Promise<string | undefined> {
  const res = await client.send('GET', path, undefined, cookie ? { cookie } : {});
  return res.status === 200 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 120)}`;
}

async function seed(s: ServerProcess): Promise<void> {
  const client = new HttpClient(s.port, 2, system);
  const doctor = { resourceType: 'Practitioner', id: 'bench-dr', name: [{ family: 'Bench', given: ['Dr'] }] };
  await client.send('PUT', '/fhir/R4/Practitioner/bench-dr', doctor);
  for (let from = 0; from < PATIENTS; from += 100) {
    const entry: unknown[] = [];
    for (let i = from; i < Math.min(PATIENTS, from + 100); i++) {
      const p = {
        ...patient(i),
        id: pid(i),
        ...(i < IN_CARE ? { generalPractitioner: [{ reference: DOCTOR }] } : {}),
      };
      entry.push({ resource: p, request: { method: 'PUT', url: `Patient/${pid(i)}` } });
      for (let k = 0; k < OBSERVATIONS; k++) {
        const o = { ...observation(i, k, `Patient/${pid(i)}`), id: `bo-${i}-${k}` };
        entry.push({ resource: o, request: { method: 'PUT', url: `Observation/bo-${i}-${k}` } });
      }
    }
    const res = await client.send('POST', '/fhir/R4', { resourceType: 'Bundle', type: 'transaction', entry });
    if (res.status !== 200) throw new Error(`seed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
  client.close();
}

/** The 30-second TOTP window whose code the last sign-in used. */
let lastTotpWindow = -1;

async function signIn(client: HttpClient): Promise<string> {
  // a code is accepted once (replay protection): a round that starts within the window of the last
  // sign-in waits for the next code
  const window = Math.floor(Date.now() / 30_000);
  if (window === lastTotpWindow) await sleep((window + 1) * 30_000 - Date.now() + 100);
  lastTotpWindow = Math.floor(Date.now() / 30_000);
  const totp = TOTP.generate({ secret: Secret.fromBase32(TOTP_SECRET) });
  const res = await client.send(
    'POST',
    '/auth/login',
    JSON.stringify({ login: LOGIN, password: PASSWORD, totp }),
    {
      'content-type': 'application/json',
    },
  );
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('sahti_session='));
  if (res.status !== 200 || !cookie) throw new Error(`login: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return cookie.split(';')[0];
}

function report(rows: Row[]): void {
  const ops = Object.keys(OPERATIONS).filter((op) => rows.some((r) => r.operation === op));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const lines = [
    `## Access control on vs off — ${flags.backend}, clinician session, ${PATIENTS} patients (${IN_CARE} in care), ${ROUNDS} alternated rounds`,
    '',
    `machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    '',
    '| operation | on req/s | off req/s | on p99 ms | off p99 ms | on CPU-ms/req | off CPU-ms/req | CPU overhead | of which node: on / off |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const summary: Record<string, unknown>[] = [];
  for (const op of ops) {
    const of = (access: 'on' | 'off') => rows.filter((r) => r.operation === op && r.access === access);
    const on = of('on');
    const off = of('off');
    const cpuOn = median(on.map((r) => r.cpuMsPerRequest));
    const cpuOff = median(off.map((r) => r.cpuMsPerRequest));
    const overhead = (cpuOn / cpuOff - 1) * 100;
    const nodeOn = median(on.map((r) => r.nodeMsPerRequest));
    const nodeOff = median(off.map((r) => r.nodeMsPerRequest));
    const m = (rs: Row[], f: (r: Row['result']) => number) => median(rs.map((r) => f(r.result)));
    lines.push(
      `| ${op} | ${m(on, (r) => r.perSecond).toFixed(0)} | ${m(off, (r) => r.perSecond).toFixed(0)} | ${m(on, (r) => r.p99).toFixed(1)} | ${m(off, (r) => r.p99).toFixed(1)} | ${cpuOn.toFixed(3)} | ${cpuOff.toFixed(3)} | ${overhead >= 0 ? '+' : ''}${overhead.toFixed(0)} % | ${nodeOn.toFixed(3)} / ${nodeOff.toFixed(3)} |`,
    );
    summary.push({
      operation: op,
      cpuOn,
      cpuOff,
      nodeOn,
      nodeOff,
      overheadPercent: overhead,
      errorsOn: on.reduce((n, r) => n + r.result.errors, 0),
    });
  }
  console.log(lines.join('\n'));
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `access-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ backend: flags.backend, patients: PATIENTS, inCare: IN_CARE, summary, rows }, null, 2)}\n`,
  );
  console.log(`\nresults: ${path}`);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * Self time of a V8 .cpuprofile, by function and by file, largest first. `window` ("from-to", in
 * microseconds of the monotonic clock, as a benchmark prints its phases) keeps only the samples taken
 * in it; idle time is left out.
 */
function summarise(file: string, window?: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
  };
  const [from, to] = window ? window.split('-').map(Number) : [-Infinity, Infinity];
  let at = profile.startTime;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (!frame || at < from || at > to || frame.functionName === '(idle)') return;
    const where = frame.url.replace(/^.*\/(node_modules|packages)\//, '$1/') || '(native)';
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(where, (byFile.get(where) ?? 0) + us);
    total += us;
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
      )
      .join('\n');
  console.log(
    `total ${(total / 1000).toFixed(0)} ms\n\nby function (self)\n${top(byFunction, 40)}\n\nby file (self)\n${top(byFile, 25)}`,
  );
}

if (flags.summarise) summarise(flags.summarise, flags.window);
else await main();
