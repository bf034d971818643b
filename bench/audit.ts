/**
 * The audit writer's cost, each figure beside a baseline measured in the same run:
 *
 *   record() per call        vs an awaited one-row INSERT (what a synchronous audit would cost)
 *   requests with auditing   vs the same request loop without (latency the trail adds, flushes included)
 *   writer throughput        vs raw set-based INSERTs of the same events whole (no hash, no lock, no head read)
 *   bytes per event          vs the same events stored whole (as before migration 1104)
 *   verification             vs reading the same pages of audit_event without hashing
 *
 *   node bench/audit.ts [--events 50000] [--backend pglite|postgres|both] [--batch-size <events per INSERT>]
 *
 * Prints a Markdown table per backend and writes bench/results/audit-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { SqlClient } from '@sahti/fhir';
import { canonicalJson, chainHash, GENESIS } from '../packages/server/src/audit/chain.ts';
import { type AuditInput, auditColumns, buildAuditEvent } from '../packages/server/src/audit/event.ts';
import { doctor } from '../packages/server/src/audit/test-fixture.ts';
import { verifyAuditChain } from '../packages/server/src/audit/verify.ts';
import { createAuditLog } from '../packages/server/src/audit/writer.ts';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    backend: { type: 'string', default: 'both' },
    // events per INSERT; the writer's own default (500) when absent
    'batch-size': { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const BATCH = values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {};
const REQUESTS = 2500; // per round, 4 rounds each way
const REQUEST_RATE = 1000;

const input = (i: number): AuditInput => ({
  principal: doctor,
  interaction: i % 3 ? 'read' : 'search',
  resourceType: 'Observation',
  ...(i % 3
    ? { ids: [`obs-${i}`] }
    : { query: `Observation?patient=p${i % 1000}&code=http://loinc.org|8480-6` }),
  patientIds: [`p${i % 1000}`],
  outcome: 200,
});

interface Row {
  measure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baseline, oriented so that > 1 means the audit path costs more (or does more). */
  ratio: number;
  note?: string;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const timed = async (work: () => Promise<void> | void): Promise<number> => {
  const t = performance.now();
  await work();
  return performance.now() - t;
};

