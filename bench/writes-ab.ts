/**
 * Two builds' writes side by side: the server of this checkout and that of another (`--against
 * <dir>`, e.g. a worktree of the commit before), each
 * on its own copy of the same seeded PostgreSQL database, both running at once. Updates and creates
 * of Patients are measured in alternated slices (this, that, that, this…), so that the machine's
 * drift is the same for both sides' sums; CPU per request is the server process plus the backends
 * of its own database. Access control off: the engine's writes alone, as `npm run bench` measures
 * them.
 *
 *   git worktree add /tmp/before <commit>
 *   node bench/writes-ab.ts --against /tmp/before [--patients 2000] [--seconds 12] [--rounds 2] [--concurrency 8]
 *
 * A checkout without node_modules gets links to this one's packages, its own workspace packages
 * (@sahti/*) linked to its own folders.
 *
 * Prints a Markdown table (this ÷ that per operation and round) and writes
 * bench/results/writes-ab-<timestamp>.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { adminQuery } from './backends.ts';
import { cumulativeDatabaseCpuMs, processCpuMs } from './cpu.ts';
import { patient } from './generate.ts';
import { expectStatus, HttpClient, idFromLocation } from './http.ts';
import { runLoad } from './load.ts';
import { type ServerProcess, startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    against: { type: 'string' },
    patients: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
  },
});
if (!flags.against || !existsSync(join(flags.against, 'packages/server/src/main.ts')))
  throw new Error('--against <dir>: a checkout of Sahti to compare with (its packages/server/src/main.ts)');
linkPackages(flags.against);
const PATIENTS = Number(flags.patients);
const ROUNDS = Number(flags.rounds);
const SLICES = 6;
const load = { concurrency: Number(flags.concurrency), maxRequests: 1_000_000, maxMs: 0, graceMs: 60_000 };
const BASE = '/fhir/R4';
const DATABASES = { this: 'sahti_bench_writes_this', that: 'sahti_bench_writes_that' } as const;
type Which = keyof typeof DATABASES;

const log = (m: string) =>
  process.stderr.write(`[bench writes-ab ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

interface Side {
  which: Which;
  server: ServerProcess;
  client: HttpClient;
}

interface Sum {
  requests: number;
  errors: number;
  ms: number;
  cpu: number;
  node: number;
  /** Each slice's median latency. */
  p50s: number[];
}

interface Row {
  round: number;
  operation: string;
  which: Which;
  requests: number;
  errors: number;
  perSecond: number;
  cpuMsPerRequest: number;
  nodeMsPerRequest: number;
  /** The median of the slices' median latencies, ms. */
  p50: number;
}

/**
 * Gives a checkout without node_modules this one's installed packages, its workspace packages
 * (`@sahti/…`, links into packages/) pointing at its own folders — else it would run this
 * checkout's engine.
 */
