/**
 * The audit writer: clinical requests must not wait for it. record() builds the AuditEvent and
 * queues it (synchronous, never throws, never touches the database); a timer flushes the queue in
 * batches, each ONE set-based INSERT inside a transaction that holds an advisory lock while it reads
 * the chain head and appends. The lock makes the chain correct when several processes share the
 * database: appends are serialised database-wide, so seq stays gapless and every prev_hash is the
 * hash of seq - 1. Within a process, flushes are serialised too.
 *
 * A failed flush keeps its events at the head of the queue and is retried; past `maxQueue` pending
 * events new ones are dropped and counted (stats().dropped), because blocking care on an unreachable
 * audit table is worse — operations must alert on a non-zero `dropped` or `failedFlushes`.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { type SqlClient, type SqlExecutor, turnEvery } from '@sahti/fhir';
import { column, listText, split, splitList } from './batch-columns.ts';
import { chainHash, GENESIS } from './chain.ts';
import { type AuditInput, type AuditSource, auditColumns, buildAuditEvents } from './event.ts';
import { type StoredForm, storedForm } from './stored-form.ts';

export interface AuditLogOptions {
  /** Longest a recorded event waits before its batch is written (ms). */
  flushIntervalMs?: number;
  /** Events per INSERT; a full batch is written without waiting for the timer. */
  batchSize?: number;
  /** Pending events beyond which new ones are dropped (and counted). */
  maxQueue?: number;
  /** Wait before retrying a failed flush (ms). */
  retryMs?: number;
  source?: AuditSource;
  /** Flush failures and drops; console.error by default. */
  onError?: (error: Error) => void;
}

export interface AuditLogStats {
  queued: number;
  written: number;
  dropped: number;
  failedFlushes: number;
}

export interface AuditLog {
  readonly db: SqlClient;
  /**
   * Queues the AuditEvent of one access: one row, whatever the number of patients it touched; the
   * trail gives each of them their own event (BALP: migrations.ts 1105, event.ts buildAuditEvents).
   */
  record(input: AuditInput): void;
  /**
   * Queues the accesses of one request (a bundle's entries): recorded at one instant, their events
   * share what they have in common (event.ts buildAuditEvents).
   */
  recordRequest(inputs: readonly AuditInput[]): void;
  /**
   * Calls `listener` with every access recorded from now on (after it is queued), so that a service
   * can add what the law asks of its own accesses — guest dialysis flags reads by a centre abroad.
   * A listener runs synchronously inside record(): it starts its own work and must not throw (what
   * it throws is reported and ignored). Returns the function that stops it.
   */
  observe(listener: (input: AuditInput) => void): () => void;
  /** Resolves once every event queued so far is in the table; rejects if the write failed. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is queued; later records are dropped. */
  close(): Promise<void>;
  stats(): AuditLogStats;
}

/** Advisory-lock key of the chain head ("audit" in ASCII). */
export const AUDIT_CHAIN_LOCK = 0x6175646974;

