/**
 * The notification dispatcher: drains `notification_outbox` into delivery jobs. A sweep claims
 * pending rows (FOR UPDATE SKIP LOCKED, so processes sharing a database never take the same row)
 * and, in the same transaction, enqueues one `notify.deliver` job per row and marks it `queued`.
 * Retries, backoff, leases and dead letters are the job runner's; each attempt is recorded here.
 * Sweeps run every `sweepMs`, and at once when a caller in this process nudges after a commit.
 */
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import type { JobRunner } from '../jobs/index.ts';
import type { NotifySettings } from './config.ts';
import { type DeliveryDeps, deliverNotification } from './delivery.ts';
import { smtpEmail } from './email-smtp.ts';
import type { Language } from './language.ts';
import type { Channel } from './outbox.ts';
import type { NotificationProvider } from './providers.ts';
import { consoleSms } from './sms-console.ts';
import { httpSms } from './sms-http.ts';

export const DELIVER_JOB = 'notify.deliver';
export const MAINTAIN_JOB = 'notify.maintain';
const SWEEP_BATCH = 100;

export interface NotifyLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface NotificationDispatcherOptions {
  db: SqlClient;
  jobs: JobRunner;
  settings: NotifySettings;
  /** The patient's preferred language (Patient.communication), for notifications without one. */
  languageOf?: (patientId: string) => Promise<Language | undefined>;
  /** Overrides the providers built from `settings` (per channel). */
  providers?: Partial<Record<Channel, NotificationProvider>>;
  log?: NotifyLog;
}

export interface NotificationDispatcher {
  /** Channels that have a provider; rows of other channels wait in the outbox. */
  readonly channels: Channel[];
  /** Starts sweeping (the job runner runs the deliveries). */
  start(): void;
  /** Stops sweeping; deliveries in progress finish with the job runner's stop. */
  stop(): Promise<void>;
  /** Sweep soon: call after committing a transaction that enqueued notifications. */
  nudge(): void;
  /** One sweep now; the number of notifications handed to the job runner. */
  sweep(): Promise<number>;
}

/** Dispatchers by database, so code that only has the database (auth/messages.ts) can nudge. */
const byDatabase = new WeakMap<object, NotificationDispatcher>();

/** Wakes the dispatcher of this database, if this process runs one. */
export function nudgeNotifications(db: SqlExecutor): void {
  byDatabase.get(db)?.nudge();
}

export function createNotificationDispatcher(options: NotificationDispatcherOptions): NotificationDispatcher {
  const { db, jobs, settings } = options;
  const log = options.log ?? console;
  const providers = { ...providersFrom(settings, log), ...options.providers };
  const channels = (['email', 'sms'] as const).filter((c) => providers[c]);
  const deps: DeliveryDeps = { db, providers, languageOf: options.languageOf };

  jobs.register<{ id: string }>(DELIVER_JOB, (payload, job) => deliverNotification(deps, payload.id, job), {
    maxAttempts: settings.maxAttempts,
    retryDelaySeconds: settings.retrySeconds,
    retryDelayMaxSeconds: 3600,
    timeoutSeconds: 300,
    concurrency: 4,
  });
  jobs.register(
    MAINTAIN_JOB,
    async () => {
      await redactSecrets(db);
      await requeueOrphans(db);
    },
    { maxAttempts: 2 },
  );
  jobs.schedule(MAINTAIN_JOB, 'every 60 minutes');

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  const sweep = async (): Promise<number> => {
    if (channels.length === 0 || !jobs.running) return 0;
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM notification_outbox
          WHERE status = 'pending' AND channel = ANY($1::text[])
          ORDER BY created_at LIMIT $2::int FOR UPDATE SKIP LOCKED`,
        [channels, SWEEP_BATCH],
      );
      if (rows.length === 0) return 0;
      for (const { id } of rows) await jobs.enqueue(tx, DELIVER_JOB, { id });
      await tx.query(
        `UPDATE notification_outbox SET status = 'queued', queued_at = now() WHERE id = ANY($1::text[])`,
        [rows.map((r) => r.id)],
      );
      return rows.length;
    });
  };

  const drain = async () => {
    do {
      again = false;
      const swept = await sweep().catch((err: Error) => {
        log.error(`notifications: sweep failed: ${err.message}`);
        return 0;
      });
      if (swept === SWEEP_BATCH) again = true;
    } while (again && !stopped);
  };

  const dispatcher: NotificationDispatcher = {
    channels: [...channels],
    start() {
      if (!stopped) return;
      stopped = false;
      byDatabase.set(db, dispatcher);
      if (!providers.email) log.warn('notifications: no SMTP_URL — emails wait in notification_outbox');
      if (!providers.sms)
        log.warn('notifications: no SMS provider (SAHTI_SMS_URL) — SMS wait in notification_outbox');
      timer = setInterval(() => dispatcher.nudge(), settings.sweepMs);
      timer.unref();
      dispatcher.nudge();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (byDatabase.get(db) === dispatcher) byDatabase.delete(db);
      await sweeping;
      for (const provider of Object.values(providers)) provider?.close?.();
    },
    nudge() {
      if (stopped) return;
      if (sweeping) {
        again = true;
        return;
      }
      sweeping = drain().finally(() => {
        sweeping = undefined;
      });
    },
    sweep,
  };
  return dispatcher;
}

function providersFrom(
  settings: NotifySettings,
  log: NotifyLog,
): Partial<Record<Channel, NotificationProvider>> {
  const providers: Partial<Record<Channel, NotificationProvider>> = {};
  if (settings.smtpUrl) providers.email = smtpEmail({ url: settings.smtpUrl, from: settings.mailFrom });
  if (settings.sms.provider === 'http' && settings.sms.http) providers.sms = httpSms(settings.sms.http);
  if (settings.sms.provider === 'console') {
    providers.sms = consoleSms({ showText: settings.sms.consoleShowText, log: (line) => log.info(line) });
  }
  return providers;
}

/** Codes and links are worthless a day later and dangerous to keep: their text is erased. */
export async function redactSecrets(db: SqlExecutor): Promise<number> {
  const result = await db.query(
    `UPDATE notification_outbox SET body = NULL, params = NULL
      WHERE sensitive AND (body IS NOT NULL OR params IS NOT NULL)
        AND created_at < now() - interval '1 day'
        AND (status IN ('sent', 'failed', 'expired') OR expires_at < now())`,
  );
  return result.affectedRows ?? 0;
}

/**
 * A notification `queued` two days ago has lost its job (its retries end within hours): the queue
 * dropped it after its retention, or the job schema was restored apart. It goes back to `pending`.
 */
export async function requeueOrphans(db: SqlExecutor): Promise<number> {
  const result = await db.query(
    `UPDATE notification_outbox SET status = 'pending'
      WHERE status = 'queued' AND queued_at < now() - interval '2 days'`,
  );
  return result.affectedRows ?? 0;
}
