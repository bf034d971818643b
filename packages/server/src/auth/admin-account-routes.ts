/**
 * Administrators manage accounts: list and find them, create a staff account (the person chooses
 * their password through the emailed reset link), change roles and the linked Practitioner. Every
 * platform role can be given; several facilities per practitioner are PractitionerRoles of the
 * directory (one per facility), edited with the health worker.
 */
import { AccountCreateRequest, AccountUpdateRequest } from '@sahti/contracts';
import { FhirError } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../kernel/principal.ts';
import { createAccount, listAccounts, updateAccountRoles } from './accounts.ts';
import { webSession } from './authenticator.ts';
import type { AuthCore } from './core.ts';
import { ok, refuse } from './http.ts';
import { issueLinkToken } from './one-time-codes.ts';
import { randomToken } from './secrets.ts';
import { requireSession } from './session-routes.ts';

const WELCOME_SECONDS = 3 * 24 * 3600;

export function registerAdminAccountRoutes(app: FastifyInstance, core: AuthCore): void {
  const administrator = async (req: FastifyRequest, reply: FastifyReply, unsafe: boolean) => {
    const web = unsafe ? await requireSession(core, req, reply) : await webSession(core, req);
    if (!web) {
      if (!unsafe) refuse(reply, 401, 'login_required', 'No session: log in with POST /auth/login');
      return undefined;
    }
    if (!web.account.roles.includes('administrator')) {
      refuse(reply, 403, 'forbidden', 'Only administrators manage accounts');
      return undefined;
    }
    return web;
  };
  const failed = (reply: FastifyReply, err: unknown) => {
    if (err instanceof FhirError)
      return refuse(reply, err.status, 'invalid_request', err.outcome.issue?.[0]?.diagnostics ?? 'refused');
    throw err;
  };

  app.get('/auth/admin/accounts', async (req, reply) => {
    if (!(await administrator(req, reply, false))) return reply;
    const q = String((req.query as { q?: string }).q ?? '');
    return ok(reply, 200, { accounts: await listAccounts(core.db, q) });
  });

  app.post('/auth/admin/accounts', { schema: { body: AccountCreateRequest } }, async (req, reply) => {
    if (!(await administrator(req, reply, true))) return reply;
    const body = req.body as {
      login: string;
      displayName: string;
      email: string;
      phone?: string;
      roles: Role[];
      fhirUser?: string;
    };
    if (body.roles.includes('patient'))
      return refuse(reply, 400, 'invalid_request', 'Patients create their account themselves');
    try {
      const account = await createAccount(
        core.db,
        {
          kind: 'staff',
          login: body.login,
          // nobody knows it: the person sets theirs through the link below
          password: `${randomToken()}Aa1!`,
          email: body.email,
          ...(body.phone ? { phone: body.phone } : {}),
          roles: body.roles,
          ...(body.fhirUser ? { fhirUser: body.fhirUser } : {}),
          displayName: body.displayName,
        },
        core.config.secretKey,
      );
      const issued = await issueLinkToken(core.db, account.id, 'password-reset', WELCOME_SECONDS);
      // a new account has been sent nothing yet: a refusal here is a bug, not a client's mistake
      if ('refused' in issued) throw new Error(`welcome link refused: ${issued.refused}`);
      const { token } = issued;
      const link = `${core.config.publicUrl()}/reset-password#token=${token}`;
      await core.messages.email(
        body.email,
        'Sahti : votre compte / your account',
        `Un compte Sahti a été créé pour vous (identifiant : ${body.login}). Choisissez votre mot de passe (lien valable 3 jours) :\n${link}\n\n` +
          `A Sahti account was created for you (login: ${body.login}). Choose your password (link valid 3 days):\n${link}\n`,
      );
      return ok(reply, 201, { account });
    } catch (err) {
      return failed(reply, err);
    }
  });

  app.patch('/auth/admin/accounts/:id', { schema: { body: AccountUpdateRequest } }, async (req, reply) => {
    if (!(await administrator(req, reply, true))) return reply;
    const { id } = req.params as { id: string };
    try {
      const account = await updateAccountRoles(
        core.db,
        id,
        req.body as { roles?: Role[]; fhirUser?: string | null; displayName?: string },
      );
      if (!account) return refuse(reply, 404, 'not_found', 'No such account');
      return ok(reply, 200, { account });
    } catch (err) {
      return failed(reply, err);
    }
  });
}