export function createAuditLog(db: SqlClient, options: AuditLogOptions = {}): AuditLog {
  const interval = options.flushIntervalMs ?? 50;
  const batchSize = options.batchSize ?? 500;
  const maxQueue = options.maxQueue ?? 200_000;
  const retryMs = options.retryMs ?? 1000;
  const onError = options.onError ?? ((e: Error) => console.error(`audit: ${e.message}`));
  const queue: AuditEvent[] = [];
  const stats = { written: 0, dropped: 0, failedFlushes: 0 };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let overflowReported = false;
  const listeners = new Set<(input: AuditInput) => void>();

  let timerIsImmediate = false;
  let backoffUntil = 0; // after a failed flush, nothing retries before this
  const schedule = (wanted: number): void => {
    if (closed) return;
    const delay = Math.max(wanted, backoffUntil - Date.now());
    if (timer) {
      // a full batch does not wait for a timer set for a later flush
      if (delay > 0 || timerIsImmediate) return;
      clearTimeout(timer);
    }
    timerIsImmediate = delay === 0;
    timer = setTimeout(() => {
      timer = undefined;
      drain(false).then(
        // what arrived while the batch was written waits for the next turn (or is a full batch)
        () => {
          if (queue.length > 0) schedule(queue.length >= batchSize ? 0 : interval);
        },
        (error: Error) => {
          onError(error);
          backoffUntil = Date.now() + retryMs;
          schedule(retryMs);
        },
      );
    }, delay);
    timer.unref(); // pending events never keep the process alive; close() writes them
  };

  /**
   * `all`: everything queued, including what arrives meanwhile (flush, close). Otherwise what was
   * queued when the timer fired, and then only full batches: under load, a flush that looped on the
   * events arriving while it wrote ran back to back, one small INSERT (and its lock, head read and
   * transaction) every few milliseconds instead of one per interval.
   */
  const writeQueued = async (all: boolean): Promise<void> => {
    let owed = all ? Number.POSITIVE_INFINITY : queue.length;
    while (queue.length > 0 && (owed > 0 || queue.length >= batchSize)) {
      const batch = queue.splice(0, batchSize);
      owed -= batch.length;
      try {
        await appendBatch(db, batch);
      } catch (error) {
        queue.unshift(...batch);
        stats.failedFlushes += 1;
        throw error;
      }
      stats.written += batch.length;
      overflowReported = false;
      backoffUntil = 0;
    }
  };
  // one drain at a time in this process (the advisory lock orders processes)
  const drain = (all = true): Promise<void> => {
    running ??= writeQueued(all).finally(() => {
      running = undefined;
    });
    return running;
  };

  const drop = (count: number, why: string): void => {
    stats.dropped += count;
    if (!overflowReported) {
      overflowReported = true;
      onError(new Error(`audit events dropped: ${why}`));
    }
  };

  const record = (input: AuditInput, recorded: string) => {
    try {
      const events = buildAuditEvents({ ...input, recorded: input.recorded ?? recorded }, options.source);
      if (closed) return drop(events.length, 'the audit log is closed');
      if (queue.length + events.length > maxQueue)
        return drop(events.length, `more than ${maxQueue} pending`);
      for (const event of events) queue.push(event);
      schedule(queue.length >= batchSize ? 0 : interval);
    } catch (error) {
      // an event that cannot even be built must still not fail the request it describes
      return drop(1, (error as Error).message);
    }
    for (const listener of listeners) {
      try {
        listener(input);
      } catch (error) {
        onError(new Error(`audit listener: ${(error as Error).message}`));
      }
    }
  };

  return {
    db,
    record(input) {
      record(input, new Date().toISOString());
    },
    recordRequest(inputs) {
      const recorded = new Date().toISOString();
      for (const input of inputs) record(input, recorded);
    },
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      if (running) await running.catch(() => undefined);
      await drain();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      if (running) await running.catch(() => undefined);
      await drain();
    },
    stats: () => ({ queued: queue.length, ...stats }),
  };
}

/** Events handled between two turns of the event loop, so that requests interleave with a flush. */
const CANONICAL_SLICE = 25;
const CHAIN_SLICE = 100;

/**
 * Canonicalises the batch first, outside the transaction and in slices (that is the CPU-heavy part),
 * then one short transaction: lock the head, read it, chain the batch on, one INSERT. Each event is
 * stored in two parts (stored-form.ts): its context in audit_context — the batch's few contexts go
 * with its events, in the same statement, those already there left as they are — and its own part
 * in its row; the chain hashes the whole event. An event naming several patients gets one row per
 * patient in audit_patient, by the same statement (read.ts gives each patient their own event).
 * The stored content has no id: the id of an AuditEvent is its seq, added when it is read.
 */
