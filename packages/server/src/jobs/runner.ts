/**
 * The job runner: durable jobs in PostgreSQL through pg-boss, behind the JobRunner contract of
 * types.ts (docs/architecture.md, "Jobs and notifications", says why pg-boss and how it runs on
 * PGlite). pg-boss claims with FOR UPDATE SKIP LOCKED, so processes sharing a database never run a
 * job twice; a heartbeat renews each claim and a crashed worker's job is retried once it goes stale.
 */
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import { type JobResult, type JobWithMetadata, PgBoss, type Queue } from 'pg-boss';
import type { JobSettings } from './config.ts';
import { bossConnection, transactionDb } from './database.ts';
import { jobIdForKey, occurrenceKey, occurrenceOf } from './job-id.ts';
import { parseSchedule, type Schedule } from './schedule.ts';
import {
  type DeadJob,
  type EnqueueOptions,
  type JobCounters,
  type JobHandler,
  type JobOptions,
  type JobRunner,
  type JobStats,
  PermanentJobFailure,
} from './types.ts';

/** Every job name's dead letters land in this one queue, which no worker takes from. */
export const DEAD_LETTER_QUEUE = 'sahti.dead-letters';
const DEAD_LETTER_RETENTION_SECONDS = 90 * 24 * 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DEFAULT_JOB_OPTIONS: Required<JobOptions> = {
  maxAttempts: 5,
  retryDelaySeconds: 10,
  retryDelayMaxSeconds: 3600,
  timeoutSeconds: 900,
  heartbeatSeconds: 30,
  concurrency: 1,
};

export interface JobLog {
  warn(message: string): void;
  error(message: string): void;
}

export interface JobRunnerOptions {
  db: SqlClient;
  /** Required on PostgreSQL: the runner keeps a small pool of its own there. */
  databaseUrl?: string;
  settings: JobSettings;
  log?: JobLog;
}

interface Registration {
  name: string;
  handler?: JobHandler<unknown>;
  options: Required<JobOptions>;
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  return new PgBossRunner(options);
}

class PgBossRunner implements JobRunner {
  readonly #boss: PgBoss;
  readonly #settings: JobSettings;
  readonly #log: JobLog;
  readonly #registrations = new Map<string, Registration>();
  readonly #schedules = new Map<string, { schedule: Schedule; payload: object }>();
  /** Names whose queue exists: enqueue never asks pg-boss to look one up inside a transaction. */
  readonly #ready = new Set<string>();
  readonly #counters = new Map<string, JobCounters>();
  #activations: Promise<unknown>[] = [];
  #started = false;
  #running = false;

