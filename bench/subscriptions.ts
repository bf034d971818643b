/**
 * What events and Subscriptions cost, and how soon a subscriber hears:
 *
 *  1. the write path with the event outbox on and off (SAHTI_EVENTS): creates and updates of
 *     Observations, alternated on/off in rounds so that each "on" figure has an "off" baseline
 *     taken under the same machine noise; CPU per request (server process, plus the PostgreSQL
 *     backends on that backend) and throughput. With events on, the live-feed and Subscription
 *     listeners run as in production (they read every event), with no one subscribed.
 *  2. notification latency: a rest-hook Subscription (with payload) to an endpoint in this process,
 *     under a CRUD load (creates, updates, reads, searches) where one write in four matches; the
 *     latency of each delivery is its arrival minus the resource's meta.lastUpdated (stamped just
 *     before its commit) — p50 and p99.
 *
 *   node bench/subscriptions.ts [--backend pglite|postgres] [--seconds 6] [--rounds 2] [--concurrency 4]
 *
 * Prints Markdown tables and writes bench/results/subscriptions-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { cumulativeDatabaseCpuMs, processCpuMs } from './cpu.ts';
import { observation, patient } from './generate.ts';
import { HttpClient } from './http.ts';
import { Histogram, type LoadResult, runLoad } from './load.ts';
import { type ServerProcess, startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    patients: { type: 'string', default: '200' },
  },
});
const PATIENTS = Number(flags.patients);
const ROUNDS = Number(flags.rounds);
const CONCURRENCY = Number(flags.concurrency);
const SECONDS = Number(flags.seconds);
const system = { clientId: 'bench-subscriptions', secret: 'bench-subscriptions-secret-0123456789' };
const HOOK_CODE = 'bench-hook';

const log = (m: string) =>
  process.stderr.write(`[bench subscriptions ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const pid = (i: number) => `bs-${i % PATIENTS}`;

interface WriteRow {
  round: number;
  events: 'on' | 'off';
  operation: string;
  result: LoadResult;
  cpuMsPerRequest: number;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-subs-'));
  const postgres = flags.backend === 'postgres' ? await startThrowawayPostgres() : undefined;
  if (flags.backend === 'postgres' && !postgres)
    throw new Error('no PostgreSQL binaries for --backend postgres');
  let databaseUrl: string | undefined;
  let databaseName: string | undefined;
  if (postgres) {
    databaseName = 'sahti_bench_subscriptions';
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
  }
  const dataDir = postgres ? undefined : join(tmp, 'data');
  const hook = await startReceiver();
  try {
    const server = (events: boolean) =>
      startServer({
        ...(dataDir ? { dataDir } : { databaseUrl }),
        logDir: tmp,
        access: { on: true, ...system },
        env: {
          SAHTI_EVENTS: events ? 'on' : 'off',
          SAHTI_AUDIT_ANCHOR_MINUTES: '0',
          SAHTI_SUBSCRIPTION_HOSTS: '127.0.0.1',
        },
      });
    let s = await server(true);
    await seed(s);
    await s.stop();

    const rows: WriteRow[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const on of [true, false]) {
        // a server that died under load (something outside killed it: it happens on a shared
        // machine) gives no figure: that half-round is run again, at most twice
        for (let attempt = 1; attempt <= 3; attempt++) {
          const kept = rows.length;
          if (await measure(round, on)) break;
          rows.length = kept;
          log(`round ${round} events ${on ? 'on' : 'off'}: errors, measured again`);
        }
      }
    }

    async function measure(round: number, on: boolean): Promise<boolean> {
      let clean = true;
      {
        s = await server(on);
        const client = new HttpClient(s.port, CONCURRENCY, system);
        const ops: Record<string, (i: number) => Promise<string | undefined>> = {
          'create Observation': (i) =>
            expect(client.send('POST', '/fhir/R4/Observation', writeBody(i, round)), 201),
          'update Observation': (i) =>
            expect(
              client.send('PUT', `/fhir/R4/Observation/bo-${i % PATIENTS}`, {
                ...writeBody(i, round),
                id: `bo-${i % PATIENTS}`,
              }),
              200,
              201,
            ),
        };
        for (const [name, op] of Object.entries(ops)) {
          await runLoad({ concurrency: CONCURRENCY, maxRequests: 200, maxMs: 1500 }, op); // warm-up
          const before = cpuNow(s, databaseName);
          const result = await runLoad(
            { concurrency: CONCURRENCY, maxRequests: 50_000, maxMs: SECONDS * 1000, graceMs: 60_000 },
            op,
          );
          const cpuMs = cpuNow(s, databaseName) - before;
          rows.push({
            round,
            events: on ? 'on' : 'off',
            operation: name,
            result,
            cpuMsPerRequest: cpuMs / Math.max(1, result.requests),
          });
          if (result.errors > 0) {
            clean = false;
            log(`errors: ${result.errorSamples.join(' | ')}`);
          }
          log(
            `round ${round} events ${on ? 'on ' : 'off'} ${name}: ${result.perSecond.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms, ${(cpuMs / result.requests).toFixed(3)} CPU-ms/req, ${result.errors} errors`,
          );
        }
        client.close();
        await s.stop();
      }
      return clean;
    }

    // notification latency under a CRUD load
    s = await server(true);
    const client = new HttpClient(s.port, CONCURRENCY, system);
    const created = await client.send('POST', '/fhir/R4/Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'bench',
      criteria: `Observation?code=http://loinc.org|${HOOK_CODE}`,
      channel: { type: 'rest-hook', endpoint: `${hook.url}/hook`, payload: 'application/fhir+json' },
    });
    if (created.status !== 201)
      throw new Error(`Subscription: HTTP ${created.status} ${created.body.slice(0, 300)}`);
    const sid = JSON.parse(created.body).id as string;
    for (let i = 0; ; i++) {
      const now = JSON.parse((await client.send('GET', `/fhir/R4/Subscription/${sid}`)).body);
      if (now.status === 'active') break;
      if (i > 100) throw new Error(`the Subscription stayed ${now.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    let matching = 0;
    const crud = async (i: number): Promise<string | undefined> => {
      switch (i % 4) {
        case 0: {
          const hooked = i % 8 === 0; // one create in two, one write in four, matches the criteria
          if (hooked) matching++;
          return expect(client.send('POST', '/fhir/R4/Observation', writeBody(i, 9, hooked)), 201);
        }
        case 1:
          return expect(
            client.send('PUT', `/fhir/R4/Observation/bo-${i % PATIENTS}`, {
              ...writeBody(i, 9),
              id: `bo-${i % PATIENTS}`,
            }),
            200,
            201,
          );
        case 2:
          return expect(client.send('GET', `/fhir/R4/Patient/${pid(i)}`), 200);
        default:
          return expect(client.send('GET', `/fhir/R4/Observation?subject=Patient/${pid(i)}&_count=10`), 200);
      }
    };
    hook.latencies.length = 0;
    const load = await runLoad(
      { concurrency: CONCURRENCY, maxRequests: 50_000, maxMs: SECONDS * 2 * 1000, graceMs: 60_000 },
      crud,
    );
    const waitUntil = Date.now() + 30_000;
    while (hook.latencies.length < matching && Date.now() < waitUntil)
      await new Promise((r) => setTimeout(r, 100));
    const latency = new Histogram();
    for (const ms of hook.latencies) latency.record(ms);
    client.close();
    await s.stop();
    log(`CRUD load ${load.perSecond.toFixed(0)} req/s; ${hook.latencies.length}/${matching} notifications`);
    report(rows, {
      crudPerSecond: load.perSecond,
      crudErrors: load.errors,
      matchingWrites: matching,
      delivered: hook.latencies.length,
      p50: latency.quantile(0.5),
      p99: latency.quantile(0.99),
      max: latency.maxMs,
    });
  } catch (err) {
    // the servers' logs go with the temporary folder: show their ends first
    for (const name of readdirSync(tmp).filter((n) => n.endsWith('.log')))
      log(`${name}:\n${readFileSync(join(tmp, name), 'utf8').slice(-3000)}`);
    throw err;
  } finally {
    hook.server.close();
    await postgres?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function writeBody(i: number, round: number, hooked = false): Record<string, unknown> {
  const o = observation(i % PATIENTS, round, `Patient/${pid(i)}`);
  return hooked ? { ...o, code: { coding: [{ system: 'http://loinc.org', code: HOOK_CODE }] } } : o;
}

async function expect(
  p: Promise<{ status: number; body: string }>,
  ...ok: number[]
): Promise<string | undefined> {
  const res = await p;
  return ok.includes(res.status) ? undefined : `HTTP ${res.status} ${res.body.slice(0, 120)}`;
}

function cpuNow(s: ServerProcess, database: string | undefined): number {
  let total = processCpuMs(s.pid);
  if (database) total += cumulativeDatabaseCpuMs(database);
  return total;
}

async function seed(s: ServerProcess): Promise<void> {
  const client = new HttpClient(s.port, 2, system);
  for (let from = 0; from < PATIENTS; from += 100) {
    const entry: unknown[] = [];
    for (let i = from; i < Math.min(PATIENTS, from + 100); i++) {
      entry.push({
        resource: { ...patient(i), id: pid(i) },
        request: { method: 'PUT', url: `Patient/${pid(i)}` },
      });
      const o = { ...observation(i, 0, `Patient/${pid(i)}`), id: `bo-${i}` };
      entry.push({ resource: o, request: { method: 'PUT', url: `Observation/bo-${i}` } });
    }
    const res = await client.send('POST', '/fhir/R4', { resourceType: 'Bundle', type: 'transaction', entry });
    if (res.status !== 200) throw new Error(`seed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
  client.close();
}

/** The subscriber's endpoint: records how long after its lastUpdated each resource arrived. */
async function startReceiver(): Promise<{
  url: string;
  latencies: number[];
  server: ReturnType<typeof createServer>;
}> {
  const latencies: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          meta?: { lastUpdated?: string };
        };
        const at = Date.parse(body.meta?.lastUpdated ?? '');
        if (Number.isFinite(at)) latencies.push(arrived - at);
      } catch {
        // not a resource: not counted
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, latencies, server };
}

