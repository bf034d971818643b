/**
 * SMS for development: written to the log instead of sent. Codes are secrets, so the log gets the
 * masked number and the length only — the text too only with SAHTI_SMS_CONSOLE_SHOW=1 outside
 * production (NODE_ENV=production ignores it).
 */
import { maskRecipient, type NotificationProvider, type OutgoingMessage } from './providers.ts';

export function consoleSms(settings: {
  showText: boolean;
  log: (line: string) => void;
}): NotificationProvider {
  return {
    name: 'sms-console',
    async send(message: OutgoingMessage) {
      const line = `SMS (console, not sent) to ${maskRecipient(message.to)}: ${message.text.length} characters`;
      settings.log(settings.showText ? `${line}\n${message.text}` : line);
    },
  };
}
