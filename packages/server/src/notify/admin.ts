/**
 * What administrators see of notifications: state, attempts and errors — never the text (codes,
 * links and clinical reasons are not theirs to read), and recipients masked.
 */
import type { SqlExecutor } from '@sahti/fhir';
import type { Channel, NotificationStatus } from './outbox.ts';
import { maskRecipient } from './providers.ts';

export const STATUSES: readonly NotificationStatus[] = ['pending', 'queued', 'sent', 'failed', 'expired'];

export interface NotificationSummary {
  id: string;
  patientId: string | null;
  channel: Channel;
  recipient: string | null;
  template: string | null;
  language: string | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  expiresAt: string | null;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  provider: string;
  outcome: 'sent' | 'failed';
  error: string | null;
  durationMs: number;
}

interface SummaryRow {
  id: string;
  patient_id: string | null;
  channel: Channel;
  recipient: string | null;
  template: string | null;
  language: string | null;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  expires_at: Date | null;
}

const SUMMARY_COLUMNS = `id, patient_id, channel, recipient, template, language, status, attempts, last_error,
  created_at, sent_at, expires_at`;

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function summary(r: SummaryRow): NotificationSummary {
  return {
    id: r.id,
    patientId: r.patient_id,
    channel: r.channel,
    recipient: r.recipient ? maskRecipient(r.recipient) : null,
    template: r.template,
    language: r.language,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: iso(r.sent_at),
    expiresAt: iso(r.expires_at),
  };
}

/** Newest first; `before` is the last id of the previous page. */
export async function listNotifications(
  db: SqlExecutor,
  options: { status?: NotificationStatus; limit: number; before?: string },
): Promise<NotificationSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [options.limit];
  if (options.status) {
    params.push(options.status);
    where.push(`status = $${params.length}::text`);
  }
  if (options.before) {
    params.push(options.before);
    where.push(
      `(created_at, id) < (SELECT created_at, id FROM notification_outbox WHERE id = $${params.length}::text)`,
    );
  }
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM notification_outbox
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT $1::int`,
    params,
  );
  return rows.map(summary);
}

export async function notificationWithAttempts(
  db: SqlExecutor,
  id: string,
): Promise<(NotificationSummary & { attempts: number; history: DeliveryAttempt[] }) | undefined> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM notification_outbox WHERE id = $1::text`,
    [id],
  );
  if (rows.length === 0) return undefined;
  const attempts = await db.query<{
    attempt: number;
    attempted_at: Date;
    provider: string;
    outcome: 'sent' | 'failed';
    error: string | null;
    duration_ms: number;
  }>(
    `SELECT attempt, attempted_at, provider, outcome, error, duration_ms FROM notification_attempt
      WHERE notification_id = $1::text ORDER BY attempt`,
    [id],
  );
  return {
    ...summary(rows[0]),
    history: attempts.rows.map((a) => ({
      attempt: Number(a.attempt),
      at: new Date(a.attempted_at).toISOString(),
      provider: a.provider,
      outcome: a.outcome,
      error: a.error,
      durationMs: Number(a.duration_ms),
    })),
  };
}

/** A failed or expired notification goes back to `pending` (fresh attempts); the caller nudges. */
export async function requeueNotification(
  db: SqlExecutor,
  id: string,
): Promise<'requeued' | 'not-found' | 'not-failed'> {
  const { rows } = await db.query<{ status: NotificationStatus; requeued: boolean }>(
    `WITH target AS (SELECT id, status FROM notification_outbox WHERE id = $1::text FOR UPDATE),
          changed AS (
            UPDATE notification_outbox o SET status = 'pending', last_error = NULL, expires_at = NULL
              FROM target WHERE o.id = target.id AND target.status IN ('failed', 'expired')
            RETURNING o.id)
     SELECT target.status, EXISTS (SELECT 1 FROM changed) AS requeued FROM target`,
    [id],
  );
  if (rows.length === 0) return 'not-found';
  return rows[0].requeued ? 'requeued' : 'not-failed';
}

/** The outbox backlog by status and channel (what is not yet sent), for dashboards and metrics. */
export async function outboxBacklog(
  db: SqlExecutor,
): Promise<{ status: NotificationStatus; channel: Channel; count: number }[]> {
  const { rows } = await db.query<{ status: NotificationStatus; channel: Channel; count: string }>(
    `SELECT status, channel, count(*) AS count FROM notification_outbox
      WHERE status IN ('pending', 'queued', 'failed') GROUP BY status, channel ORDER BY status, channel`,
  );
  return rows.map((r) => ({ status: r.status, channel: r.channel, count: Number(r.count) }));
}