async function benchBackend(name: string, db: SqlClient): Promise<Row[]> {
  const rows: Row[] = [];
  await db.exec(`CREATE TABLE audit_raw (LIKE audit_event INCLUDING INDEXES)`);

  // 1. record(): the synchronous part a request pays, against an awaited one-row INSERT
  {
    const log = createAuditLog(db, { flushIntervalMs: 1e9, maxQueue: 1e9, ...BATCH });
    const samples: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const t = performance.now();
      log.record(input(i));
      samples.push(performance.now() - t);
    }
    // 2. writing what was queued: the whole chain, one INSERT per 500-event batch
    const ms = await timed(() => log.close());
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const insertSamples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const event = buildAuditEvent(input(i));
      const t = performance.now();
      await db.query(
        `INSERT INTO audit_raw (seq, recorded, patient_id, actor, action, outcome, content, prev_hash, hash)
         VALUES ($1::bigint, $2::timestamptz, $3::text, $4::text, $5::text, $6::text, $7::jsonb, '', '')`,
        [10_000_000 + i, event.recorded, `p${i % 1000}`, 'x', 'R', '0', JSON.stringify(event)],
      );
      insertSamples.push(performance.now() - t);
    }
    insertSamples.sort((a, b) => a - b);
    const insertMean = insertSamples.reduce((a, b) => a + b, 0) / insertSamples.length;
    rows.push(
      {
        measure: 'record() mean',
        value: mean * 1000,
        unit: 'µs',
        baseline: 'awaited 1-row INSERT mean',
        baselineValue: insertMean * 1000,
        ratio: mean / insertMean,
      },
      {
        measure: 'record() p99',
        value: quantile(samples, 0.99) * 1000,
        unit: 'µs',
        baseline: 'awaited 1-row INSERT p99',
        baselineValue: quantile(insertSamples, 0.99) * 1000,
        ratio: quantile(samples, 0.99) / quantile(insertSamples, 0.99),
      },
    );
    await db.exec('TRUNCATE audit_raw');
    // the baseline: the same events stored whole, one row each, as before migration 1104 (the
    // canonical text in `content`, no context), without the chain's lock and head read
    const prepared = Array.from({ length: EVENTS }, (_, i) => {
      const event = buildAuditEvent(input(i));
      return { event, columns: auditColumns(event), content: canonicalJson(event) };
    });
    const size = BATCH.batchSize ?? 500;
    const rawMs = await timed(async () => {
      for (let i = 0; i < prepared.length; i += size) {
        const batch = prepared.slice(i, i + size);
        await db.query(
          `INSERT INTO audit_raw (seq, recorded, patient_id, actor, action, outcome, content, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
             $7::json[], $8::text[], $8::text[])`,
          [
            batch.map((_, k) => i + k + 1),
            batch.map((b) => b.event.recorded),
            batch.map((b) => b.columns.patient_id),
            batch.map((b) => b.columns.actor),
            batch.map((b) => b.columns.action),
            batch.map((b) => b.columns.outcome),
            batch.map((b) => b.content),
            batch.map(() => GENESIS), // as many bytes as a hash
          ],
        );
      }
    });
    rows.push({
      measure: `writer throughput (queued → table, batches of ${size})`,
      value: EVENTS / (ms / 1000),
      unit: 'events/s',
      baseline: 'whole events, raw set-based INSERT, same batches',
      baselineValue: EVENTS / (rawMs / 1000),
      ratio: ms / rawMs,
      note: 'ratio = time with chain / time raw',
    });
    // what the trail keeps per event: rows, their indexes and the shared contexts, against the same
    // events kept whole (the four columns indexed alike)
    const bytes = await db.query<{ trail: string; whole: string }>(
      `SELECT pg_total_relation_size('audit_event') + pg_total_relation_size('audit_context') AS trail,
              pg_total_relation_size('audit_raw') AS whole`,
    );
    rows.push({
      measure: 'bytes stored per event (audit_event + audit_context, with indexes)',
      value: Number(bytes.rows[0].trail) / EVENTS,
      unit: 'B',
      baseline: 'the same events stored whole (before migration 1104)',
      baselineValue: Number(bytes.rows[0].whole) / EVENTS,
      ratio: Number(bytes.rows[0].trail) / Number(bytes.rows[0].whole),
    });
  }

  // 3. the latency the trail adds to requests, background flushes included
  {
    const request = () =>
      db.query('SELECT seq, content FROM audit_event WHERE seq = $1::bigint', [
        1 + Math.floor(Math.random() * EVENTS),
      ]);
    // paced like a busy server process (REQUEST_RATE/s, 3 events each), not flat out: flat out, a
    // primary-key lookup outruns any writer and the figure would measure an overload
    const loop = async (audit?: ReturnType<typeof createAuditLog>): Promise<number[]> => {
      const samples: number[] = [];
      const start = performance.now();
      for (let i = 0; i < REQUESTS; i++) {
        const due = start + (i * 1000) / REQUEST_RATE;
        if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
        const t = performance.now();
        await request();
        // a search over 3 patients leaves 3 events, as BALP asks
        audit?.record({
          ...input(i),
          patientIds: [`p${i % 1000}`, `p${(i + 1) % 1000}`, `p${(i + 2) % 1000}`],
        });
        samples.push(performance.now() - t);
      }
      return samples.sort((a, b) => a - b);
    };
    // alternate the two loops so that machine drift falls on both alike
    const without: number[] = [];
    const withAudit: number[] = [];
    const log = createAuditLog(db, BATCH);
    // how long the event loop is held (hashing, serialising a batch) is the part record()'s caller
    // can feel in this process; the rest of the difference is the database doing the INSERTs
    const loopDelayMax = { without: 0, with: 0 };
    const delayOf = async <T>(key: 'with' | 'without', work: () => Promise<T>): Promise<T> => {
      const monitor = monitorEventLoopDelay({ resolution: 1 });
      monitor.enable();
      const result = await work();
      monitor.disable();
      loopDelayMax[key] = Math.max(loopDelayMax[key], monitor.percentile(99) / 1e6);
      return result;
    };
    for (let round = 0; round < 4; round++) {
      without.push(...(await delayOf('without', () => loop())));
      withAudit.push(
        ...(await delayOf('with', async () => {
          const samples = await loop(log);
          await log.flush();
          return samples;
        })),
      );
    }
    await log.close();
    rows.push({
      measure: 'event-loop delay p99 with auditing (worst round)',
      value: loopDelayMax.with,
      unit: 'ms',
      baseline: 'event-loop delay p99 without (worst round)',
      baselineValue: loopDelayMax.without,
      ratio: loopDelayMax.with / loopDelayMax.without,
    });
    without.sort((a, b) => a - b);
    withAudit.sort((a, b) => a - b);
    for (const q of [0.5, 0.99] as const) {
      rows.push({
        measure: `request p${q * 100} with auditing (${REQUEST_RATE}/s, 3 events each)`,
        value: quantile(withAudit, q) * 1000,
        unit: 'µs',
        baseline: `same request without auditing p${q * 100}`,
        baselineValue: quantile(without, q) * 1000,
        ratio: quantile(withAudit, q) / quantile(without, q),
      });
    }
  }

  // 4. hashing alone, and verification against reading the same pages
  {
    const events = Array.from({ length: 10_000 }, (_, i) => buildAuditEvent(input(i)));
    let prev = GENESIS;
    const hashMs = await timed(() => {
      events.forEach((e, i) => {
        prev = chainHash(prev, canonicalJson(e), i + 1, e.recorded);
      });
    });
    const stringifyMs = await timed(() => {
      for (const e of events) JSON.stringify(e);
    });
    rows.push({
      measure: 'canonical JSON + SHA-256 per event',
      value: (hashMs / events.length) * 1000,
      unit: 'µs',
      baseline: 'JSON.stringify per event',
      baselineValue: (stringifyMs / events.length) * 1000,
      ratio: hashMs / stringifyMs,
    });
    let report: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    const verifyMs = await timed(async () => {
      report = await verifyAuditChain(db);
    });
    if (!report?.ok) throw new Error(`chain broken in the bench: ${JSON.stringify(report)}`);
    const readMs = await timed(async () => {
      for (let seq = 0; ; seq += 5000) {
        const page = await db.query(
          'SELECT * FROM audit_event WHERE seq > $1::bigint ORDER BY seq LIMIT 5000',
          [seq],
        );
        if (page.rows.length < 5000) break;
      }
    });
    rows.push({
      measure: `verifyAuditChain (${report.checked.toLocaleString('en-US')} rows)`,
      value: report.checked / (verifyMs / 1000),
      unit: 'rows/s',
      baseline: 'reading the same pages, no hashing',
      baselineValue: report.checked / (readMs / 1000),
      ratio: verifyMs / readMs,
      note: 'ratio = time verifying / time reading',
    });
  }
  await db.exec('DROP TABLE audit_raw');
  console.log(`  (${name} done)`);
  return rows;
}