interface LatencyFigures {
  crudPerSecond: number;
  crudErrors: number;
  matchingWrites: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
}

function report(rows: WriteRow[], latency: LatencyFigures): void {
  const operations = [...new Set(rows.map((r) => r.operation))];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const summary = operations.map((operation) => {
    const of = (events: 'on' | 'off') => rows.filter((r) => r.operation === operation && r.events === events);
    const on = of('on');
    const off = of('off');
    const cpuOn = mean(on.map((r) => r.cpuMsPerRequest));
    const cpuOff = mean(off.map((r) => r.cpuMsPerRequest));
    const rateOn = mean(on.map((r) => r.result.perSecond));
    const rateOff = mean(off.map((r) => r.result.perSecond));
    // each round's on/off pair ran back to back: its ratio is the least disturbed by the machine
    const ratios = on
      .map((r) => {
        const pair = off.find((o) => o.round === r.round);
        return pair ? r.cpuMsPerRequest / pair.cpuMsPerRequest : Number.NaN;
      })
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const median = ratios.length ? ratios[Math.floor((ratios.length - 1) / 2)] : Number.NaN;
    return {
      operation,
      cpuOverheadMedianOfRounds: median - 1,
      cpuMsOn: cpuOn,
      cpuMsOff: cpuOff,
      cpuOverhead: cpuOn / cpuOff - 1,
      perSecondOn: rateOn,
      perSecondOff: rateOff,
      throughputLoss: 1 - rateOn / rateOff,
      p99On: mean(on.map((r) => r.result.p99)),
      p99Off: mean(off.map((r) => r.result.p99)),
    };
  });
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  const lines = [
    `### Events on vs off (${flags.backend}, ${ROUNDS} rounds × ${SECONDS} s, concurrency ${CONCURRENCY})`,
    '',
    '| write | CPU ms/req on | off | CPU overhead (means) | CPU overhead (median of rounds) | req/s on | off | p99 ms on | off |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.map(
      (s) =>
        `| ${s.operation} | ${s.cpuMsOn.toFixed(3)} | ${s.cpuMsOff.toFixed(3)} | ${pct(s.cpuOverhead)} | ${pct(s.cpuOverheadMedianOfRounds)} | ${s.perSecondOn.toFixed(0)} | ${s.perSecondOff.toFixed(0)} | ${s.p99On.toFixed(1)} | ${s.p99Off.toFixed(1)} |`,
    ),
    '',
    `### Rest-hook notification latency under CRUD load (${flags.backend})`,
    '',
    '| CRUD req/s | matching writes | delivered | p50 ms | p99 ms | max ms |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${latency.crudPerSecond.toFixed(0)} | ${latency.matchingWrites} | ${latency.delivered} | ${latency.p50.toFixed(0)} | ${latency.p99.toFixed(0)} | ${latency.max.toFixed(0)} |`,
  ];
  console.log(lines.join('\n'));
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `subscriptions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        backend: flags.backend,
        machine: { cpus: cpus().length, loadavg: loadavg() },
        settings: { rounds: ROUNDS, seconds: SECONDS, concurrency: CONCURRENCY, patients: PATIENTS },
        summary,
        rows,
        latency,
      },
      null,
      2,
    ),
  );
  log(`results written to ${file}`);
}

await main();
