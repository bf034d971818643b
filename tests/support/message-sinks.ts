/**
 * Where a test server's messages go: a real SMTP server for email and a local HTTP SMS gateway,
 * with the environment that points the notification service at the gateway (sweeps every 100 ms,
 * jobs polled every 0.5 s). Pass `smtpUrl` to the server's auth options.
 */
import { type SmsGateway, startSmsGateway } from './sms-gateway.ts';
import { type SmtpInbox, startSmtpInbox } from './smtp-inbox.ts';

export interface MessageSinks {
  inbox: SmtpInbox;
  gateway: SmsGateway;
  /** For `startTestServer({}, { auth: { smtpUrl } })`. */
  smtpUrl: string;
}

export async function startMessageSinks(): Promise<MessageSinks> {
  const inbox = await startSmtpInbox();
  const gateway = await startSmsGateway();
  Object.assign(process.env, {
    SAHTI_JOBS_POLL_SECONDS: '0.5',
    SAHTI_NOTIFY_SWEEP_MS: '100',
    SAHTI_SMS_URL: `${gateway.url}/send`,
    SAHTI_SMS_TEMPLATE: '{"to":"{to}","text":"{text}"}',
  });
  return { inbox, gateway, smtpUrl: inbox.url };
}