  constructor(options: JobRunnerOptions) {
    this.#settings = options.settings;
    this.#log = options.log ?? console;
    const embedded = options.db.dialect === 'pglite';
    this.#boss = new PgBoss({
      ...bossConnection(options.db, options.databaseUrl, options.settings.poolSize),
      schema: 'pgboss',
      useListenNotify: true,
      schedule: false, // recurring jobs are chains of delayed jobs (schedule.ts), to the second
      supervise: true,
      superviseIntervalSeconds: options.settings.superviseSeconds,
      // expiry and heartbeat checks run with the queue monitor: both at the supervision pace
      monitorIntervalSeconds: options.settings.superviseSeconds,
      // PGlite has no autovacuum and one connection: no vacuum warnings, no REINDEX CONCURRENTLY
      monitorVacuum: !embedded,
      reindex: !embedded,
      openTelemetry: { enabled: false },
    });
    this.#boss.on('error', (err) => this.#log.error(`jobs: ${err.message}`));
    this.#boss.on('warning', (warning) => this.#log.warn(`jobs: ${warning.message}`));
  }

  get running(): boolean {
    return this.#running;
  }

  register<Payload>(name: string, handler: JobHandler<Payload>, options: JobOptions = {}): void {
    this.#add({ name, handler: handler as JobHandler<unknown>, options: jobOptions(name, options) });
  }

  declare(name: string, options: JobOptions = {}): void {
    this.#add({ name, options: jobOptions(name, options) });
  }

  schedule(name: string, spec: string, payload: object = {}): void {
    const entry = { schedule: parseSchedule(spec), payload };
    this.#schedules.set(name, entry);
    if (this.#ready.has(name)) {
      this.#activations.push(this.#seed(name, new Date()).catch((err) => this.#fail(name, err)));
    }
  }

  async enqueue<Payload extends object>(
    tx: SqlExecutor,
    name: string,
    payload: Payload,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const { id, startAfter, retryLimit } = this.#jobFields(name, options);
    // pg-boss validates every key given, even an undefined one
    const created = await this.#boss.send(name, payload, {
      db: transactionDb(tx),
      id,
      ...(startAfter ? { startAfter } : {}),
      ...(retryLimit === undefined ? {} : { retryLimit }),
    });
    return created ?? id;
  }

  async enqueueMany<Payload extends object>(
    tx: SqlExecutor,
    name: string,
    jobs: readonly { payload: Payload; options?: EnqueueOptions }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    const rows = jobs.map(({ payload, options = {} }) => {
      const { id, startAfter, retryLimit } = this.#jobFields(name, options);
      return {
        id,
        data: payload,
        ...(startAfter ? { startAfter } : {}),
        ...(retryLimit === undefined ? {} : { retryLimit }),
      };
    });
    // two jobs of one key in a batch: the first is the one kept, as two enqueues would
    const byId = new Map<string, (typeof rows)[number]>();
    for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, row);
    await this.#boss.insert(name, [...byId.values()], { db: transactionDb(tx) });
  }

  /** A job's id (from its key, else new), its start and its retries, checked. */
  #jobFields(name: string, options: EnqueueOptions): { id: string; startAfter?: Date; retryLimit?: number } {
    if (!this.#started) throw new Error(`cannot enqueue "${name}": the job runner is not started`);
    if (!this.#ready.has(name)) throw new Error(`no job named "${name}": register or declare it first`);
    if (options.maxAttempts !== undefined) positiveInteger(`${name}: maxAttempts`, options.maxAttempts);
    return {
      id: options.key === undefined ? crypto.randomUUID() : jobIdForKey(name, options.key),
      ...(options.runAt ? { startAfter: options.runAt } : {}),
      ...(options.maxAttempts === undefined ? {} : { retryLimit: options.maxAttempts - 1 }),
    };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      await this.#boss.start();
      await this.#ensureQueue(DEAD_LETTER_QUEUE, { retentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
      for (const registration of this.#registrations.values()) await this.#activate(registration);
    } catch (err) {
      this.#started = false;
      await this.#boss.stop({ graceful: false }).catch(() => undefined);
      throw err;
    }
    this.#running = true;
  }

  async ready(): Promise<void> {
    await Promise.allSettled(this.#activations);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#running = false;
    await Promise.allSettled(this.#activations);
    await this.#boss.stop({ graceful: true, timeout: this.#settings.stopSeconds * 1000 });
    this.#started = false;
    this.#ready.clear();
  }

  async stats(): Promise<JobStats> {
    const queues = await this.#boss.getQueues();
    const dead = queues.find((q) => q.name === DEAD_LETTER_QUEUE);
    return {
      queues: queues
        .filter((q) => q.name !== DEAD_LETTER_QUEUE)
        .map((q) => ({
          name: q.name,
          ready: Number(q.readyCount ?? 0),
          deferred: Number(q.deferredCount ?? 0),
          active: Number(q.activeCount ?? 0),
          failed: Number(q.failedCount ?? 0),
        })),
      deadLetters: Number(dead?.queuedCount ?? 0),
      counters: Object.fromEntries([...this.#counters].map(([name, c]) => [name, { ...c }])),
    };
  }

  async deadJobs(options: { limit?: number; after?: string } = {}): Promise<DeadJob[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
    if (options.after !== undefined && !UUID.test(options.after)) return [];
    // pg-boss refuses an `after` that no longer exists (retried meanwhile): the page is then empty
    const jobs = await this.#boss
      .findJobs(DEAD_LETTER_QUEUE, { limit, ...(options.after ? { after: options.after } : {}) })
      .catch((err: Error) => {
        if (options.after) return [];
        throw err;
      });
    return jobs.map((job) => ({
      id: job.id,
      name: job.sourceName ?? job.name,
      jobId: job.sourceId,
      payload: job.data,
      attempts: (job.sourceRetryCount ?? 0) + 1,
      error: errorMessage(job.sourceOutput),
      enqueuedAt: job.sourceCreatedOn ? new Date(job.sourceCreatedOn).toISOString() : null,
      failedAt: new Date(job.createdOn).toISOString(),
    }));
  }

  async retryDead(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.#boss.redrive(DEAD_LETTER_QUEUE, { ids: [id] })) > 0;
  }

  // ---- inside ------------------------------------------------------------------------------

  #add(registration: Registration): void {
    this.#registrations.set(registration.name, registration);
    if (this.#started) {
      this.#activations.push(this.#activate(registration).catch((err) => this.#fail(registration.name, err)));
    }
  }

  async #activate(registration: Registration): Promise<void> {
    const { name, handler, options } = registration;
    await this.#ensureQueue(name, {
      retryLimit: options.maxAttempts - 1,
      retryDelay: options.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: options.retryDelayMaxSeconds,
      expireInSeconds: options.timeoutSeconds,
      heartbeatSeconds: options.heartbeatSeconds,
      deadLetter: DEAD_LETTER_QUEUE,
      notify: true,
    });
    this.#ready.add(name);
    if (this.#schedules.has(name)) await this.#seed(name, new Date());
    if (!handler) return;
    this.#counters.set(name, { completed: 0, failedAttempts: 0, dead: 0 });
    await this.#boss.work(
      name,
      {
        includeMetadata: true,
        perJobResults: true,
        // `concurrency` workers, each taking two jobs at a time and running them one after the
        // other: a full batch makes the worker fetch again at once, so a backlog drains without
        // waiting a poll interval per job (pg-boss bursts only on batches larger than one)
        localConcurrency: options.concurrency,
        batchSize: 2,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: this.#settings.pollSeconds,
        notifyPollingIntervalSeconds: this.#settings.pollSeconds,
      },
      async (jobs: JobWithMetadata<unknown>[]) => {
        const results: JobResult[] = [];
        for (const job of jobs) results.push(await this.#run(name, handler, job));
        return results;
      },
    );
  }

  async #ensureQueue(name: string, options: Omit<Queue, 'name'>): Promise<void> {
    if (await this.#boss.getQueue(name)) {
      // options of this version of the code win; pg-boss refuses keys given as undefined
      const { deadLetter, notify, ...rest } = options;
      await this.#boss.updateQueue(name, {
        ...rest,
        deadLetter: deadLetter ?? null,
        ...(notify === undefined ? {} : { notify }),
      });
    } else {
      await this.#boss.createQueue(name, options);
    }
  }

  async #run(name: string, handler: JobHandler<unknown>, job: JobWithMetadata<unknown>): Promise<JobResult> {
    const counters = this.#counters.get(name)!;
    const scheduledFor = occurrenceOf(job.singletonKey);
    // the next occurrence is filed before this one runs, so a failing run never ends the chain
    if (scheduledFor) {
      const after = new Date(Math.max(Date.now(), scheduledFor.getTime()));
      await this.#seed(name, after).catch((err) => this.#fail(name, err));
    }
    const context = {
      id: job.id,
      name,
      attempt: job.retryCount + 1,
      maxAttempts: job.retryLimit + 1,
      signal: job.signal,
      scheduledFor,
    };
    try {
      await handler(job.data, context);
      counters.completed += 1;
      return { id: job.id, status: 'completed' };
    } catch (err) {
      counters.failedAttempts += 1;
      const permanent = err instanceof PermanentJobFailure;
      if (permanent || context.attempt >= context.maxAttempts) counters.dead += 1;
      const error = err instanceof Error ? err : new Error(String(err));
      return {
        id: job.id,
        status: permanent ? 'deadletter' : 'failed',
        output: { name: error.name, message: error.message },
      };
    }
  }

  /** Files the occurrence after `after` of a schedule; the same occurrence is one job everywhere. */
  async #seed(name: string, after: Date): Promise<void> {
    const entry = this.#schedules.get(name);
    if (!entry || !this.#started || !this.#ready.has(name)) return;
    const at = entry.schedule.next(after);
    await this.#boss.send(name, entry.payload, {
      id: jobIdForKey(name, occurrenceKey(at)),
      singletonKey: occurrenceKey(at),
      startAfter: at,
    });
  }

  #fail(name: string, err: unknown): void {
    this.#log.error(`jobs: ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function jobOptions(name: string, options: JobOptions): Required<JobOptions> {
  const merged = { ...DEFAULT_JOB_OPTIONS, ...options };
  positiveInteger(`${name}: maxAttempts`, merged.maxAttempts);
  positiveInteger(`${name}: concurrency`, merged.concurrency);
  positiveInteger(`${name}: timeoutSeconds`, merged.timeoutSeconds);
  if (!Number.isInteger(merged.heartbeatSeconds) || merged.heartbeatSeconds < 10) {
    throw new Error(`${name}: heartbeatSeconds must be an integer ≥ 10`);
  }
  return merged;
}

function positiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer`);
}

function errorMessage(output: unknown): string | null {
  if (output && typeof output === 'object' && 'message' in output) return String(output.message);
  return output === null || output === undefined ? null : JSON.stringify(output);
}
