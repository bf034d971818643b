/**
 * The browser's side of identity: log in (password, then a second factor for staff), log out,
 * who am I, and TOTP enrolment. Sessions live in an httpOnly SameSite=Strict cookie; unsafe
 * requests echo the CSRF token returned here in `x-csrf-token`.
 */
import { LoginRequest, TotpConfirmRequest } from '@sahti/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Account, findAccountByLogin, publicAccount } from './accounts.ts';
import { csrfTokenMatches, sessionCookieValue, webSession } from './authenticator.ts';
import type { AuthCore } from './core.ts';
import { field, ok, refuse } from './http.ts';
import { attemptLogin } from './login.ts';
import { createSession, deleteSession, sessionCookie } from './sessions.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from './totp.ts';

/** What the page may know about the person logged in. */
export function userView(account: Account): Omit<Account, 'demo'> {
  const { demo: _demo, ...user } = publicAccount(account);
  return user;
}

export interface SessionEvent {
  kind: 'login' | 'logout';
  /** The account, when the login named one that exists. */
  account?: Account;
  status: number;
  address: string;
}

export function registerSessionRoutes(
  app: FastifyInstance,
  core: AuthCore,
  onEvent: (event: SessionEvent) => void = () => undefined,
): void {
  const cookie = () => sessionCookie(core.config.publicUrl());

  app.post('/auth/login', { schema: { body: LoginRequest } }, async (req, reply) => {
    const login = field(req, 'login');
    const password = field(req, 'password');
    if (!login || !password)
      return refuse(reply, 400, 'invalid_request', 'Send JSON {"login": …, "password": …}');
    const result = await attemptLogin(core, {
      login,
      password,
      totp: field(req, 'totp'),
      code: field(req, 'code'),
      address: req.ip,
    });
    if (!result.ok) {
      const known = await findAccountByLogin(core.db, login);
      onEvent({
        kind: 'login',
        account: known ? publicAccount(known) : undefined,
        status: result.status,
        address: req.ip,
      });
      if (result.status === 429) reply.header('retry-after', String(result.retryAfter));
      const extra =
        'factor' in result
          ? { factor: result.factor }
          : result.status === 429
            ? { locked: result.locked }
            : {};
      return refuse(reply, result.status, result.error, result.description, extra);
    }
    // a fresh session id on every login (no session fixation)
    const previous = sessionCookieValue(core, req);
    if (previous) await deleteSession(core.db, previous);
    const { token, csrfToken } = await createSession(core.db, result.account.id, req.ip, core.config);
    const { name, secure } = cookie();
    reply.setCookie(name, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
    onEvent({ kind: 'login', account: result.account, status: 200, address: req.ip });
    return ok(reply, 200, { csrfToken, user: userView(result.account) });
  });

  app.post('/auth/logout', async (req, reply) => {
    const web = await webSession(core, req);
    if (web) {
      if (!csrfTokenMatches(req, web.session)) return csrfRefusal(reply);
      await deleteSession(core.db, web.token);
      onEvent({ kind: 'logout', account: web.account, status: 204, address: req.ip });
    }
    const { name, secure } = cookie();
    reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'strict', secure });
    return ok(reply, 204);
  });

  app.get('/auth/me', async (req, reply) => {
    const web = await webSession(core, req);
    if (!web) return refuse(reply, 401, 'login_required', 'No session: log in with POST /auth/login');
    return ok(reply, 200, { csrfToken: web.session.csrfToken, user: userView(web.account) });
  });

  app.post('/auth/totp/enrol', async (req, reply) => {
    const web = await requireSession(core, req, reply);
    if (!web) return reply;
    if (web.account.kind !== 'staff') {
      return refuse(reply, 403, 'forbidden', 'Authenticator apps are for staff accounts');
    }
    const { secret, uri } = await startTotpEnrolment(core.db, web.account, core.config.secretKey);
    return ok(reply, 200, { secret, otpauthUri: uri });
  });

  app.post('/auth/totp/confirm', { schema: { body: TotpConfirmRequest } }, async (req, reply) => {
    const web = await requireSession(core, req, reply);
    if (!web) return reply;
    const code = field(req, 'code') ?? '';
    if (!(await confirmTotpEnrolment(core.db, web.account, code, core.config.secretKey))) {
      return refuse(
        reply,
        400,
        'invalid_code',
        'The code does not match the new secret: start again or wait for the next code',
      );
    }
    return ok(reply, 204);
  });
}

function csrfRefusal(reply: FastifyReply): FastifyReply {
  return refuse(reply, 403, 'csrf', 'Missing or wrong x-csrf-token header for this session');
}

/** A live session whose CSRF token the request carries; otherwise answers and returns undefined. */
export async function requireSession(core: AuthCore, req: FastifyRequest, reply: FastifyReply) {
  const web = await webSession(core, req);
  if (!web) {
    refuse(reply, 401, 'login_required', 'No session: log in with POST /auth/login');
    return undefined;
  }
  if (!csrfTokenMatches(req, web.session)) {
    csrfRefusal(reply);
    return undefined;
  }
  return web;
}
