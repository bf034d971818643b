/**
 * Notifications to people (break-the-glass notices, one-time codes…) go through an outbox table in
 * the same transaction as what caused them, so none is lost or sent for something rolled back.
 * The dispatcher (dispatcher.ts) turns each pending row into a delivery job: email over SMTP, SMS
 * through the configured provider, retried with backoff, every attempt recorded.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { isLanguage, type Language } from './language.ts';
import { checkTemplate, renderTemplate, type TemplateKey } from './templates.ts';

export { NOTIFY_MIGRATIONS } from './migrations.ts';

export type Channel = 'email' | 'sms';
export type NotificationStatus = 'pending' | 'queued' | 'sent' | 'failed' | 'expired';

export interface Notification {
  /** The patient it is about (shown in their notification list); none for codes and links. */
  patientId?: string;
  channel: Channel;
  /** Email address or phone number; without one the notification fails (and an administrator sees it). */
  recipient?: string;
  /** A template of templates.ts, rendered at delivery in `language`. */
  template?: TemplateKey;
  params?: Record<string, string | number>;
  /** fr | ar | en. Absent: the patient's preferred language (Patient.communication), else French. */
  language?: Language;
  /** Free text, for callers without a template (both needed then). */
  subject?: string;
  body?: string;
  /** Not delivered after this instant (a code that has expired meanwhile). */
  expiresAt?: Date;
  /** Carries a secret (code, link): never shown to administrators; its text is erased a day after. */
  sensitive?: boolean;
}

/** Writes the notification in `tx` (the caller's transaction); the dispatcher delivers it after commit. */
export async function enqueueNotification(tx: SqlExecutor, n: Notification): Promise<string> {
  return (await enqueueNotifications(tx, [n]))[0];
}

/** Writes notifications in `tx` in one statement (a batch of bookings' confirmations); returns their ids. */
export async function enqueueNotifications(
  tx: SqlExecutor,
  list: readonly Notification[],
): Promise<string[]> {
  const rows = list.map((n) => {
    if (n.channel !== 'email' && n.channel !== 'sms') throw new Error(`unknown channel ${String(n.channel)}`);
    if (n.language !== undefined && !isLanguage(n.language))
      throw new Error(`unknown language ${n.language}`);
    if (n.template !== undefined) checkTemplate(n.template, n.params);
    else if (typeof n.subject !== 'string' || typeof n.body !== 'string') {
      throw new Error('a notification needs a template, or a subject and a body');
    }
    return {
      id: crypto.randomUUID(),
      patient_id: n.patientId ?? null,
      channel: n.channel,
      recipient: n.recipient ?? null,
      subject: n.template === undefined ? n.subject : null,
      body: n.template === undefined ? n.body : null,
      template: n.template ?? null,
      params: n.params ?? null,
      language: n.language ?? null,
      expires_at: n.expiresAt?.toISOString() ?? null,
      sensitive: n.sensitive ?? false,
    };
  });
  if (rows.length === 0) return [];
  await tx.query(
    `INSERT INTO notification_outbox
       (id, patient_id, channel, recipient, subject, body, template, params, language, expires_at, sensitive)
     SELECT id, patient_id, channel, recipient, subject, body, template, params, language, expires_at, sensitive
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, patient_id text, channel text, recipient text,
         subject text, body text, template text, params jsonb, language text, expires_at timestamptz,
         sensitive boolean)`,
    [JSON.stringify(rows)],
    { prepared: true }, // one text, one plan for any number of notifications
  );
  return rows.map((r) => r.id);
}

export interface PatientNotification {
  id: string;
  patientId: string;
  channel: Channel;
  recipient?: string;
  subject: string;
  body: string;
  status: NotificationStatus;
  createdAt: string;
}

/** A patient's notifications, newest first (a template not yet delivered is shown in its language or French). */
export async function notificationsFor(db: SqlExecutor, patientId: string): Promise<PatientNotification[]> {
  const rows = await db.query<{
    id: string;
    channel: Channel;
    recipient: string | null;
    subject: string | null;
    body: string | null;
    template: string | null;
    params: Record<string, unknown> | null;
    language: Language | null;
    status: NotificationStatus;
    created_at: Date;
  }>(
    `SELECT id, channel, recipient, subject, body, template, params, language, status, created_at
       FROM notification_outbox
      WHERE patient_id = $1::text ORDER BY created_at DESC LIMIT 100`,
    [patientId],
  );
  return rows.rows.map((r) => {
    const text = r.body === null && r.template ? renderOrBlank(r.template, r.language, r.params) : r;
    return {
      id: r.id,
      patientId,
      channel: r.channel,
      recipient: r.recipient ?? undefined,
      subject: text.subject ?? '',
      body: text.body ?? '',
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
    };
  });
}

/** A row's template in its language; blank if it cannot be rendered (erased parameters). */
function renderOrBlank(template: string, language: Language | null, params: Record<string, unknown> | null) {
  try {
    return renderTemplate(template, language ?? 'fr', params);
  } catch {
    return { subject: '', body: '' };
  }
}
