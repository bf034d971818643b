/**
 * Sends what identity needs to tell a person: emails through a real SMTP exchange (nodemailer, to
 * SMTP_URL); text messages into the notification outbox (notify/outbox.ts), where they wait for a
 * gateway — there is none here. Without SMTP_URL, emails wait in the same outbox. The rows carry
 * no patient id on purpose: codes must not show in the patient's notification list, where whoever
 * holds the session could read them. Contents are never logged: they carry codes and links.
 */
import type { SqlExecutor } from '@sahti/fhir';
import nodemailer, { type Transporter } from 'nodemailer';
import { enqueueNotification } from '../notify/outbox.ts';

export interface MessageSettings {
  smtpUrl?: string;
  mailFrom: string;
}

export class MessageSender {
  private readonly db: SqlExecutor;
  private readonly settings: MessageSettings;
  private transport: Transporter | undefined;

  constructor(db: SqlExecutor, settings: MessageSettings) {
    this.db = db;
    this.settings = settings;
  }

  async email(to: string, subject: string, text: string): Promise<void> {
    if (!this.settings.smtpUrl) {
      await enqueueNotification(this.db, { channel: 'email', recipient: to, subject, body: text });
      return;
    }
    this.transport ??= nodemailer.createTransport(this.settings.smtpUrl);
    await this.transport.sendMail({ from: this.settings.mailFrom, to, subject, text });
  }

  async sms(to: string, text: string): Promise<void> {
    await enqueueNotification(this.db, { channel: 'sms', recipient: to, subject: 'Sahti', body: text });
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}
