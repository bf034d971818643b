/**
 * Codes sent to a person: the password-reset link (email, single use, 30 min; it also lifts a lock
 * on the login) and the one-time code a patient confirms a sensitive action with (email or SMS,
 * 10 min, 5 tries). Unlock codes are in unlock-routes.ts. The reset
 * request answers the same whether or not the account exists, and sends in the background so
 * that its timing does not tell either.
 */
import {
  OneTimeCodeRequest,
  PasswordResetConfirmRequest,
  PasswordResetRequest,
  SmsResetConfirmRequest,
  SmsResetRequest,
} from '@sahti/contracts';
import type { SqlExecutor } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import { findAccount, findAccountByLogin, findAccountByLoginOrEmail, setPassword } from './accounts.ts';
import type { AuthCore } from './core.ts';
import { field, ok, refuse } from './http.ts';
import {
  codeRecentlyIssued,
  consumeDigitCode,
  consumeLinkToken,
  issueDigitCode,
  issueLinkToken,
} from './one-time-codes.ts';
import { passwordProblem } from './passwords.ts';
import { requireSession } from './session-routes.ts';
import { loginSubject } from './throttle.ts';

const RESET_SECONDS = 30 * 60;
const SENSITIVE_ACTION_SECONDS = 10 * 60;
/** One reset email per account per minute, so the form cannot flood an inbox. */
const RESET_INTERVAL_SECONDS = 60;
/**
 * Requests for a code or link per minute per caller (the verified principal, else the address:
 * hardening.ts), so that one address cannot send codes to every account in turn.
 */
export const CODE_REQUEST_LIMIT = { rateLimit: { max: 5, timeWindow: 60_000 } };

/** Consumes a patient's one-time code for a sensitive action; for the modules that require one. */
export function verifySensitiveActionCode(
  db: SqlExecutor,
  accountId: string,
  code: string,
): Promise<boolean> {
  return consumeDigitCode(db, accountId, 'sensitive-action', code);
}

