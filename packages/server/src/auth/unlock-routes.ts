/**
 * Lifting a lock on a login (throttle.ts). Its owner asks for a code, sent to the account's email
 * (else its phone), and gives it back; an administrator lifts any lock at once. The request answers
 * 202 whatever the login — existing or not, locked or not — and works in the background, so that
 * neither its answer nor its timing tells whether an account exists; a code goes out only when the
 * login is locked (or slowed at the asker's address), at most once a minute.
 *
 *   POST /auth/unlock/request {login}        → 202
 *   POST /auth/unlock {login, code}          → 204 | 400 invalid_code | 429 (address blocked)
 *   POST /auth/admin/unlock {login | client} → 204 (administrators)
 */
import { AdminUnlockRequest, UnlockCodeRequest, UnlockRequest } from '@sahti/contracts';
import type { FastifyInstance } from 'fastify';
import { findAccountByLogin } from './accounts.ts';
import type { Authenticator } from './authenticator.ts';
import { CODE_REQUEST_LIMIT } from './code-routes.ts';
import type { AuthCore } from './core.ts';
import { field, ok, refuse } from './http.ts';
import { codeRecentlyIssued, consumeDigitCode, issueDigitCode } from './one-time-codes.ts';
import { clientSubject, loginSubject } from './throttle.ts';

const UNLOCK_CODE_SECONDS = 15 * 60;
const UNLOCK_INTERVAL_SECONDS = 60;

export function registerUnlockRoutes(app: FastifyInstance, core: AuthCore, auth: Authenticator): void {
  app.post(
    '/auth/unlock/request',
    { schema: { body: UnlockCodeRequest }, config: CODE_REQUEST_LIMIT },
    async (req, reply) => {
      const login = field(req, 'login');
      if (!login) return refuse(reply, 400, 'invalid_request', 'Send JSON {"login": your login}');
      void sendUnlockCode(core, login, req.ip).catch((err: Error) =>
        req.log.error({ err: { message: err.message } }, 'unlock code not sent'),
      );
      return ok(reply, 202, {
        message: 'If this login exists and is locked, a code was sent to the email or phone of the account',
      });
    },
  );

  app.post('/auth/unlock', { schema: { body: UnlockRequest } }, async (req, reply) => {
    const login = field(req, 'login');
    const code = field(req, 'code');
    if (!login || !code)
      return refuse(reply, 400, 'invalid_request', 'Send JSON {"login": …, "code": the code received}');
    const wait = await core.throttle.addressWait(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return refuse(reply, 429, 'too_many_attempts', 'Too many failed attempts from here: try again later');
    }
    const account = await findAccountByLogin(core.db, login);
    if (!account || !(await consumeDigitCode(core.db, account.id, 'account-unlock', code))) {
      await core.throttle.addressFailed(req.ip);
      return refuse(reply, 400, 'invalid_code', 'The code is wrong or has expired: ask for a new one');
    }
    await core.throttle.unlock(loginSubject(login), req.ip);
    return ok(reply, 204);
  });

  app.post('/auth/admin/unlock', { schema: { body: AdminUnlockRequest } }, async (req, reply) => {
    const principal = await auth.authenticate(req);
    if (!principal) return refuse(reply, 401, 'login_required', 'Sign in as an administrator');
    if (!principal.roles.includes('administrator'))
      return refuse(reply, 403, 'forbidden', 'Only administrators lift locks');
    const login = field(req, 'login');
    const client = field(req, 'client');
    if (!login === !client)
      return refuse(reply, 400, 'invalid_request', 'Send JSON {"login": …} or {"client": client id}');
    await core.throttle.unlock(login ? loginSubject(login) : clientSubject(client as string));
    return ok(reply, 204);
  });
}

async function sendUnlockCode(core: AuthCore, login: string, address: string): Promise<void> {
  const account = await findAccountByLogin(core.db, login);
  if (!account || !(account.email || account.phone)) return;
  if (!(await core.throttle.lockedOrSlowed(loginSubject(login), address))) return;
  if (await codeRecentlyIssued(core.db, account.id, 'account-unlock', UNLOCK_INTERVAL_SECONDS)) return;
  // refused (the day's codes or wrong tries used up): nothing is sent, and the asker is told nothing
  const issued = await issueDigitCode(core.db, account.id, 'account-unlock', UNLOCK_CODE_SECONDS);
  if ('refused' in issued) return;
  const { code } = issued;
  const text =
    `Sahti : code de déverrouillage de votre compte ${code} (15 minutes). ` +
    `Your account unlock code is ${code} (15 minutes). ` +
    'Si vous n’avez rien demandé, changez votre mot de passe. If you did not ask, change your password.';
  if (account.email) await core.messages.email(account.email, 'Sahti : déverrouiller / unlock', `${text}\n`);
  else if (account.phone) await core.messages.sms(account.phone, text);
}
