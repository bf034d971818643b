/**
 * Notifications to people (break-the-glass alerts, one-time codes…) go through an outbox table in
 * the same transaction as what caused them, so none is lost or sent for something rolled back.
 * A dispatcher delivers email over SMTP; SMS/WhatsApp stay queued until a gateway is configured.
 */
import type { Migration, SqlExecutor } from '@sahti/fhir';

export const NOTIFY_MIGRATIONS: Migration[] = [
  {
    version: 1300,
    name: 'notification outbox',
    sql: `
CREATE TABLE notification_outbox (
  id text PRIMARY KEY,
  patient_id text,
  channel text NOT NULL,
  recipient text,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX notification_outbox_pending ON notification_outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX notification_outbox_patient ON notification_outbox (patient_id, created_at);
`,
  },
];

export interface Notification {
  patientId?: string;
  channel: 'email' | 'sms';
  recipient?: string;
  subject: string;
  body: string;
}

export async function enqueueNotification(tx: SqlExecutor, n: Notification): Promise<string> {
  const id = crypto.randomUUID();
  await tx.query(
    `INSERT INTO notification_outbox (id, patient_id, channel, recipient, subject, body)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text)`,
    [id, n.patientId ?? null, n.channel, n.recipient ?? null, n.subject, n.body],
  );
  return id;
}

export async function notificationsFor(
  db: SqlExecutor,
  patientId: string,
): Promise<(Notification & { id: string; createdAt: string })[]> {
  const rows = await db.query<{
    id: string;
    channel: 'email' | 'sms';
    recipient: string | null;
    subject: string;
    body: string;
    created_at: Date;
  }>(
    `SELECT id, channel, recipient, subject, body, created_at FROM notification_outbox
      WHERE patient_id = $1::text ORDER BY created_at DESC LIMIT 100`,
    [patientId],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    patientId,
    channel: r.channel,
    recipient: r.recipient ?? undefined,
    subject: r.subject,
    body: r.body,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
