/**
 * Real SMART tokens for tests: system clients through client credentials, and app tokens for a
 * signed-in person through the authorization-code flow with PKCE — the paths third parties use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from '../../packages/server/src/auth/index.ts';
import type { Person } from './people.ts';
import { clientToken, type TestServer } from './server.ts';

const REDIRECT = 'https://app.test.sahti.ma/callback';
let counter = 0;

/** A system client allowed exactly `scope`, and a token for it. */
export async function systemToken(server: TestServer, scope: string): Promise<string> {
  const clientId = `sys-${++counter}-${randomBytes(3).toString('hex')}`;
  const secret = `secret-${randomBytes(12).toString('hex')}`;
  await createClient(server.platform.db, {
    clientId,
    name: clientId,
    kind: 'system',
    secret,
    allowedScopes: scope.split(' '),
  });
  return clientToken(server.url, clientId, secret, scope);
}

/** A public app registered for `scope`; the person authorises it; returns the access token. */
export async function appToken(server: TestServer, person: Person, scope: string): Promise<string> {
  const clientId = `app-${++counter}-${randomBytes(3).toString('hex')}`;
  await createClient(server.platform.db, {
    clientId,
    name: clientId,
    kind: 'app',
    public: true,
    allowedScopes: [...scope.split(' '), 'openid', 'fhirUser', 'launch/patient'],
    redirectUris: [REDIRECT],
  });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = await fetch(
    `${server.url}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: `${scope} openid fhirUser launch/patient`,
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`,
    { headers: { cookie: person.cookie }, redirect: 'manual' },
  );
  const location = authorize.headers.get('location');
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (!code) throw new Error(`authorize failed: ${authorize.status} ${location ?? (await authorize.text())}`);
  const token = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A FHIR request with a bearer token. */
export async function withToken(
  server: TestServer,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.fhirBase}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined
        ? {
            'content-type': init.method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json',
          }
        : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
