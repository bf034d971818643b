/**
 * Who is asking, for the API: a bearer access token (signature, issuer, audience, expiry checked;
 * remembered a few seconds once verified, token-cache.ts) or the web-session cookie (its session and
 * account remembered alike, session-cache.ts). A request with
 * no credentials is anonymous (undefined); a request with a bad token is refused (401), and a
 * cookie-authenticated unsafe request without the session's CSRF token is refused (403) — both as
 * FhirErrors, which the app answers as OperationOutcomes. A stale or unknown cookie counts as no
 * credentials. The authentication hook (authentication-plugin.ts) runs this once per request and
 * decorates the request with the outcome; `authenticate` then just reads it.
 */
import { FhirError, outcome, type SqlClient } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from '../kernel/principal.ts';
import { type AccountSecrets, findAccount } from './accounts.ts';
import type { AuthConfig } from './config.ts';
import { type AuthCore, authCore } from './core.ts';
import { formatScopes, roleCeiling } from './scopes.ts';
import { safeEqual, sha256 } from './secrets.ts';
import { currentGeneration } from './session-cache.ts';
import { findSession, type Session, sessionCookie } from './sessions.ts';
import { principalFromClaims, verifyAccessToken } from './tokens.ts';

/** What the credentials of a request come to: a principal, nobody, or the refusal to answer with. */
export interface AuthOutcome {
  principal?: Principal;
  /** 401 (bad bearer token) or 403 (cookie without its CSRF token on an unsafe method). */
  error?: FhirError;
}

export interface Authenticator {
  /**
   * The caller: the request's decoration when the authentication hook ran, else verified now.
   * Throws the refusal (401/403 FhirError) when the credentials are bad; undefined when anonymous.
   */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
  /** Verifies the request's credentials without throwing (what the hook decorates with). */
  resolve(request: FastifyRequest): Promise<AuthOutcome>;
  /**
   * Whether the credentials of a request accepted earlier still hold now — the bearer token not
   * expired, the web session not ended (logout), expired or idle — without extending the session:
   * long-lived connections (WebSockets) re-check with this, and their traffic is not the user's.
   */
  stillValid(request: FastifyRequest): Promise<boolean>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requests the hook has decorated (a request object may be anything in unit tests). */
const decorated = new WeakSet<object>();

/** Sets `request.principal` and `request.authError`; `authenticate` reads them from then on. */
export function recordAuthentication(request: FastifyRequest, result: AuthOutcome): void {
  request.principal = result.principal;
  request.authError = result.error;
  decorated.add(request);
}

export function createAuthenticator(db: SqlClient, config: AuthConfig): Authenticator {
  const core = authCore(db, config);
  const resolve = async (request: FastifyRequest): Promise<AuthOutcome> => {
    try {
      return { principal: await verify(core, request) };
    } catch (err) {
      if (err instanceof FhirError) return { error: err };
      throw err;
    }
  };
  return {
    resolve,
    async authenticate(request) {
      const result = decorated.has(request)
        ? { principal: request.principal, error: request.authError }
        : await resolve(request);
      if (result.error) throw result.error;
      return result.principal;
    },
    async stillValid(request) {
      const authorization = request.headers.authorization;
      if (authorization) {
        try {
          await bearerPrincipal(core, authorization, request.ip);
          return true;
        } catch {
          return false;
        }
      }
      const token = sessionCookieValue(core, request);
      return token !== undefined && (await findSession(core.db, token, core.config, false)) !== undefined;
    },
  };
}

async function verify(core: AuthCore, request: FastifyRequest): Promise<Principal | undefined> {
  const authorization = request.headers.authorization;
  if (authorization) return bearerPrincipal(core, authorization, request.ip);
  const web = await webSession(core, request);
  if (!web) return undefined;
  if (!csrfTokenMatches(request, web.session)) {
    throw new FhirError(
      403,
      outcome('error', 'forbidden', 'Missing or wrong x-csrf-token header for this session'),
    );
  }
  return sessionPrincipal(web.account, request.ip);
}

async function bearerPrincipal(core: AuthCore, authorization: string, address: string): Promise<Principal> {
  const m = /^Bearer\s+([A-Za-z0-9\-_.]+)$/i.exec(authorization.trim());
  if (!m) throw unauthorized('invalid_request', 'Send "Authorization: Bearer <access token>"');
  const cached = core.tokenCache.get(m[1]);
  if (cached) return principalFromClaims(cached, address);
  const claims = await verifyAccessToken(core.keys, core.config, m[1]);
  if (claims === 'expired') throw unauthorized('invalid_token', 'The access token has expired');
  if (claims === 'invalid') throw unauthorized('invalid_token', 'The access token is not valid here');
  core.tokenCache.put(m[1], claims);
  return principalFromClaims(claims, address);
}

function unauthorized(error: string, text: string): FhirError {
  return new FhirError(401, outcome('error', 'login', text), {
    'www-authenticate': `Bearer error="${error}", error_description="${text}"`,
  });
}

/** Unsafe methods must echo the session's CSRF token; a cross-site page can read neither. */
export function csrfTokenMatches(request: FastifyRequest, session: Session): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const header = request.headers['x-csrf-token'];
  return typeof header === 'string' && safeEqual(header, session.csrfToken);
}

/** Scopes by set of roles: a session's principal is made per request, its scopes once per roles. */
const SESSION_SCOPES = new Map<string, readonly string[]>();

function sessionScopes(roles: readonly Role[]): readonly string[] {
  const key = roles.join(' ');
  let scopes = SESSION_SCOPES.get(key);
  if (!scopes) {
    scopes = formatScopes({ ...roleCeiling(roles), other: [] })
      .split(' ')
      .filter(Boolean);
    if (SESSION_SCOPES.size < 256) SESSION_SCOPES.set(key, scopes);
  }
  return scopes;
}

/** The scopes of a browser session: what the account's roles permit. */
export function sessionPrincipal(account: AccountSecrets, address: string | undefined): Principal {
  return {
    kind: account.kind,
    id: account.id,
    roles: account.roles,
    ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}),
    scopes: [...sessionScopes(account.roles)],
    display: account.displayName,
    clientId: 'web',
    ...(address ? { address } : {}),
  };
}

export function sessionCookieValue(core: AuthCore, request: FastifyRequest): string | undefined {
  const { name } = sessionCookie(core.config.publicUrl());
  // read here rather than through request.cookies so that it works whatever hook runs first
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The live session of the request's cookie and its account; undefined when there is none. */
export async function webSession(
  core: AuthCore,
  request: FastifyRequest,
): Promise<{ token: string; session: Session; account: AccountSecrets } | undefined> {
  const token = sessionCookieValue(core, request);
  if (!token) return undefined;
  const idHash = sha256(token);
  const cached = core.sessionCache.get(idHash);
  if (cached) return { token, ...cached };
  const generation = currentGeneration();
  const session = await findSession(core.db, token, core.config);
  if (!session) return undefined;
  const account = await findAccount(core.db, session.accountId);
  if (!account) return undefined;
  core.sessionCache.put(idHash, { session, account }, session.validUntil, generation);
  return { token, session, account };
}
