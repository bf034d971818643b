/**
 * Where messages leave Sahti: one provider per channel, behind one small interface, so a gateway
 * can be swapped without touching the dispatcher. A provider throws to have the delivery retried,
 * or `DeliveryRefused` when retrying cannot help (an address the server refuses for good).
 */

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
}

export interface NotificationProvider {
  /** Recorded with each attempt: `smtp`, `sms-http`, `sms-console`. */
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
  close?(): void;
}

/** A permanent refusal (SMTP 5xx, HTTP 4xx): the notification fails at once, without retries. */
export class DeliveryRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryRefused';
  }
}

/** For logs: `y***@example.ma`, `+2126*****78` — never a whole address. */
export function maskRecipient(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return to.length <= 7 ? '*'.repeat(to.length) : `${to.slice(0, 5)}*****${to.slice(-2)}`;
}
