/**
 * GET /oauth2/authorize — the authorization-code flow with PKCE (S256) for apps, SMART standalone
 * launch. The person must already have a web session (POST /auth/login). Checks, in RFC 6749
 * order: client and exact redirect_uri (errors answered here, never redirected to an unchecked
 * address), then the request (errors redirected to the app with its state). The code is random,
 * stored hashed, single use, valid 60 s. Apps are registered by administrators with their allowed
 * scopes; there is no consent screen yet, so an app gets at most what it was registered for.
 */
import type { OAuthErrorCode } from '@sahti/contracts';
import type { FastifyInstance } from 'fastify';
import { webSession } from './authenticator.ts';
import { findClient } from './clients.ts';
import type { AuthCore } from './core.ts';
import { refuse } from './http.ts';
import { formatScopes, intersectScopes, parseScopes, roleCeiling } from './scopes.ts';
import { randomToken, sha256 } from './secrets.ts';
import { tokenAudience } from './tokens.ts';

const CODE_SECONDS = 60;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function registerAuthorizeRoute(app: FastifyInstance, core: AuthCore): void {
  app.get('/oauth2/authorize', async (req, reply) => {
    const q = new URLSearchParams((req.raw.url ?? '').split('?')[1] ?? '');
    const client = await findClient(core.db, q.get('client_id') ?? '');
    if (client?.kind !== 'app') return refuse(reply, 400, 'invalid_client', 'Unknown client_id for an app');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      return refuse(
        reply,
        400,
        'invalid_request',
        'redirect_uri must be exactly one registered for this client',
      );
    }
    const state = q.get('state');
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (state !== null) target.searchParams.set('state', state);
      return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
    };
    const error = (code: OAuthErrorCode, description: string) =>
      back({ error: code, error_description: description });

    if (q.get('response_type') !== 'code')
      return error('unsupported_response_type', 'response_type must be code');
    if (q.get('code_challenge_method') !== 'S256' || !PKCE_CHALLENGE.test(q.get('code_challenge') ?? '')) {
      return error(
        'invalid_request',
        'PKCE is required: code_challenge (S256 of the verifier) and code_challenge_method=S256',
      );
    }
    const aud = q.get('aud');
    if (aud !== null && aud.replace(/\/$/, '') !== tokenAudience(core.config.publicUrl())) {
      return error('invalid_request', 'aud must be the FHIR base URL of this server');
    }

    const web = await webSession(core, req);
    if (!web) {
      return refuse(
        reply,
        401,
        'login_required',
        'Log in first (POST /auth/login), then open this address again',
      );
    }
    const granted = intersectScopes(
      intersectScopes(parseScopes(q.get('scope') ?? ''), parseScopes(client.allowedScopes.join(' '))),
      roleCeiling(web.account.roles),
    );
    if (granted.resources.length === 0) {
      return error('invalid_scope', 'None of the requested scopes can be granted to this app for this user');
    }

    const code = randomToken();
    await core.db.query(
      `INSERT INTO auth_authorization_code (code_hash, client_id, account_id, redirect_uri, scope, code_challenge, expires_at)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, now() + interval '${CODE_SECONDS} seconds')`,
      [
        sha256(code),
        client.clientId,
        web.account.id,
        redirectUri,
        formatScopes(granted),
        q.get('code_challenge'),
      ],
    );
    return back({ code });
  });
}
