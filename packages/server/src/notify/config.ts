/** Settings of notification delivery, read once from the environment (README.md's configuration table). */
import { DEFAULT_SMS_TEMPLATE, type HttpSmsSettings } from './sms-http.ts';

export type SmsProviderKind = 'http' | 'console' | 'none';

export interface NotifySettings {
  /** smtp://… or smtps://…; without it emails wait in the outbox. */
  smtpUrl?: string;
  mailFrom: string;
  sms: { provider: SmsProviderKind; http?: HttpSmsSettings; consoleShowText: boolean };
  /** Delivery attempts before a notification fails (and its job becomes a dead letter). */
  maxAttempts: number;
  /** First retry delay; doubled at each retry, with jitter, up to an hour. */
  retrySeconds: number;
  /** How often the outbox is swept for new rows (callers in this process also wake it at once). */
  sweepMs: number;
  production: boolean;
}

/** `smtpUrl`/`mailFrom` come from the identity settings (SMTP_URL, SAHTI_MAIL_FROM) so both agree. */
export function readNotifySettings(
  env: NodeJS.ProcessEnv,
  mail: { smtpUrl?: string; mailFrom: string },
): NotifySettings {
  const number = (name: string, fallback: number, min: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return value;
  };
  const production = env.NODE_ENV === 'production';
  const url = env.SAHTI_SMS_URL || undefined;
  const provider = (env.SAHTI_SMS_PROVIDER ||
    (url ? 'http' : production ? 'none' : 'console')) as SmsProviderKind;
  if (!['http', 'console', 'none'].includes(provider)) {
    throw new Error('SAHTI_SMS_PROVIDER must be http, console or none');
  }
  if (provider === 'http' && !url) throw new Error('SAHTI_SMS_PROVIDER=http needs SAHTI_SMS_URL');
  return {
    smtpUrl: mail.smtpUrl,
    mailFrom: mail.mailFrom,
    sms: {
      provider,
      http: url
        ? {
            url,
            method: env.SAHTI_SMS_METHOD || 'POST',
            headers: parseHeaders(env.SAHTI_SMS_HEADERS),
            template: env.SAHTI_SMS_TEMPLATE || DEFAULT_SMS_TEMPLATE,
            contentType: env.SAHTI_SMS_CONTENT_TYPE || 'application/json',
            timeoutMs: number('SAHTI_SMS_TIMEOUT_MS', 10_000, 100),
          }
        : undefined,
      consoleShowText: !production && env.SAHTI_SMS_CONSOLE_SHOW === '1',
    },
    maxAttempts: Math.trunc(number('SAHTI_NOTIFY_MAX_ATTEMPTS', 8, 1)),
    retrySeconds: Math.trunc(number('SAHTI_NOTIFY_RETRY_SECONDS', 15, 1)),
    sweepMs: number('SAHTI_NOTIFY_SWEEP_MS', 1000, 50),
    production,
  };
}

/** SAHTI_SMS_HEADERS: a JSON object, e.g. {"Authorization":"Bearer …"}. */
function parseHeaders(text: string | undefined): Record<string, string> {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('SAHTI_SMS_HEADERS must be a JSON object of header names to values');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('SAHTI_SMS_HEADERS must be a JSON object of header names to values');
  }
  return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
}
