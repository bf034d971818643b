/**
 * Events of committed writes. The engine writes one `resource_event` row per version in the same
 * statement as the resource (packages/fhir/src/write.ts): an event exists exactly when its write
 * committed, and survives a crash before dispatch. Two kinds of consumers:
 *
 *   durable handlers (`on`): each event is claimed once across all processes (FOR UPDATE SKIP
 *     LOCKED) and handed to a job per matching handler in the same transaction — retries, backoff
 *     and dead letters come from the job runner;
 *   listeners (`listen`): every process reads every event (a tail over `seq` that asks again, for
 *     a short window, for the seqs it skipped — a transaction that committed late is not missed)
 *     for what lives in one process — WebSockets of the live updates and of FHIR Subscriptions.
 *
 * Events of types no handler wants are marked dispatched in one statement, without a job.
 */
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import type { JobOptions, JobRunner } from '../jobs/index.ts';

export interface ResourceEvent {
  seq: number;
  resourceType: string;
  id: string;
  versionId: number;
  action: 'create' | 'update' | 'delete';
  /** Patients the version belongs to (for a delete: those of what was deleted). */
  patients: string[];
  occurredAt: string;
}

export interface EventFilter {
  /** Resource types the handler wants (all when absent). */
  types?: readonly string[];
  actions?: readonly ResourceEvent['action'][];
}

export type EventHandler = (event: ResourceEvent) => Promise<void>;
export type EventListener = (event: ResourceEvent) => void;

export interface EventBus {
  /**
   * A durable handler, run once per matching event across all processes, as job `event.<name>`
   * (`options`: its retries and how many run at once in a process).
   */
  on(name: string, filter: EventFilter, handler: EventHandler, options?: JobOptions): void;
  /** An in-process listener: called for every event this process reads (best effort, in order). */
  listen(listener: EventListener): () => void;
  /** Reads new events now rather than at the next poll (after a write in this process). */
  nudge(): void;
  /**
   * Types some durable handler awaits now (undefined: every type): the store writes events of
   * other types already dispatched, which spares marking them later.
   */
  awaitedTypes(): readonly string[] | undefined;
  start(): void;
  stop(): Promise<void>;
  stats(): Promise<{ pending: number; dispatched: number; listened: number }>;
}

export interface EventBusOptions {
  db: SqlClient;
  jobs: JobRunner;
  pollMs?: number;
  /** How far back the listeners' tail re-reads for late commits. */
  lookbackMs?: number;
  batch?: number;
  /** Passes started by nudges are at least this far apart (writes in between share one). */
  minGapMs?: number;
  onError?: (error: Error) => void;
}

interface EventRow {
  seq_text: string;
  resource_type: string;
  id: string;
  version_id: string;
  action: ResourceEvent['action'];
  patients: string[];
  occurred_at: Date | string;
}

/**
 * What an event row is read as. The sequence comes out as text (a bigint past 2^53 stays exact) under
 * its own name: aliased `seq`, a bare `ORDER BY seq` of these rows sorted that text (10 before 9,
 * with no index to serve it) — listeners heard events out of order across a power of ten.
 */
const COLUMNS =
  'seq::text AS seq_text, resource_type, id, version_id::text AS version_id, action, patients, occurred_at';

function eventOf(row: EventRow): ResourceEvent {
  return {
    seq: Number(row.seq_text),
    resourceType: row.resource_type,
    id: row.id,
    versionId: Number(row.version_id),
    action: row.action,
    patients: row.patients ?? [],
    occurredAt: new Date(row.occurred_at).toISOString(),
  };
}

const matches = (filter: EventFilter, e: ResourceEvent): boolean =>
  (!filter.types || filter.types.includes(e.resourceType)) &&
  (!filter.actions || filter.actions.includes(e.action));