export async function appendBatch(db: SqlClient, events: AuditEvent[]): Promise<void> {
  const forms: StoredForm[] = [];
  // the events of one access share all but their entities, and every event its constant codings
  const memo = new Map<object, string>();
  // the batch's distinct contexts, text → digest: what the INSERT stores in audit_context
  const digests = new Map<string, string>();
  for (let i = 0; i < events.length; i++) {
    await turnEvery(i, CANONICAL_SLICE);
    forms.push(storedForm(events[i], memo, digests));
  }
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK], PLANNED_ONCE);
    let { seq, hash } = await chainHead(tx);
    const rows = columnsOf();
    for (let i = 0; i < events.length; i++) {
      await turnEvery(i, CHAIN_SLICE);
      const event = events[i];
      const form = forms[i];
      seq += 1;
      const prev = hash;
      hash = chainHash(prev, form.whole, seq, event.recorded);
      const { patient_id, patients, actor, action, outcome } = auditColumns(event);
      rows.seq.push(seq);
      rows.recorded.push(event.recorded);
      rows.patient_id.push(patient_id);
      rows.patients.push(patients.length > 1 ? patients.length : null);
      // an event naming several patients gets one audit_patient row each (k = 1, 2, …)
      rows.listed.push(patients.length > 1 ? patients : null);
      rows.actor.push(actor);
      rows.action.push(action);
      rows.outcome.push(outcome);
      rows.context.push(form.digest);
      rows.content.push(form.own); // canonical text as is: with its context, what was hashed
      rows.prev_hash.push(prev);
      rows.hash.push(hash);
    }
    // One text per column, its values split by PostgreSQL (batch-columns.ts): node-postgres wrote an
    // array parameter's literal element by element, two regular expressions each — over every quote
    // of every event's JSON (docs/performance.md, *The audit batch sent as one text per column*).
    // PostgreSQL reads each event's text once, as it checks it is JSON; the batch as one JSON
    // document (json_to_recordset) was parsed whole, then each content again: 2.4 times the backend's
    // CPU per event (*Statements a clinician's requests planned, and the audit's INSERT*). Each
    // event's context is stored by the same statement, so none can be missing (a context stored
    // before, by any process, is the same text: its digest).
    await tx.query(
      `WITH batch AS (
         SELECT * FROM unnest(${split(1)}::bigint[], ${split(2)}::timestamptz[], ${split(3)}, ${split(4)}::smallint[],
           ${split(5)}, ${split(6)}, ${split(7)}, ${split(8)}, ${split(9)}, ${split(10)}, ${split(11)}, ${split(12)})
           AS b(seq, recorded, patient_id, patients, actor, action, outcome, context, content, prev_hash, hash, listed)
       ), context AS (
         INSERT INTO audit_context (digest, content)
         SELECT * FROM unnest(${split(13)}, ${split(14)}::json[]) ON CONFLICT (digest) DO NOTHING
       ), patient AS (
         INSERT INTO audit_patient (seq, k, patient_id, recorded)
         SELECT b.seq, p.k::smallint, p.patient_id, b.recorded FROM batch b
           CROSS JOIN LATERAL unnest(${splitList('b.listed')}) WITH ORDINALITY AS p(patient_id, k)
           WHERE b.listed IS NOT NULL
       )
       INSERT INTO audit_event (seq, recorded, patient_id, patients, actor, action, outcome, context, content, prev_hash, hash)
       SELECT seq, recorded, patient_id, patients, actor, action, outcome, context, content, prev_hash, hash FROM batch`,
      [
        column(rows.seq),
        column(rows.recorded),
        column(rows.patient_id),
        column(rows.patients),
        column(rows.actor),
        column(rows.action),
        column(rows.outcome),
        column(rows.context),
        column(rows.content, true),
        column(rows.prev_hash),
        column(rows.hash),
        column(rows.listed.map((list) => (list === null ? null : listText(list)))),
        column([...digests.values()]),
        column([...digests.keys()], true),
      ],
      PLANNED_ONCE,
    );
  });
}

const PLANNED_ONCE = { prepared: true };

/** The batch's columns, each an array of one value per event, in the INSERT's order. */
function columnsOf() {
  return {
    seq: [] as number[],
    recorded: [] as string[],
    patient_id: [] as (string | null)[],
    patients: [] as (number | null)[],
    listed: [] as (string[] | null)[],
    actor: [] as string[],
    action: [] as string[],
    outcome: [] as string[],
    context: [] as string[],
    content: [] as string[],
    prev_hash: [] as string[],
    hash: [] as string[],
  };
}

/**
 * The chain's last row. Planned at every call, not kept prepared: a kept plan is made again only when
 * an ANALYZE of audit_event invalidates it, and the embedded database analyses the trail only after
 * resources are written (statistics.ts) — a plan made on a new, near-empty trail (a sequential scan
 * and a sort, right then) read the whole table at every flush as it grew: 4 ms per batch at 21,000
 * events on PGlite, in a session of reads only. Planned on the table's current size, it is the
 * primary key read backward (docs/performance.md, *The chain's head, planned on the trail's size*).
 */
export async function chainHead(tx: SqlExecutor): Promise<{ seq: number; hash: string }> {
  const head = await tx.query<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
  );
  const row = head.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS };
}
