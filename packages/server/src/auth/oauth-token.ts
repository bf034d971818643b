/**
 * POST /oauth2/token (RFC 6749, form-encoded): client_credentials for system clients
 * (client_secret_basic or client_secret_post), authorization_code with PKCE S256 for apps, and
 * refresh_token (rotated on each use; reusing a spent one revokes its whole family, as does
 * reusing an authorization code). Errors are `{error, error_description}`, 400 or 401; client
 * secret guessing is throttled like passwords (throttle.ts), before the secret's scrypt runs:
 * 429 `slow_down` with Retry-After.
 */
import { createHash } from 'node:crypto';
import type { OAuthErrorCode } from '@sahti/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AccountSecrets, findAccount } from './accounts.ts';
import { authenticateClient, findClient, type OAuthClient } from './clients.ts';
import type { AuthCore } from './core.ts';
import { ok, refuse } from './http.ts';
import { formatScopes, intersectScopes, parseScopes } from './scopes.ts';
import { randomToken, safeEqual, sha256 } from './secrets.ts';
import { clientSubject } from './throttle.ts';
import { issueAccessToken, issueIdToken } from './tokens.ts';

class OAuthError extends Error {
  readonly status: number;
  readonly error: OAuthErrorCode;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    error: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

const invalidGrant = (text: string) => new OAuthError(400, 'invalid_grant', text);
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function registerTokenRoute(app: FastifyInstance, core: AuthCore): void {
  app.post('/oauth2/token', async (req, reply) => {
    try {
      if (typeof req.body !== 'string') {
        throw new OAuthError(
          400,
          'invalid_request',
          'Send the parameters as application/x-www-form-urlencoded',
        );
      }
      const params = new URLSearchParams(req.body);
      const client = await tokenClient(core, req, params);
      const grant = params.get('grant_type');
      const body =
        grant === 'client_credentials'
          ? await clientCredentials(core, client, params)
          : grant === 'authorization_code'
            ? await authorizationCode(core, client, params)
            : grant === 'refresh_token'
              ? await refreshToken(core, client, params)
              : undefined;
      if (!body)
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type "${grant ?? ''}" is not supported`);
      reply.header('pragma', 'no-cache');
      return ok(reply, 200, body);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
      return refuse(reply, err.status, err.error, err.message);
    }
  });
}

/** The calling client: Basic header, or client_id (+ client_secret) in the body; public apps by id alone. */
async function tokenClient(
  core: AuthCore,
  req: FastifyRequest,
  params: URLSearchParams,
): Promise<OAuthClient> {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    if (params.has('client_secret'))
      throw new OAuthError(400, 'invalid_request', 'Use one client authentication method');
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [id, secret] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const client = await checkClientSecret(core, req.ip, decodeForm(id), decodeForm(secret));
    if (!client) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed', {
        'www-authenticate': 'Basic realm="sahti"',
      });
    }
    return client;
  }
  const clientId = params.get('client_id');
  if (!clientId)
    throw new OAuthError(
      401,
      'invalid_client',
      'Authenticate the client (Basic, or client_id and client_secret)',
    );
  const secret = params.get('client_secret');
  const client =
    secret !== null
      ? await checkClientSecret(core, req.ip, clientId, secret)
      : await findClient(core.db, clientId);
  if (!client || (secret === null && !client.public)) {
    throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
  }
  return client;
}

/** The client if the secret is its own; a throttled attempt is refused before any hash is computed. */
async function checkClientSecret(
  core: AuthCore,
  address: string,
  clientId: string,
  secret: string,
): Promise<OAuthClient | undefined> {
  const admission = await core.throttle.admit(clientSubject(clientId), address);
  if (!admission.ok) {
    throw new OAuthError(
      429,
      'slow_down',
      `Too many failed client authentications: retry in ${admission.retryAfter} s`,
      { 'retry-after': String(admission.retryAfter) },
    );
  }
  const client = await authenticateClient(core.db, clientId, secret);
  if (client) await core.throttle.succeeded(admission.ticket);
  else await core.throttle.failed(admission.ticket);
  return client;
}

function decodeForm(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

async function clientCredentials(core: AuthCore, client: OAuthClient, params: URLSearchParams) {
  if (client.kind !== 'system') {
    throw new OAuthError(400, 'unauthorized_client', 'client_credentials is for system clients');
  }
  const allowed = parseScopes(client.allowedScopes.join(' '));
  const requested = params.get('scope');
  const granted = requested === null ? allowed : intersectScopes(parseScopes(requested), allowed);
  granted.resources = granted.resources.filter((s) => s.context === 'system');
  granted.other = [];
  if (granted.resources.length === 0) {
    throw new OAuthError(400, 'invalid_scope', 'None of the requested scopes is allowed for this client');
  }
  const scope = formatScopes(granted);
  const { token, expiresIn } = await issueAccessToken(core.keys, core.config, {
    sub: client.clientId,
    kind: 'system',
    scope,
    client_id: client.clientId,
    roles: [],
    name: client.name,
  });
  return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope };
}

async function authorizationCode(core: AuthCore, client: OAuthClient, params: URLSearchParams) {
  if (client.kind !== 'app')
    throw new OAuthError(400, 'unauthorized_client', 'authorization_code is for apps');
  const codeHash = sha256(params.get('code') ?? '');
  const { rows } = await core.db.query<{
    client_id: string;
    account_id: string;
    redirect_uri: string;
    scope: string;
    code_challenge: string;
    live: boolean;
  }>(
    `UPDATE auth_authorization_code SET used_at = now() WHERE code_hash = $1::text AND used_at IS NULL
     RETURNING client_id, account_id, redirect_uri, scope, code_challenge, expires_at > now() AS live`,
    [codeHash],
  );
  const code = rows[0];
  if (!code) {
    // a code used twice may have been stolen: revoke what its first use obtained
    await core.db.query('UPDATE auth_refresh_token SET revoked = true WHERE family = $1::text', [codeHash]);
    throw invalidGrant('The code is unknown, expired or already used');
  }
  if (code.client_id !== client.clientId) throw invalidGrant('The code was issued to another client');
  if (!code.live) throw invalidGrant('The code has expired (60 s)');
  if (params.get('redirect_uri') !== code.redirect_uri)
    throw invalidGrant('redirect_uri differs from the authorization request');
  const verifier = params.get('code_verifier') ?? '';
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  if (!PKCE_VERIFIER.test(verifier) || !safeEqual(challenge, code.code_challenge)) {
    throw invalidGrant('code_verifier does not match the code_challenge');
  }
  const account = await findAccount(core.db, code.account_id);
  if (!account) throw invalidGrant('The account no longer exists');
  return tokensForAccount(core, account, client, code.scope, codeHash);
}

async function refreshToken(core: AuthCore, client: OAuthClient, params: URLSearchParams) {
  const tokenHash = sha256(params.get('refresh_token') ?? '');
  const { rows } = await core.db.query<{
    family: string;
    client_id: string;
    account_id: string;
    scope: string;
    live: boolean;
  }>(
    `UPDATE auth_refresh_token SET used_at = now() WHERE token_hash = $1::text AND used_at IS NULL AND NOT revoked
     RETURNING family, client_id, account_id, scope, expires_at > now() AS live`,
    [tokenHash],
  );
  const row = rows[0];
  if (!row) {
    await core.db.query(
      'UPDATE auth_refresh_token SET revoked = true WHERE family IN (SELECT family FROM auth_refresh_token WHERE token_hash = $1::text)',
      [tokenHash],
    );
    throw invalidGrant('The refresh token is unknown, revoked or already used');
  }
  if (row.client_id !== client.clientId) throw invalidGrant('The refresh token was issued to another client');
  if (!row.live) throw invalidGrant('The refresh token has expired');
  const account = await findAccount(core.db, row.account_id);
  if (!account) throw invalidGrant('The account no longer exists');
  const requested = params.get('scope');
  const scope =
    requested === null
      ? row.scope
      : formatScopes(intersectScopes(parseScopes(requested), parseScopes(row.scope)));
  return tokensForAccount(core, account, client, scope, row.family);
}

async function tokensForAccount(
  core: AuthCore,
  account: AccountSecrets,
  client: OAuthClient,
  scope: string,
  family: string,
) {
  const scopes = parseScopes(scope);
  const patient =
    account.kind === 'patient' &&
    account.fhirUser?.startsWith('Patient/') &&
    scopes.resources.some((s) => s.context === 'patient')
      ? account.fhirUser.slice('Patient/'.length)
      : undefined;
  const { token, expiresIn } = await issueAccessToken(core.keys, core.config, {
    sub: account.id,
    kind: account.kind,
    scope,
    client_id: client.clientId,
    roles: account.roles,
    ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}),
    ...(patient ? { patient } : {}),
    name: account.displayName,
  });
  const body: Record<string, unknown> = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope,
  };
  if (patient) body.patient = patient;
  if (scopes.other.includes('openid')) {
    body.id_token = await issueIdToken(core.keys, core.config, {
      sub: account.id,
      clientId: client.clientId,
      fhirUser: account.fhirUser,
      name: account.displayName,
    });
  }
  if (scopes.other.includes('offline_access') || scopes.other.includes('online_access')) {
    const refresh = randomToken();
    await core.db.query(
      `INSERT INTO auth_refresh_token (token_hash, family, client_id, account_id, scope, expires_at)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, now() + ($6::double precision * interval '1 second'))`,
      [sha256(refresh), family, client.clientId, account.id, scope, core.config.refreshTokenSeconds],
    );
    body.refresh_token = refresh;
  }
  return body;
}
