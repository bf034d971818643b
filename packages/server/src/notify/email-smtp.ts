/** Email over SMTP with nodemailer (SMTP_URL: smtp://host:port or smtps://user:pass@host). */
import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryRefused, type NotificationProvider, type OutgoingMessage } from './providers.ts';

export function smtpEmail(settings: { url: string; from: string }): NotificationProvider {
  let transport: Transporter | undefined;
  return {
    name: 'smtp',
    async send(message: OutgoingMessage) {
      // bounded well under the delivery job's lease, so a hung server is a retry, not a double send
      transport ??= nodemailer.createTransport({
        url: settings.url,
        connectionTimeout: 20_000,
        greetingTimeout: 20_000,
        socketTimeout: 60_000,
      });
      try {
        await transport.sendMail({
          from: settings.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
      } catch (err) {
        const { responseCode, message: text } = err as { responseCode?: number; message: string };
        // 5yz is a permanent negative reply (RFC 5321): the same message will be refused again
        if (responseCode && responseCode >= 500 && responseCode < 600) {
          throw new DeliveryRefused(`SMTP ${responseCode}: ${text}`);
        }
        throw err;
      }
    },
    close() {
      transport?.close();
      transport = undefined;
    },
  };
}
