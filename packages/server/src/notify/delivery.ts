/**
 * One delivery attempt of one notification (the `notify.deliver` job): render it in the
 * recipient's language, hand it to the channel's provider, record the attempt. Throwing makes the
 * job runner retry with backoff; the last failed attempt marks the notification `failed`.
 */
import type { SqlClient } from '@sahti/fhir';
import { type JobContext, PermanentJobFailure } from '../jobs/index.ts';
import { DEFAULT_LANGUAGE, type Language } from './language.ts';
import type { Channel } from './outbox.ts';
import { DeliveryRefused, type NotificationProvider } from './providers.ts';
import { type RenderedMessage, renderTemplate } from './templates.ts';

export interface DeliveryDeps {
  db: SqlClient;
  providers: Partial<Record<Channel, NotificationProvider>>;
  /** The patient's preferred language, for notifications enqueued without one. */
  languageOf?: (patientId: string) => Promise<Language | undefined>;
}

interface DeliveryRow {
  id: string;
  patient_id: string | null;
  channel: Channel;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  template: string | null;
  params: Record<string, unknown> | null;
  language: Language | null;
  expires_at: Date | null;
}

/**
 * Every notification sent runs these fixed statements (its row, its attempt, its outcome): kept
 * prepared, planned once per connection instead of at each notification.
 */
const PLANNED_ONCE = { prepared: true } as const;

export async function deliverNotification(deps: DeliveryDeps, id: string, job: JobContext): Promise<void> {
  const { db } = deps;
  const row = (
    await db.query<DeliveryRow>(
      `SELECT id, patient_id, channel, recipient, subject, body, template, params, language, expires_at
         FROM notification_outbox WHERE id = $1::text AND status IN ('pending', 'queued', 'failed')`,
      [id],
      PLANNED_ONCE,
    )
  ).rows[0];
  if (!row) return; // delivered, expired or removed meanwhile
  if (row.expires_at && new Date(row.expires_at).getTime() <= Date.now()) {
    await db.query(
      `UPDATE notification_outbox SET status = 'expired' WHERE id = $1::text`,
      [id],
      PLANNED_ONCE,
    );
    return;
  }
  const provider = deps.providers[row.channel];
  const attempt = Number(
    (
      await db.query<{ attempts: number }>(
        'UPDATE notification_outbox SET attempts = attempts + 1 WHERE id = $1::text RETURNING attempts',
        [id],
        PLANNED_ONCE,
      )
    ).rows[0].attempts,
  );
  const fail = async (error: string, final: boolean, ms = 0) =>
    record(db, { id, attempt, provider: provider?.name ?? 'none', error, final, ms });

  if (!row.recipient) return fail('no recipient address', true); // nothing to retry: the job ends here
  if (!provider) {
    await fail(`no ${row.channel} provider is configured`, job.attempt >= job.maxAttempts);
    throw new Error(`no ${row.channel} provider is configured`);
  }
  const language = row.language ?? (await patientLanguageOf(deps, row.patient_id)) ?? DEFAULT_LANGUAGE;
  let message: RenderedMessage;
  try {
    message = row.template
      ? renderTemplate(row.template, language, row.params)
      : { subject: row.subject ?? '', body: row.body ?? '' };
  } catch (err) {
    await fail((err as Error).message, true);
    throw new PermanentJobFailure((err as Error).message);
  }
  const started = performance.now();
  try {
    await provider.send({ to: row.recipient, subject: message.subject, text: message.body });
  } catch (err) {
    const refused = err instanceof DeliveryRefused;
    const text = errorText(err);
    await fail(text, refused || job.attempt >= job.maxAttempts, performance.now() - started);
    throw refused ? new PermanentJobFailure(text) : err;
  }
  await record(db, {
    id,
    attempt,
    provider: provider.name,
    ms: performance.now() - started,
    sent: { message, language },
  });
}

async function patientLanguageOf(
  deps: DeliveryDeps,
  patientId: string | null,
): Promise<Language | undefined> {
  if (!patientId || !deps.languageOf) return undefined;
  return deps.languageOf(patientId).catch(() => undefined); // a deleted patient still gets the notice
}

interface AttemptRecord {
  id: string;
  attempt: number;
  provider: string;
  ms: number;
  /** Absent when the attempt failed. */
  sent?: { message: RenderedMessage; language: Language };
  error?: string;
  /** A failed attempt after which nothing more will be tried. */
  final?: boolean;
}

/** The attempt row and the notification's new state, together. */
async function record(db: SqlClient, a: AttemptRecord): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO notification_attempt (notification_id, attempt, provider, outcome, error, duration_ms)
       VALUES ($1::text, $2::int, $3::text, $4::text, $5::text, $6::int)
       ON CONFLICT (notification_id, attempt) DO NOTHING`,
      [a.id, a.attempt, a.provider, a.sent ? 'sent' : 'failed', a.error ?? null, Math.round(a.ms)],
      PLANNED_ONCE,
    );
    if (a.sent) {
      // the text as sent, in the language it was sent in (what the patient's list shows)
      await tx.query(
        `UPDATE notification_outbox SET status = 'sent', sent_at = now(), last_error = NULL,
                subject = $2::text, body = $3::text, language = $4::text
          WHERE id = $1::text`,
        [a.id, a.sent.message.subject, a.sent.message.body, a.sent.language],
        PLANNED_ONCE,
      );
    } else {
      await tx.query(
        `UPDATE notification_outbox SET status = $2::text, last_error = $3::text WHERE id = $1::text`,
        [a.id, a.final ? 'failed' : 'queued', a.error ?? null],
        PLANNED_ONCE,
      );
    }
  });
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