function linkPackages(root: string): void {
  const theirs = join(root, 'node_modules');
  if (existsSync(theirs)) return;
  const ours = new URL('../node_modules/', import.meta.url).pathname;
  mkdirSync(join(theirs, '@sahti'), { recursive: true });
  for (const entry of readdirSync(ours))
    if (entry !== '@sahti') symlinkSync(join(ours, entry), join(theirs, entry));
  for (const entry of readdirSync(join(ours, '@sahti')))
    symlinkSync(join(root, 'packages', entry), join(theirs, '@sahti', entry));
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-writes-'));
  const postgres = await startThrowawayPostgres();
  if (!postgres) throw new Error('no PostgreSQL binaries');
  const urlOf = (which: Which) => {
    const url = new URL(postgres.url);
    url.pathname = `/${DATABASES[which]}`;
    return url.toString();
  };
  try {
    await adminQuery(postgres.url, `CREATE DATABASE ${DATABASES.that}`);
    // seeded by the other build (its schema is the older one when the builds differ), then copied
    log(`seeding ${PATIENTS} patients`);
    const seeder = await startServer({
      databaseUrl: urlOf('that'),
      logDir: tmp,
      access: { on: false },
      root: flags.against,
    });
    const seedClient = new HttpClient(seeder.port, load.concurrency);
    const ids: string[] = [];
    await runLoad({ ...load, maxRequests: PATIENTS, maxMs: 600_000 }, async (i) => {
      const res = await seedClient.send('POST', `${BASE}/Patient`, patient(i), { prefer: 'return=minimal' });
      const id = idFromLocation(res.headers.location);
      if (id) ids[i] = id;
      return expectStatus(res, 201);
    });
    seedClient.close();
    await seeder.stop();
    await adminQuery(postgres.url, `CREATE DATABASE ${DATABASES.this} TEMPLATE ${DATABASES.that}`);

    const rows: Row[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sides: Side[] = [];
      for (const which of ['this', 'that'] as const) {
        const server = await startServer({
          databaseUrl: urlOf(which),
          logDir: tmp,
          access: { on: false },
          ...(which === 'that' ? { root: flags.against } : {}),
        });
        sides.push({ which, server, client: new HttpClient(server.port, load.concurrency) });
      }
      let version = round * 1000;
      const operations: Record<string, (side: Side, i: number) => Promise<string | undefined>> = {
        'update Patient': async (side, i) => {
          const index = i % PATIENTS;
          const body = { ...patient(index, version + Math.floor(i / PATIENTS)), id: ids[index] };
          const res = await side.client.send('PUT', `${BASE}/Patient/${ids[index]}`, body, {
            prefer: 'return=minimal',
          });
          return expectStatus(res, 200);
        },
        'create Patient': async (side, i) => {
          const res = await side.client.send(
            'POST',
            `${BASE}/Patient`,
            patient(PATIENTS + round * 1_000_000 + i),
            {
              prefer: 'return=minimal',
            },
          );
          return expectStatus(res, 201);
        },
      };
      for (const [operation, op] of Object.entries(operations)) {
        const sums = new Map<Side, Sum>();
        for (const side of sides) {
          await runLoad({ ...load, maxRequests: 300, maxMs: 2000 }, (i) => op(side, 900_000 + i)); // warm-up
          sums.set(side, { requests: 0, errors: 0, ms: 0, cpu: 0, node: 0, p50s: [] });
        }
        let offset = 0;
        for (let slice = 0; slice < SLICES; slice++) {
          for (const side of slice % 2 ? [...sides].reverse() : sides) {
            const sum = sums.get(side) as Sum;
            const node0 = processCpuMs(side.server.pid);
            const db0 = cumulativeDatabaseCpuMs(DATABASES[side.which]);
            const result = await runLoad({ ...load, maxMs: (Number(flags.seconds) * 1000) / SLICES }, (i) =>
              op(side, offset + i),
            );
            const node = processCpuMs(side.server.pid) - node0;
            sum.requests += result.requests;
            sum.errors += result.errors;
            sum.ms += result.elapsedMs;
            sum.p50s.push(result.p50);
            sum.node += node;
            sum.cpu += node + cumulativeDatabaseCpuMs(DATABASES[side.which]) - db0;
          }
          offset += 100_000;
          version += 1;
        }
        for (const side of sides) {
          const s = sums.get(side) as Sum;
          const row: Row = {
            round,
            operation,
            which: side.which,
            requests: s.requests,
            errors: s.errors,
            perSecond: (s.requests / s.ms) * 1000,
            cpuMsPerRequest: s.cpu / Math.max(1, s.requests),
            nodeMsPerRequest: s.node / Math.max(1, s.requests),
            p50: [...s.p50s].sort((a, b) => a - b)[Math.floor(s.p50s.length / 2)],
          };
          rows.push(row);
          log(
            `round ${round} ${side.which} ${operation}: ${row.perSecond.toFixed(0)} req/s, ${row.cpuMsPerRequest.toFixed(3)} CPU-ms/req (node ${row.nodeMsPerRequest.toFixed(3)}), p50 ${row.p50.toFixed(2)} ms, ${row.errors} errors`,
          );
          if (row.errors > 0) throw new Error(`${operation} on ${side.which}: ${row.errors} errors`);
        }
      }
      for (const side of sides) {
        side.client.close();
        await side.server.stop();
      }
    }
    report(rows);
  } finally {
    await postgres.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function report(rows: Row[]): void {
  const lines = [
    `this: ${process.cwd()}; that: ${flags.against}; ${PATIENTS} patients, ${flags.concurrency} clients, load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    '',
    '| round | operation | this req/s | that req/s | this CPU-ms/req | that CPU-ms/req | this ÷ that (CPU) | node: this / that | p50 ms: this / that |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows.filter((r) => r.which === 'this')) {
    const that = rows.find(
      (r) => r.which === 'that' && r.round === row.round && r.operation === row.operation,
    ) as Row;
    lines.push(
      `| ${row.round} | ${row.operation} | ${row.perSecond.toFixed(0)} | ${that.perSecond.toFixed(0)} | ${row.cpuMsPerRequest.toFixed(3)} | ${that.cpuMsPerRequest.toFixed(3)} | ${(row.cpuMsPerRequest / that.cpuMsPerRequest).toFixed(3)} | ${row.nodeMsPerRequest.toFixed(3)} / ${that.nodeMsPerRequest.toFixed(3)} | ${row.p50.toFixed(2)} / ${that.p50.toFixed(2)} |`,
    );
  }
  console.log(lines.join('\n'));
  const dir = new URL('results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `writes-ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ against: flags.against, patients: PATIENTS, rows }, null, 2));
  log(`results: ${file}`);
}

await main();
