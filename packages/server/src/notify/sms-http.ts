/**
 * SMS through an HTTP gateway: a request to SAHTI_SMS_URL whose body is SAHTI_SMS_TEMPLATE with
 * `{to}` and `{text}` filled in, escaped for the content type (JSON string, form field, XML text;
 * always URL-encoded inside the URL). 2xx is delivered; 4xx (except 408, 429) is a refusal; other
 * answers and network errors are retried. The gateway's answer is never logged: it may echo the text.
 */
import { DeliveryRefused, type NotificationProvider, type OutgoingMessage } from './providers.ts';

export interface HttpSmsSettings {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Body with {to} and {text} placeholders (ignored for GET). */
  template: string;
  contentType: string;
  timeoutMs: number;
}

export const DEFAULT_SMS_TEMPLATE = '{"to":"{to}","text":"{text}"}';

type Escape = (value: string) => string;

const escapers: [RegExp, Escape][] = [
  [/json/i, (v) => JSON.stringify(v).slice(1, -1)],
  [/x-www-form-urlencoded/i, encodeURIComponent],
  [
    /xml/i,
    (v) =>
      v.replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
      ),
  ],
];

/** The template with {to} and {text} replaced in one pass (a text containing "{to}" stays as is). Pure. */
export function fillSmsTemplate(
  template: string,
  message: { to: string; text: string },
  escapeValue: Escape,
): string {
  return template.replace(/\{(to|text)\}/g, (_, name: 'to' | 'text') => escapeValue(message[name]));
}

export function escaperFor(contentType: string): Escape {
  return escapers.find(([pattern]) => pattern.test(contentType))?.[1] ?? ((v) => v);
}

export function httpSms(settings: HttpSmsSettings): NotificationProvider {
  const method = settings.method.toUpperCase();
  const withBody = method !== 'GET' && method !== 'HEAD';
  return {
    name: 'sms-http',
    async send(message: OutgoingMessage) {
      const sms = { to: message.to, text: message.text };
      const res = await fetch(fillSmsTemplate(settings.url, sms, encodeURIComponent), {
        method,
        headers: { ...(withBody ? { 'content-type': settings.contentType } : {}), ...settings.headers },
        body: withBody
          ? fillSmsTemplate(settings.template, sms, escaperFor(settings.contentType))
          : undefined,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      await res.body?.cancel();
      if (res.ok) return;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new DeliveryRefused(`SMS gateway refused the message (HTTP ${res.status})`);
      }
      throw new Error(`SMS gateway answered HTTP ${res.status}`);
    },
  };
}
