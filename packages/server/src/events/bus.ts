/**
 * Events of committed writes. The engine writes one `resource_event` row per version in the same
 * statement as the resource (packages/fhir/src/write.ts): an event exists exactly when its write
 * committed, and survives a crash before dispatch. Two kinds of consumers:
 *
 *   durable handlers (`on`): each event is claimed once across all processes (FOR UPDATE SKIP
 *     LOCKED) and handed to a job per matching handler in the same transaction — retries, backoff
 *     and dead letters come from the job runner;
 *   listeners (`listen`): every process reads every event (a tail over `seq`, re-reading a short
 *     window so a transaction that committed late is not missed) for what lives in one process —
 *     WebSockets of the live updates and of FHIR Subscriptions.
 */
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import type { JobRunner } from '../jobs/index.ts';

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
  /** A durable handler, run once per matching event across all processes, as job `event.<name>`. */
  on(name: string, filter: EventFilter, handler: EventHandler): void;
  /** An in-process listener: called for every event this process reads (best effort, in order). */
  listen(listener: EventListener): () => void;
  /** Reads new events now rather than at the next poll (after a write in this process). */
  nudge(): void;
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
  onError?: (error: Error) => void;
}

interface EventRow {
  seq: string;
  resource_type: string;
  id: string;
  version_id: string;
  action: ResourceEvent['action'];
  patients: string[];
  occurred_at: Date | string;
}

const COLUMNS =
  'seq::text AS seq, resource_type, id, version_id::text AS version_id, action, patients, occurred_at';

function eventOf(row: EventRow): ResourceEvent {
  return {
    seq: Number(row.seq),
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
  const onError = options.onError ?? ((e: Error) => console.error(`events: ${e.message}`));
  const handlers: { name: string; filter: EventFilter }[] = [];
  const listeners = new Set<EventListener>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let busy: Promise<void> | undefined;
  let again = false;
  let dispatched = 0;
  let listened = 0;
  // the listeners' tail: the highest seq read, and the seqs read within the look-back window
  let tailSeq = -1;
  const recent = new Map<number, number>();

  const dispatch = async (): Promise<void> => {
    for (;;) {
      const claimed = await db.transaction(async (tx) => {
        const rows = (
          await tx.query<EventRow>(
            `SELECT ${COLUMNS} FROM resource_event WHERE dispatched_at IS NULL
              ORDER BY seq LIMIT ${batch} FOR UPDATE SKIP LOCKED`,
          )
        ).rows;
        if (rows.length === 0) return 0;
        for (const row of rows) {
          const event = eventOf(row);
          for (const h of handlers)
            if (matches(h.filter, event)) await jobs.enqueue(tx, `event.${h.name}`, event);
        }
        await tx.query('UPDATE resource_event SET dispatched_at = now() WHERE seq = ANY($1::bigint[])', [
          rows.map((r) => r.seq),
        ]);
        return rows.length;
      });
      dispatched += claimed;
      if (claimed < batch) return;
    }
  };

  const tail = async (): Promise<void> => {
    if (listeners.size === 0) return;
    if (tailSeq < 0) {
      // a process starting now listens from now: earlier events were for earlier sockets
      const head = await db.query<{ n: string }>(
        'SELECT coalesce(max(seq), 0)::text AS n FROM resource_event',
      );
      tailSeq = Number(head.rows[0].n);
      return;
    }
    const rows = (
      await db.query<EventRow>(
        `SELECT ${COLUMNS} FROM resource_event
          WHERE seq > $1::bigint OR (occurred_at > now() - ($2::double precision * interval '1 millisecond') AND seq > $1::bigint - 10000)
          ORDER BY seq LIMIT 5000`,
        [tailSeq, lookbackMs],
      )
    ).rows;
    const now = Date.now();
    for (const [seq, at] of recent) if (now - at > lookbackMs * 2) recent.delete(seq);
    for (const row of rows) {
      const event = eventOf(row);
      if (recent.has(event.seq)) continue;
      recent.set(event.seq, now);
      if (event.seq > tailSeq) tailSeq = event.seq;
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
    busy = (async () => {
      do {
        again = false;
        if (handlers.length > 0) await dispatch();
        else await markDispatchedWithoutHandlers();
        await tail();
      } while (again && running);
    })()
      .catch((err: Error) => onError(err))
      .finally(() => {
        busy = undefined;
      });
    return busy;
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

  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, pollMs);
    timer.unref();
  };

  return {
    on(name, filter, handler) {
      if (handlers.some((h) => h.name === name))
        throw new Error(`event handler ${name} is already registered`);
      handlers.push({ name, filter });
      jobs.register<ResourceEvent>(`event.${name}`, async (payload) => handler(payload));
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    nudge() {
      if (running) void tick();
    },
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
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