export function registerCodeRoutes(app: FastifyInstance, core: AuthCore): void {
  app.post(
    '/auth/password-reset',
    { schema: { body: PasswordResetRequest }, config: CODE_REQUEST_LIMIT },
    async (req, reply) => {
      const login = field(req, 'login');
      if (!login) return refuse(reply, 400, 'invalid_request', 'Send JSON {"login": your login or email}');
      // everything after the answer, so that its timing tells nothing of the account either
      void (async () => {
        const account = await findAccountByLoginOrEmail(core.db, login);
        if (
          account?.email &&
          !(await codeRecentlyIssued(core.db, account.id, 'password-reset', RESET_INTERVAL_SECONDS))
        ) {
          const email = account.email;
          // refused (the day's links were sent): nothing more, and the asker is told nothing
          const issued = await issueLinkToken(core.db, account.id, 'password-reset', RESET_SECONDS);
          if ('refused' in issued) return;
          const { token } = issued;
          const link = `${core.config.publicUrl()}/reset-password#token=${token}`;
          await core.messages.email(
            email,
            'Sahti : réinitialiser votre mot de passe / reset your password',
            `Pour choisir un nouveau mot de passe, ouvrez ce lien (valable 30 minutes, une seule fois) :\n${link}\n\n` +
              `To choose a new password, open this link (valid 30 minutes, once):\n${link}\n\n` +
              'Si vous n’avez rien demandé, ignorez ce message. If you did not ask, ignore this message.\n',
          );
        }
      })().catch((err: Error) =>
        req.log.error({ err: { message: err.message } }, 'password-reset email not sent'),
      );
      return ok(reply, 202, {
        message: 'If this account exists and has an email, a reset link was sent to it',
      });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    { schema: { body: PasswordResetConfirmRequest } },
    async (req, reply) => {
      const token = field(req, 'token');
      const password = field(req, 'password');
      if (!token)
        return refuse(reply, 400, 'invalid_request', 'Send JSON {"token": from the link, "password": new}');
      const problem = passwordProblem(password);
      if (problem) return refuse(reply, 400, 'weak_password', problem);
      const accountId = await consumeLinkToken(core.db, 'password-reset', token);
      if (!accountId) {
        return refuse(
          reply,
          400,
          'invalid_token',
          'This link is invalid, expired or already used: ask for a new one',
        );
      }
      await setPassword(core.db, accountId, password as string);
      // the link proved the account's email: a lock on the login goes with the old password
      const account = await findAccount(core.db, accountId);
      if (account) await core.throttle.unlock(loginSubject(account.login), req.ip);
      return ok(reply, 204);
    },
  );

  // recovery without email: a 6-digit code to the account's phone (10 min, 5 tries), then a new
  // password with it; the same answer whatever the login, one code a minute at most
  app.post(
    '/auth/password-reset/sms',
    { schema: { body: SmsResetRequest }, config: CODE_REQUEST_LIMIT },
    async (req, reply) => {
      const login = field(req, 'login') ?? '';
      void (async () => {
        const account = await findAccountByLogin(core.db, login);
        if (
          account?.phone &&
          !(await codeRecentlyIssued(core.db, account.id, 'password-reset-sms', RESET_INTERVAL_SECONDS))
        ) {
          const phone = account.phone;
          const issued = await issueDigitCode(
            core.db,
            account.id,
            'password-reset-sms',
            SENSITIVE_ACTION_SECONDS,
          );
          if ('refused' in issued) return; // as for the emailed link
          const { code } = issued;
          await core.messages.sms(
            phone,
            `Sahti : code pour choisir un nouveau mot de passe ${code} (10 min). رمز تغيير كلمة المرور ${code}`,
          );
        }
      })().catch((err: Error) => req.log.error({ err: { message: err.message } }, 'reset SMS not sent'));
      return ok(reply, 202, {
        message: 'If this account exists and has a phone, a code was sent to it by SMS',
      });
    },
  );

  app.post(
    '/auth/password-reset/sms/confirm',
    { schema: { body: SmsResetConfirmRequest } },
    async (req, reply) => {
      const login = field(req, 'login') ?? '';
      const code = (field(req, 'code') ?? '').replace(/\s/g, '');
      const password = field(req, 'password');
      const problem = passwordProblem(password);
      if (problem) return refuse(reply, 400, 'weak_password', problem);
      const account = await findAccountByLogin(core.db, login);
      // a wrong code costs a try of the code and counts against the address like a wrong password
      const admitted = await core.throttle.admit(loginSubject(login), req.ip);
      if (!admitted.ok) {
        reply.header('retry-after', String(admitted.retryAfter));
        return refuse(reply, 429, 'too_many_attempts', 'Too many attempts: wait before trying again');
      }
      if (!account || !(await consumeDigitCode(core.db, account.id, 'password-reset-sms', code))) {
        await core.throttle.failed(admitted.ticket);
        return refuse(
          reply,
          400,
          'invalid_code',
          'This code is wrong, expired or already used: ask for a new one',
        );
      }
      await core.throttle.succeeded(admitted.ticket);
      await setPassword(core.db, account.id, password as string);
      await core.throttle.unlock(loginSubject(account.login), req.ip);
      return ok(reply, 204);
    },
  );

  app.post(
    '/auth/one-time-code',
    { schema: { body: OneTimeCodeRequest }, config: CODE_REQUEST_LIMIT },
    async (req, reply) => {
      const web = await requireSession(core, req, reply);
      if (!web) return reply;
      const channel = field(req, 'channel') ?? 'email';
      const to = channel === 'sms' ? web.account.phone : channel === 'email' ? web.account.email : undefined;
      if (channel !== 'sms' && channel !== 'email') {
        return refuse(reply, 400, 'invalid_request', 'channel is "email" or "sms"');
      }
      if (!to)
        return refuse(
          reply,
          409,
          'no_contact',
          `This account has no ${channel === 'sms' ? 'phone number' : 'email'}`,
        );
      const issued = await issueDigitCode(
        core.db,
        web.account.id,
        'sensitive-action',
        SENSITIVE_ACTION_SECONDS,
      );
      if ('refused' in issued) {
        reply.header('retry-after', String(issued.retryAfter));
        return refuse(
          reply,
          429,
          'too_many_attempts',
          issued.refused === 'too_many_tries'
            ? 'Too many wrong codes today: try again tomorrow'
            : 'Too many codes were sent today: use the last one received, or try again tomorrow',
        );
      }
      const { code } = issued;
      const text = `Sahti : votre code de confirmation est ${code} (10 minutes). Your confirmation code is ${code}.`;
      if (channel === 'sms') await core.messages.sms(to, text);
      else await core.messages.email(to, 'Sahti : code de confirmation / confirmation code', `${text}\n`);
      return ok(reply, 202, { channel, sentTo: mask(to) });
    },
  );
}

/** `f***@example.ma`, `+2126*****12`: enough to recognise, not to read. */
export function mask(contact: string): string {
  const at = contact.indexOf('@');
  if (at > 0) return `${contact[0]}***${contact.slice(at)}`;
  return `${contact.slice(0, 5)}*****${contact.slice(-2)}`;
}