const fmt = (n: number): string =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n < 10 ? 2 : 1);
function table(name: string, rows: Row[]): string {
  return [
    `### ${name}`,
    '',
    '| measure | value | baseline (same run) | baseline value | ratio |',
    '|---|---:|---|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.measure} | ${fmt(r.value)} ${r.unit} | ${r.baseline} | ${fmt(r.baselineValue)} ${r.unit} | ${r.ratio.toFixed(r.ratio < 0.1 ? 4 : 2)} |`,
    ),
  ].join('\n');
}

const startedAt = new Date().toISOString();
const results: Record<string, Row[]> = {};
const backends = values.backend === 'both' ? ['pglite', 'postgres'] : [values.backend!];
for (const backend of backends) {
  console.log(`audit bench on ${backend}: ${EVENTS.toLocaleString('en-US')} events…`);
  if (backend === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'sahti-audit-bench-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      results.pglite = await benchBackend('PGlite (files)', db);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const cluster = await startThrowawayPostgres();
    if (!cluster) {
      console.log('  no PostgreSQL server binaries: skipped');
      continue;
    }
    const db = await openDatabase({ databaseUrl: cluster.url });
    try {
      results.postgres = await benchBackend('PostgreSQL', db);
    } finally {
      await db.close();
      await cluster.stop();
    }
  }
}

console.log(
  `\nAudit trail — ${EVENTS.toLocaleString('en-US')} events, ${REQUESTS.toLocaleString('en-US')} requests; ` +
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
);
for (const [name, rows] of Object.entries(results)) console.log(`${table(name, rows)}\n`);
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const path = join(dir, `audit-${startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(
  path,
  `${JSON.stringify({ startedAt, events: EVENTS, requests: REQUESTS, machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30) }, results }, null, 2)}\n`,
);
console.log(`results: ${path}`);
