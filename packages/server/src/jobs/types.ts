/** The job runner's contract: what modules register, enqueue and read back (jobs/README.md). */
import type { SqlExecutor } from '@sahti/fhir';

export interface JobContext {
  /** The job's id (a UUID). */
  id: string;
  name: string;
  /** 1 on the first run, 2 on the first retry… */
  attempt: number;
  maxAttempts: number;
  /** Aborted when this worker loses the job (lease expired, stopped, cancelled by an operator). */
  signal: AbortSignal;
  /** For a scheduled job: the occurrence it runs for. */
  scheduledFor?: Date;
}

/** Resolves when the work is done; throws to be retried (or `PermanentJobFailure` not to be). */
export type JobHandler<Payload = unknown> = (payload: Payload, job: JobContext) => Promise<void>;

/** Per job name: retries, lease and concurrency. */
export interface JobOptions {
  /** Runs before the job becomes a dead letter (default 5). */
  maxAttempts?: number;
  /** First retry delay; each next one doubles, with jitter (default 10 s). */
  retryDelaySeconds?: number;
  /** Longest retry delay (default 1 h). */
  retryDelayMaxSeconds?: number;
  /** Longest run: past it the job is taken back and retried (default 15 min). */
  timeoutSeconds?: number;
  /**
   * The running worker renews its claim this often (≥ 10 s, default 30 s); a crashed worker's job
   * is retried once its claim is this old, at the next supervision pass.
   */
  heartbeatSeconds?: number;
  /** Jobs of this name run at once in this process (default 2). */
  concurrency?: number;
}

export interface EnqueueOptions {
  /** Not before this instant (delayed job). */
  runAt?: Date;
  /**
   * Deduplication: a second job of the same name and key is not created while the first is kept
   * (until its retention ends, 7 days after it finished by default).
   */
  key?: string;
  /** Overrides the name's `maxAttempts` for this job. */
  maxAttempts?: number;
}

/** A job that exhausted its attempts (or failed permanently), kept for an administrator. */
export interface DeadJob {
  /** Id of the dead letter (what `retryDead` takes). */
  id: string;
  /** Name of the job that failed. */
  name: string;
  /** Id the job had when it ran. */
  jobId: string | null;
  payload: unknown;
  attempts: number;
  error: string | null;
  enqueuedAt: string | null;
  failedAt: string;
}

export interface QueueDepth {
  name: string;
  /** Waiting and due. */
  ready: number;
  /** Waiting for their `runAt` (or a retry delay). */
  deferred: number;
  active: number;
  /** Failed jobs still kept (retention), for trends. */
  failed: number;
}

/** Counted in this process since it started: the input of metrics. */
export interface JobCounters {
  completed: number;
  /** Attempts that threw (retried or not). */
  failedAttempts: number;
  /** Jobs that became dead letters here. */
  dead: number;
}

export interface JobStats {
  /** Counted by the supervision pass, every `superviseSeconds`. */
  queues: QueueDepth[];
  /** Dead letters waiting for an administrator. */
  deadLetters: number;
  counters: Record<string, JobCounters>;
}

export interface JobRunner {
  /** Runs `handler` for jobs of `name` in this process (call before or after `start`). */
  register<Payload>(name: string, handler: JobHandler<Payload>, options?: JobOptions): void;
  /** A job name this process enqueues but does not run (another process registers its handler). */
  declare(name: string, options?: JobOptions): void;
  /**
   * Runs `name` on a schedule: `every 30 seconds`, `every 5 minutes`, `every 2 hours`, or a cron
   * expression (5 or 6 fields, Morocco's time). Each occurrence runs once across all processes.
   */
  schedule(name: string, spec: string, payload?: object): void;
  /**
   * Enqueues a job inside the caller's transaction: it exists only if that transaction commits.
   * Returns the job's id (with a `key`, the id of the job already there if there is one).
   */
  enqueue<Payload extends object>(
    tx: SqlExecutor,
    name: string,
    payload: Payload,
    options?: EnqueueOptions,
  ): Promise<string>;
  /**
   * Enqueues jobs of one name inside the caller's transaction, in one statement (a batch of
   * bookings' reminders); a job whose key is already taken is skipped, as with `enqueue`.
   */
  enqueueMany<Payload extends object>(
    tx: SqlExecutor,
    name: string,
    jobs: readonly { payload: Payload; options?: EnqueueOptions }[],
  ): Promise<void>;
  start(): Promise<void>;
  /** Resolves once every name registered, declared or scheduled so far is ready (after `start`). */
  ready(): Promise<void>;
  /** Stops claiming jobs, waits for running ones (up to `stopSeconds`), then stops. */
  stop(): Promise<void>;
  /** True between a successful start and stop (for readiness checks). */
  readonly running: boolean;
  stats(): Promise<JobStats>;
  /** Dead letters, oldest first; `after` is the last id of the previous page. */
  deadJobs(options?: { limit?: number; after?: string }): Promise<DeadJob[]>;
  /** Puts a dead letter back in its queue (with fresh attempts); false if there is no such dead letter. */
  retryDead(id: string): Promise<boolean>;
}

/** Thrown by a handler when retrying cannot help (a refused address): the job goes to the dead letters at once. */
export class PermanentJobFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobFailure';
  }
}