export function createEventBus(options: EventBusOptions): EventBus {
  const { db, jobs } = options;
  const pollMs = options.pollMs ?? 500;
  const lookbackMs = options.lookbackMs ?? 10_000;
  const batch = options.batch ?? 500;
  const minGapMs = options.minGapMs ?? 25;
  const onError = options.onError ?? ((e: Error) => console.error(`events: ${e.message}`));
  const handlers: { name: string; filter: EventFilter }[] = [];
  const listeners = new Set<EventListener>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let busy: Promise<void> | undefined;
  let again = false;
  let dispatched = 0;
  let listened = 0;
  // the listeners' tail: the highest seq read, and the seqs below it not seen yet (a transaction
  // that took its seq earlier but committed later, or one rolled back), asked again until found
  // or older than the look-back window — rather than re-reading every recent event at each poll
  let tailSeq = -1;
  const gaps = new Map<number, number>();

  // the types some handler wants, or undefined when one wants every type (read at each pass:
  // a handler's filter may follow its own state, as the Subscriptions' does)
  const wantedTypes = (): string[] | undefined => {
    const types = new Set<string>();
    for (const h of handlers) {
      if (!h.filter.types) return undefined;
      for (const t of h.filter.types) types.add(t);
    }
    return [...types];
  };

  /**
   * One statement: events of types no handler wants are marked dispatched; says whether any of a
   * wanted type is pending (only then is the claiming transaction needed). Most writes are of
   * types nobody handles, and on the embedded database every statement counts.
   */
  const markUnwanted = async (wanted: string[]): Promise<boolean> => {
    const res = await db.query<{ done: string; wanted: string }>(
      `WITH pending AS (SELECT seq, resource_type FROM resource_event WHERE dispatched_at IS NULL
                         ORDER BY seq LIMIT 5000 FOR UPDATE SKIP LOCKED),
            done AS (UPDATE resource_event e SET dispatched_at = now() FROM pending p
                      WHERE e.seq = p.seq AND NOT (p.resource_type = ANY($1::text[])) RETURNING 1)
       SELECT (SELECT count(*) FROM done)::text AS done,
              (SELECT count(*) FROM pending WHERE resource_type = ANY($1::text[]))::text AS wanted`,
      [wanted],
      { prepared: true }, // asked at every pass: planned once
    );
    const row = res.rows[0];
    dispatched += Number(row.done);
    // a full batch of unwanted events: more may wait behind it
    return Number(row.wanted) > 0 || Number(row.done) >= 5000;
  };

  const dispatch = async (): Promise<void> => {
    const wanted = wantedTypes();
    if (wanted && wanted.length > 0 && !(await markUnwanted(wanted))) return;
    for (;;) {
      const claimed = await db.transaction(async (tx) => {
        const rows = (
          await tx.query<EventRow>(
            `SELECT ${COLUMNS} FROM resource_event WHERE dispatched_at IS NULL
              ORDER BY resource_event.seq LIMIT ${batch} FOR UPDATE SKIP LOCKED`,
          )
        ).rows;
        if (rows.length === 0) return 0;
        for (const row of rows) {
          const event = eventOf(row);
          for (const h of handlers)
            if (matches(h.filter, event)) await jobs.enqueue(tx, `event.${h.name}`, event);
        }
        await tx.query('UPDATE resource_event SET dispatched_at = now() WHERE seq = ANY($1::bigint[])', [
          rows.map((r) => r.seq_text),
        ]);
        return rows.length;
      });
      dispatched += claimed;
      if (claimed < batch) return;
    }
  };

  // a process listens from its first listener on: earlier events were for earlier sockets. Asked
  // as soon as the first listener comes, not at the next poll — yet on a pool that question may
  // wait for a connection while a write made after the listener commits on another, so the tail
  // starts at the last event older than the look-back window: a new listener may hear a few
  // seconds of earlier writes, never miss one of its own time
  let starting: Promise<void> | undefined;
  const startTail = (): Promise<void> => {
    starting ??= db
      .query<{ n: string }>(
        `SELECT coalesce((SELECT seq FROM resource_event
                           WHERE occurred_at < now() - $1::double precision * interval '1 millisecond'
                           ORDER BY seq DESC LIMIT 1), 0)::text AS n`,
        [lookbackMs],
      )
      .then((head) => {
        if (tailSeq < 0) tailSeq = Number(head.rows[0].n);
      })
      .catch((err: Error) => {
        starting = undefined;
        throw err;
      });
    return starting;
  };

  const tail = async (): Promise<void> => {
    if (listeners.size === 0) return;
    if (tailSeq < 0) {
      await startTail();
      return;
    }
    const now = Date.now();
    for (const [seq, at] of gaps) if (now - at > lookbackMs) gaps.delete(seq);
    // asked at every pass: with no gap to look back on (nearly always) one prepared text, planned
    // once; with gaps, planned on how many there are
    const rows = (
      gaps.size === 0
        ? await db.query<EventRow>(
            `SELECT ${COLUMNS} FROM resource_event WHERE seq > $1::bigint ORDER BY resource_event.seq LIMIT 5000`,
            [tailSeq],
            { prepared: true },
          )
        : await db.query<EventRow>(
            `SELECT ${COLUMNS} FROM resource_event WHERE seq > $1::bigint OR seq = ANY($2::bigint[])
              ORDER BY resource_event.seq LIMIT 5000`,
            [tailSeq, [...gaps.keys()].slice(0, 1000)],
          )
    ).rows;
    for (const row of rows) {
      const event = eventOf(row);
      if (event.seq <= tailSeq) {
        if (!gaps.delete(event.seq)) continue; // already told
      } else {
        for (let missing = tailSeq + 1; missing < event.seq && gaps.size < 10_000; missing++)
          gaps.set(missing, now);
        tailSeq = event.seq;
      }
      listened += 1;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          onError(err as Error);
        }
      }
    }
  };

  const tick = (): Promise<void> => {
    if (busy) {
      again = true;
      return busy;
    }
    lastTickAt = Date.now();
    busy = (async () => {
      again = false;
      if (handlers.length > 0) await dispatch();
      else await markDispatchedWithoutHandlers();
      await tail();
    })()
      .catch((err: Error) => onError(err))
      .finally(() => {
        busy = undefined;
        // writes came during this pass: the next one follows, but not sooner than minGapMs
        if (again && running) soon();
      });
    return busy;
  };

  // under a stream of writes, one pass per minGapMs reads them all: a pass per write would add
  // its statements to every write (measured: +15 % CPU per write on PostgreSQL)
  let lastTickAt = 0;
  let pending: NodeJS.Timeout | undefined;
  const soon = (): void => {
    if (pending || !running) return;
    const wait = lastTickAt + minGapMs - Date.now();
    if (wait <= 0 && !busy) {
      void tick();
      return;
    }
    pending = setTimeout(
      () => {
        pending = undefined;
        void tick();
      },
      Math.max(0, wait),
    );
    pending.unref();
  };

  // with no durable handler, events are still marked so that the pending index stays small
  const markDispatchedWithoutHandlers = async (): Promise<void> => {
    const res = await db.query<{ n: string }>(
      `WITH done AS (UPDATE resource_event SET dispatched_at = now()
         WHERE seq IN (SELECT seq FROM resource_event WHERE dispatched_at IS NULL ORDER BY seq LIMIT 5000 FOR UPDATE SKIP LOCKED)
         RETURNING 1) SELECT count(*)::text AS n FROM done`,
    );
    dispatched += Number(res.rows[0]?.n ?? 0);
  };

  // each start begins one polling loop; a pass still running when stop() came does not carry
  // the stopped loop into the next start (two loops would poll twice as often, one of them unstoppable)
  let loop = 0;
  const schedule = (): void => {
    if (!running) return;
    const mine = loop;
    timer = setTimeout(() => {
      void tick().finally(() => {
        if (mine === loop) schedule();
      });
    }, pollMs);
    timer.unref();
  };

  return {
    on(name, filter, handler, options) {
      if (handlers.some((h) => h.name === name))
        throw new Error(`event handler ${name} is already registered`);
      handlers.push({ name, filter });
      jobs.register<ResourceEvent>(`event.${name}`, async (payload) => handler(payload), options);
    },
    listen(listener) {
      listeners.add(listener);
      if (tailSeq < 0) void startTail().catch((err: Error) => onError(err));
      return () => listeners.delete(listener);
    },
    nudge() {
      soon();
    },
    awaitedTypes: () => wantedTypes(),
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      loop += 1;
      if (timer) clearTimeout(timer);
      if (pending) clearTimeout(pending);
      pending = undefined;
      await busy;
    },
    async stats() {
      const pending = await db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM resource_event WHERE dispatched_at IS NULL',
      );
      return { pending: Number(pending.rows[0].n), dispatched, listened };
    },
  };
}

/** Forgets dispatched events older than `days` (a scheduled job). */
export async function purgeEvents(db: SqlExecutor, days: number): Promise<number> {
  const res = await db.query<{ n: string }>(
    `WITH gone AS (DELETE FROM resource_event WHERE dispatched_at IS NOT NULL
       AND occurred_at < now() - ($1::double precision * interval '1 day') RETURNING 1)
     SELECT count(*)::text AS n FROM gone`,
    [days],
  );
  return Number(res.rows[0].n);
}
