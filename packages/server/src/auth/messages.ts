/**
 * Sends what identity needs to tell a person (codes, reset links) through the notification outbox
 * (notify/): each message is a row the dispatcher delivers — email over SMTP_URL, SMS through the
 * configured provider — with retries and every attempt recorded. Without a provider for the
 * channel, messages wait in the outbox. The rows carry no patient id on purpose: codes must not
 * show in the patient's notification list, where whoever holds the session could read them. They
 * are marked sensitive (hidden from administrators, their text erased a day later), expire after
 * an hour (a code delivered later is useless), and their contents are never logged.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { enqueueNotification, type Notification, nudgeNotifications } from '../notify/index.ts';

/** Longer than any code or link identity sends is valid. */
const MESSAGE_LIFETIME_MS = 60 * 60 * 1000;

export interface MessageSettings {
  smtpUrl?: string;
  mailFrom: string;
}

export class MessageSender {
  private readonly db: SqlExecutor;

  /** Delivery settings (SMTP_URL, SMS provider) belong to the dispatcher; `_settings` is kept for callers. */
  constructor(db: SqlExecutor, _settings?: MessageSettings) {
    this.db = db;
  }

  async email(to: string, subject: string, text: string): Promise<void> {
    await this.send({ channel: 'email', recipient: to, subject, body: text });
  }

  async sms(to: string, text: string): Promise<void> {
    await this.send({ channel: 'sms', recipient: to, subject: 'Sahti', body: text });
  }

  /** A templated message (`login-code`, `confirmation-code`, `password-reset`) in the person's language. */
  async send(message: Notification): Promise<void> {
    await enqueueNotification(this.db, {
      sensitive: true,
      expiresAt: new Date(Date.now() + MESSAGE_LIFETIME_MS),
      ...message,
    });
    nudgeNotifications(this.db);
  }

  close(): void {}
}
