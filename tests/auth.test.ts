/**
 * Identity and tokens through HTTP: password login with throttling, staff second factors, web
 * sessions and CSRF, OAuth2 (client credentials, authorization code + PKCE, refresh), token
 * expiry, password reset by a link received through a real SMTP exchange, demo accounts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { SMTPServer } from 'smtp-server';
import {
  createAccount,
  createClient,
  DEMO_APP_CLIENT,
  DEMO_PASSWORD,
  DEMO_SYSTEM_CLIENT,
  DEMO_TOTP_SECRET,
  demoStaffLogin,
  verifySensitiveActionCode,
} from '../packages/server/src/auth/index.ts';
import { SigningKeys } from '../packages/server/src/auth/keys.ts';
import { seedDemoIfEmpty } from '../packages/server/src/demo-seed.ts';
import type { Principal } from '../packages/server/src/kernel/principal.ts';
import { pharmaciesOf } from '../packages/server/src/modules/prescriptions/pharmacy.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SECRET_KEY = 'auth-test-secret-key';
const PASSWORD = 'correct horse battery';

// ---- a real SMTP server in the test process --------------------------------------------------
interface Mail {
  to: string[];
  text: string;
}
const inbox: Mail[] = [];
let smtp: SMTPServer;

/** The readable text of a raw message (quoted-printable soft breaks and escapes undone). */
function readableText(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function nextMailTo(address: string, timeoutMs = 5000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const i = inbox.findIndex((m) => m.to.includes(address));
    if (i >= 0) return inbox.splice(i, 1)[0];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no email to ${address} within ${timeoutMs} ms`);
}

// ---- servers ----------------------------------------------------------------------------------
let server: TestServer;
/** Tokens of 2 s (outliving the 5 s token cache would be a bug). */
let strict: TestServer;

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), text: readableText(raw) });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  const lockout = {
    freeFailures: 5,
    delaySeconds: 60,
    maxDelaySeconds: 3600,
    memorySeconds: 86_400,
    lockAddresses: 5,
    lockWindowSeconds: 900,
    lockSeconds: 900,
    addressFailures: 10_000,
    addressWindowSeconds: 900,
  };
  // every test fails logins from 127.0.0.1: the address is never blocked here (throttling.test.ts)
  server = await startTestServer({}, { auth: { secretKey: SECRET_KEY, smtpUrl, lockout } });
  strict = await startTestServer(
    {},
    {
      auth: {
        secretKey: SECRET_KEY,
        accessTokenSeconds: 2,
        lockout,
      },
    },
  );
});
after(async () => {
  await server?.close();
  await strict?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

// ---- helpers ----------------------------------------------------------------------------------
let serial = 0;
const uniqueCnie = () => `ZZ${String(100000 + ++serial).slice(-6)}`;

async function newPatient(on = server, extra: { email?: string; phone?: string } = {}) {
  const login = uniqueCnie();
  const account = await createAccount(
    on.platform.db,
    {
      kind: 'patient',
      login,
      password: PASSWORD,
      roles: ['patient'],
      fhirUser: `Patient/p-${login}`,
      displayName: `Patient ${login}`,
      ...extra,
    },
    SECRET_KEY,
  );
  return { login, account };
}

async function newStaff(
  role: 'doctor' | 'nurse' | 'programme-manager' = 'doctor',
  options: { totp?: boolean; email?: string } = {},
) {
  const login = `${role}-${++serial}@example.ma`;
  const totpSecret = options.totp === false ? undefined : new Secret({ size: 20 }).base32;
  await createAccount(
    server.platform.db,
    {
      kind: 'staff',
      login,
      password: PASSWORD,
      roles: [role],
      fhirUser: 'Practitioner/pr-1',
      displayName: `Dr ${serial}`,
      email: options.email ?? login,
      ...(totpSecret ? { totpSecret } : {}),
    },
    SECRET_KEY,
  );
  return { login, totpSecret };
}

const totpCode = (secret: string, offsetSteps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offsetSteps * 30_000 });

async function call(
  on: TestServer,
  method: string,
  path: string,
  init: {
    json?: unknown;
    form?: Record<string, string>;
    headers?: Record<string, string>;
    cookie?: string;
  } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  if (init.cookie) headers.cookie = init.cookie;
  const res = await fetch(`${on.url}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}

async function login(on: TestServer, body: Record<string, string>) {
  const res = await call(on, 'POST', '/auth/login', { json: body });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('sahti_session='));
  return { ...res, setCookie, cookie: setCookie?.split(';')[0] };
}

/** A request as Fastify would hand it to the authenticator. */
const request = (method: string, headers: Record<string, string>) =>
  ({ method, headers, ip: '127.0.0.1' }) as unknown as FastifyRequest;

async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    return err as { status: number; headers: Record<string, string> };
  }
  assert.fail('expected a refusal');
}

// ---- tests ------------------------------------------------------------------------------------
describe('password login and web sessions', () => {
  it('logs a patient in: httpOnly SameSite=Strict cookie, CSRF token, and /auth/me knows them', async () => {
    const { login: cnie, account } = await newPatient();
    const res = await login(server, { login: cnie.toLowerCase(), password: PASSWORD });
    assert.equal(res.status, 200);
    assert.match(res.setCookie ?? '', /^sahti_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.match(res.body.csrfToken, /^[\w-]{43}$/);
    assert.deepEqual(
      [res.body.user.id, res.body.user.fhirUser, res.body.user.roles],
      [account.id, `Patient/p-${cnie}`, ['patient']],
    );
    assert.equal(res.body.user.passwordHash, undefined);
    const me = await call(server, 'GET', '/auth/me', { cookie: res.cookie });
    assert.equal(me.status, 200);
    assert.equal(me.body.csrfToken, res.body.csrfToken);
    assert.equal((await call(server, 'GET', '/auth/me')).status, 401);
  });

  it('answers a wrong password and an unknown login alike (401, same body)', async () => {
    const { login: cnie } = await newPatient();
    const wrong = await login(server, { login: cnie, password: 'not the password' });
    const unknown = await login(server, { login: 'QQ999999', password: PASSWORD });
    assert.equal(wrong.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.setCookie, undefined);
  });

  it('refuses a login without JSON fields with 400', async () => {
    assert.equal((await call(server, 'POST', '/auth/login', { json: { login: 'x' } })).status, 400);
  });

  it('logs out: the session no longer works', async () => {
    const { login: cnie } = await newPatient();
    const res = await login(server, { login: cnie, password: PASSWORD });
    const out = await call(server, 'POST', '/auth/logout', {
      cookie: res.cookie,
      headers: { 'x-csrf-token': res.body.csrfToken },
    });
    assert.equal(out.status, 204);
    assert.equal((await call(server, 'GET', '/auth/me', { cookie: res.cookie })).status, 401);
  });

  it('gives the API a Principal for the session, with the scopes of the role', async () => {
    const { login: cnie, account } = await newPatient();
    const res = await login(server, { login: cnie, password: PASSWORD });
    const principal = await server.platform.auth.authenticate(request('GET', { cookie: res.cookie! }));
    assert.deepEqual(principal, {
      kind: 'patient',
      id: account.id,
      roles: ['patient'],
      fhirUser: `Patient/p-${cnie}`,
      scopes: ['patient/*.cruds'],
      display: `Patient ${cnie}`,
      clientId: 'web',
      address: '127.0.0.1',
    } satisfies Principal);
    assert.equal(await server.platform.auth.authenticate(request('GET', {})), undefined);
    assert.equal(
      await server.platform.auth.authenticate(request('GET', { cookie: 'sahti_session=stale' })),
      undefined,
    );
  });
});

describe('CSRF protection of cookie-authenticated requests', () => {
  it('refuses unsafe requests without the session CSRF token (403), accepts them with it', async () => {
    const { login: cnie } = await newPatient();
    const res = await login(server, { login: cnie, password: PASSWORD });
    const auth = server.platform.auth;
    for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Record<string, string>[]) {
      const refused = await rejection(
        auth.authenticate(request('POST', { cookie: res.cookie!, ...headers })),
      );
      assert.equal(refused.status, 403);
      assert.equal((await call(server, 'POST', '/auth/logout', { cookie: res.cookie, headers })).status, 403);
    }
    const ok = await auth.authenticate(
      request('DELETE', { cookie: res.cookie!, 'x-csrf-token': res.body.csrfToken }),
    );
    assert.equal(ok?.kind, 'patient');
    assert.equal(
      (await call(server, 'GET', '/auth/me', { cookie: res.cookie })).status,
      200,
      'still logged in',
    );
  });
});

// more in throttling.test.ts: other addresses, locks from many addresses, unlock codes, client secrets
describe('throttling of password guessing', () => {
  it('makes an address wait after 5 failures on one login, even with the right password (429, Retry-After)', async () => {
    const { login: cnie } = await newPatient();
    for (let i = 0; i < 5; i++)
      assert.equal((await login(server, { login: cnie, password: `wrong ${i} password` })).status, 401);
    const slowed = await login(server, { login: cnie, password: PASSWORD });
    assert.equal(slowed.status, 429);
    assert.deepEqual([slowed.body.error, slowed.body.locked], ['too_many_attempts', false]);
    const retryAfter = Number(slowed.headers.get('retry-after'));
    assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  it('slows an unknown login the same way, so throttling does not tell which accounts exist', async () => {
    const { login: cnie } = await newPatient();
    const ghost = 'QQ123456';
    for (const who of [cnie, ghost])
      for (let i = 0; i < 5; i++) await login(server, { login: who, password: `wrong ${i} password` });
    const known = await login(server, { login: cnie, password: PASSWORD });
    const unknown = await login(server, { login: ghost, password: PASSWORD });
    assert.equal(unknown.status, 429);
    assert.deepEqual(unknown.body, known.body);
  });

  it('a success resets the count of a login at an address', async () => {
    const { login: cnie } = await newPatient();
    for (let i = 0; i < 4; i++) await login(server, { login: cnie, password: `wrong ${i} password` });
    assert.equal((await login(server, { login: cnie, password: PASSWORD })).status, 200);
    for (let i = 0; i < 4; i++) await login(server, { login: cnie, password: `wrong ${i} password` });
    assert.equal((await login(server, { login: cnie, password: PASSWORD })).status, 200);
  });

  it('does not count a right password that still awaits its second factor', async () => {
    const { login: email, totpSecret } = await newStaff();
    for (let i = 0; i < 4; i++) await login(server, { login: email, password: `wrong ${i} password` });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await login(server, { login: email, password: PASSWORD })).body.error,
        'second_factor_required',
      );
    const second = await login(server, { login: email, password: PASSWORD, totp: totpCode(totpSecret!) });
    assert.equal(second.status, 200);
  });
});

describe('second factor for staff', () => {
  it('asks staff for the TOTP code (401) and lets them in with it', async () => {
    const { login: email, totpSecret } = await newStaff();
    const first = await login(server, { login: email, password: PASSWORD });
    assert.equal(first.status, 401);
    assert.deepEqual([first.body.error, first.body.factor], ['second_factor_required', 'totp']);
    assert.equal(first.setCookie, undefined);
    const second = await login(server, { login: email, password: PASSWORD, totp: totpCode(totpSecret!) });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.user.roles, ['doctor']);
  });

  it('accepts a TOTP code once: replaying it is refused', async () => {
    const { login: email, totpSecret } = await newStaff('nurse');
    const code = totpCode(totpSecret!);
    assert.equal((await login(server, { login: email, password: PASSWORD, totp: code })).status, 200);
    const replay = await login(server, { login: email, password: PASSWORD, totp: code });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_second_factor');
  });

  it('accepts the code of the next step (clock drift) but not one two steps away', async () => {
    const { login: email, totpSecret } = await newStaff();
    assert.equal(
      (await login(server, { login: email, password: PASSWORD, totp: totpCode(totpSecret!, -2) })).status,
      401,
    );
    assert.equal(
      (await login(server, { login: email, password: PASSWORD, totp: totpCode(totpSecret!, 1) })).status,
      200,
    );
  });

  it('without TOTP yet: an emailed code, then enrolment of an authenticator app', async () => {
    const { login: email } = await newStaff('doctor', { totp: false });
    const first = await login(server, { login: email, password: PASSWORD });
    assert.deepEqual([first.status, first.body.factor], [401, 'email-code']);
    const code = /Code: (\d{6})/.exec((await nextMailTo(email)).text)?.[1];
    assert.ok(code, 'the email carries a 6-digit code');
    const session = await login(server, { login: email, password: PASSWORD, code });
    assert.equal(session.status, 200);
    assert.equal(session.body.user.hasTotp, false);

    const csrf = { 'x-csrf-token': session.body.csrfToken };
    const enrol = await call(server, 'POST', '/auth/totp/enrol', { cookie: session.cookie, headers: csrf });
    assert.equal(enrol.status, 200);
    assert.match(enrol.body.otpauthUri, /^otpauth:\/\/totp\/Sahti:.+secret=[A-Z2-7]+/);
    const wrong = await call(server, 'POST', '/auth/totp/confirm', {
      cookie: session.cookie,
      headers: csrf,
      json: { code: '000000' },
    });
    assert.equal(wrong.status, 400);
    const confirmed = await call(server, 'POST', '/auth/totp/confirm', {
      cookie: session.cookie,
      headers: csrf,
      json: { code: totpCode(enrol.body.secret) },
    });
    assert.equal(confirmed.status, 204);
    const next = await login(server, { login: email, password: PASSWORD });
    assert.equal(next.body.factor, 'totp');
    assert.equal(
      (await login(server, { login: email, password: PASSWORD, totp: totpCode(enrol.body.secret, 1) }))
        .status,
      200,
    );
  });
});

describe('OAuth2 client credentials', () => {
  before(async () => {
    await createClient(server.platform.db, {
      clientId: 'lab-system',
      name: 'Laboratoire',
      kind: 'system',
      secret: 'lab-secret-0123456789',
      allowedScopes: ['system/Observation.write', 'system/Patient.read'],
    });
  });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('issues a signed JWT with client_secret_basic, verifiable with the published JWKS', async () => {
    const res = await call(server, 'POST', '/oauth2/token', {
      form: { grant_type: 'client_credentials', scope: 'system/Observation.write' },
      headers: { authorization: basic('lab-system', 'lab-secret-0123456789') },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      [res.body.token_type, res.body.expires_in, res.body.scope],
      ['Bearer', 900, 'system/Observation.write'],
    );
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const jwks = (await call(server, 'GET', '/.well-known/jwks.json')).body;
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createLocalJWKSet(jwks), {
      issuer: server.url,
      audience: server.fhirBase,
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.deepEqual(
      [payload.sub, payload.client_id, payload.scope],
      ['lab-system', 'lab-system', 'system/Observation.write'],
    );
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900);
    const principal = await server.platform.auth.authenticate(
      request('POST', { authorization: `Bearer ${res.body.access_token}` }),
    );
    assert.deepEqual(
      [principal?.kind, principal?.id, principal?.scopes],
      ['system', 'lab-system', ['system/Observation.write']],
    );
  });

  it('accepts client_secret_post and grants every allowed scope when none is asked', async () => {
    const res = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: 'lab-system',
        client_secret: 'lab-secret-0123456789',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.scope, 'system/Observation.write system/Patient.read');
  });

  it('refuses a wrong secret or an unknown client with 401 invalid_client', async () => {
    const wrongBasic = await call(server, 'POST', '/oauth2/token', {
      form: { grant_type: 'client_credentials' },
      headers: { authorization: basic('lab-system', 'guess') },
    });
    assert.deepEqual([wrongBasic.status, wrongBasic.body.error], [401, 'invalid_client']);
    assert.match(wrongBasic.headers.get('www-authenticate') ?? '', /^Basic/);
    const unknown = await call(server, 'POST', '/oauth2/token', {
      form: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'lab-secret-0123456789' },
    });
    assert.deepEqual([unknown.status, unknown.body.error], [401, 'invalid_client']);
    assert.equal(typeof unknown.body.error_description, 'string');
  });

  it('narrows scopes to what the client may have; nothing grantable is invalid_scope', async () => {
    const form = {
      grant_type: 'client_credentials',
      client_id: 'lab-system',
      client_secret: 'lab-secret-0123456789',
    };
    const narrowed = await call(server, 'POST', '/oauth2/token', {
      form: { ...form, scope: 'system/*.* user/*.*' },
    });
    assert.equal(narrowed.body.scope, 'system/Observation.write system/Patient.read');
    const none = await call(server, 'POST', '/oauth2/token', {
      form: { ...form, scope: 'system/Condition.read' },
    });
    assert.deepEqual([none.status, none.body.error], [400, 'invalid_scope']);
  });

  it('wants a form body and a known grant type (RFC 6749 errors)', async () => {
    const json = await call(server, 'POST', '/oauth2/token', { json: { grant_type: 'client_credentials' } });
    assert.deepEqual([json.status, json.body.error], [400, 'invalid_request']);
    const password = await call(server, 'POST', '/oauth2/token', {
      form: { grant_type: 'password', client_id: 'lab-system', client_secret: 'lab-secret-0123456789' },
    });
    assert.deepEqual([password.status, password.body.error], [400, 'unsupported_grant_type']);
  });
});

describe('authorization code with PKCE (SMART standalone launch)', () => {
  const redirectUri = 'https://app.example.ma/callback';
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  before(async () => {
    await createClient(server.platform.db, {
      clientId: 'patient-app',
      name: 'Patient app',
      kind: 'app',
      public: true,
      allowedScopes: [
        'openid',
        'fhirUser',
        'launch/patient',
        'offline_access',
        'patient/*.rs',
        'patient/Observation.c',
      ],
      redirectUris: [redirectUri],
    });
  });

  const authorizePath = (params: Record<string, string> = {}) =>
    `/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'patient-app',
      redirect_uri: redirectUri,
      scope: 'openid fhirUser launch/patient offline_access patient/*.read patient/Observation.cruds',
      state: 'st-42',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      aud: server.fhirBase,
      ...params,
    })}`;

  async function authorized(cookie: string, params: Record<string, string> = {}) {
    const res = await call(server, 'GET', authorizePath(params), { cookie });
    assert.equal(res.status, 302, JSON.stringify(res.body));
    return new URL(res.headers.get('location')!);
  }

  it('runs end to end: session → code → tokens with patient context → refresh', async () => {
    const { login: cnie, account } = await newPatient();
    const session = await login(server, { login: cnie, password: PASSWORD });
    const back = await authorized(session.cookie!);
    assert.equal(`${back.origin}${back.pathname}`, redirectUri);
    assert.equal(back.searchParams.get('state'), 'st-42');
    const code = back.searchParams.get('code')!;

    const token = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: 'patient-app',
        code_verifier: verifier,
      },
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(
      token.body.scope,
      'patient/*.read patient/Observation.c openid fhirUser launch/patient offline_access',
    );
    assert.equal(token.body.patient, `p-${cnie}`);
    assert.ok(token.body.id_token && token.body.refresh_token);
    const principal = await server.platform.auth.authenticate(
      request('GET', { authorization: `Bearer ${token.body.access_token}` }),
    );
    assert.deepEqual(
      [principal?.id, principal?.clientId, principal?.fhirUser],
      [account.id, 'patient-app', `Patient/p-${cnie}`],
    );

    const refreshed = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'refresh_token',
        refresh_token: token.body.refresh_token,
        client_id: 'patient-app',
      },
    });
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.refresh_token, token.body.refresh_token);
    // the spent refresh token is refused, and its reuse revokes the new one too (theft detection)
    const reused = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'refresh_token',
        refresh_token: token.body.refresh_token,
        client_id: 'patient-app',
      },
    });
    assert.deepEqual([reused.status, reused.body.error], [400, 'invalid_grant']);
    const revoked = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'refresh_token',
        refresh_token: refreshed.body.refresh_token,
        client_id: 'patient-app',
      },
    });
    assert.equal(revoked.body.error, 'invalid_grant');
  });

  it('uses a code once, and only with the right verifier and redirect_uri', async () => {
    const { login: cnie } = await newPatient();
    const session = await login(server, { login: cnie, password: PASSWORD });
    const exchange = (code: string, extra: Record<string, string> = {}) =>
      call(server, 'POST', '/oauth2/token', {
        form: {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: 'patient-app',
          code_verifier: verifier,
          ...extra,
        },
      });
    const wrongVerifier = await exchange((await authorized(session.cookie!)).searchParams.get('code')!, {
      code_verifier: randomBytes(32).toString('base64url'),
    });
    assert.deepEqual([wrongVerifier.status, wrongVerifier.body.error], [400, 'invalid_grant']);
    const wrongRedirect = await exchange((await authorized(session.cookie!)).searchParams.get('code')!, {
      redirect_uri: 'https://app.example.ma/other',
    });
    assert.equal(wrongRedirect.body.error, 'invalid_grant');
    const code = (await authorized(session.cookie!)).searchParams.get('code')!;
    assert.equal((await exchange(code)).status, 200);
    assert.equal((await exchange(code)).body.error, 'invalid_grant');
  });

  it('never redirects to an unregistered address, asks for a session, and returns request errors to the app', async () => {
    const stranger = await call(server, 'GET', authorizePath({ redirect_uri: 'https://evil.example/cb' }));
    assert.deepEqual([stranger.status, stranger.body.error], [400, 'invalid_request']);
    assert.equal(stranger.headers.get('location'), null);
    const anonymous = await call(server, 'GET', authorizePath());
    assert.deepEqual([anonymous.status, anonymous.body.error], [401, 'login_required']);
    const { login: cnie } = await newPatient();
    const session = await login(server, { login: cnie, password: PASSWORD });
    const noPkce = await authorized(session.cookie!, { code_challenge_method: 'plain' });
    assert.deepEqual(
      [noPkce.searchParams.get('error'), noPkce.searchParams.get('state')],
      ['invalid_request', 'st-42'],
    );
    const noScope = await authorized(session.cookie!, { scope: 'user/*.read' });
    assert.equal(noScope.searchParams.get('error'), 'invalid_scope');
  });

  it('gives staff no patient/ scopes and a programme manager no write scope', async () => {
    await createClient(server.platform.db, {
      clientId: 'staff-app',
      name: 'Staff app',
      kind: 'app',
      public: true,
      allowedScopes: ['user/*.cruds', 'patient/*.cruds'],
      redirectUris: [redirectUri],
    });
    const { login: email, totpSecret } = await newStaff('programme-manager');
    const session = await login(server, { login: email, password: PASSWORD, totp: totpCode(totpSecret!) });
    const back = await authorized(session.cookie!, { client_id: 'staff-app', scope: 'user/*.* patient/*.*' });
    const token = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: redirectUri,
        client_id: 'staff-app',
        code_verifier: verifier,
      },
    });
    assert.equal(token.body.scope, 'user/*.rs');
    assert.equal(token.body.patient, undefined);
  });
});

describe('access token lifetime and validity', () => {
  it('stops accepting a token after its lifetime (2 s here), though verified tokens are cached 5 s', async () => {
    await createClient(strict.platform.db, {
      clientId: 'short',
      name: 'Short',
      kind: 'system',
      secret: 'short-secret-0123456789',
      allowedScopes: ['system/*.read'],
    });
    const res = await call(strict, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: 'short',
        client_secret: 'short-secret-0123456789',
      },
    });
    assert.equal(res.body.expires_in, 2);
    const bearer = request('GET', { authorization: `Bearer ${res.body.access_token}` });
    const api = () =>
      call(strict, 'GET', '/fhir/R4/Organization?_summary=count', {
        headers: { authorization: `Bearer ${res.body.access_token}` },
      });
    assert.equal((await strict.platform.auth.authenticate(bearer))?.id, 'short');
    assert.equal((await api()).status, 200);
    await new Promise((r) => setTimeout(r, 3100));
    const expired = await rejection(strict.platform.auth.authenticate(bearer));
    assert.equal(expired.status, 401);
    assert.match(expired.headers['www-authenticate'], /invalid_token.*expired/);
    const refused = await api();
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token.*expired/);
  });

  it('refuses a token from another server, a tampered one, and a malformed header', async () => {
    const res = await call(strict, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: 'short',
        client_secret: 'short-secret-0123456789',
      },
    });
    const foreign = request('GET', { authorization: `Bearer ${res.body.access_token}` });
    assert.equal((await rejection(server.platform.auth.authenticate(foreign))).status, 401);
    const [h, p, s] = res.body.access_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'system/*.*' })).toString('base64url')}.${s}`;
    assert.equal(
      (
        await rejection(
          strict.platform.auth.authenticate(request('GET', { authorization: `Bearer ${forged}` })),
        )
      ).status,
      401,
    );
    assert.equal(
      (await rejection(strict.platform.auth.authenticate(request('GET', { authorization: 'Basic abc' }))))
        .status,
      401,
    );
  });
});

describe('SMART discovery and signing keys', () => {
  it('publishes the SMART configuration at the root and under the FHIR base', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/R4/.well-known/smart-configuration']) {
      const res = await call(server, 'GET', path);
      assert.equal(res.status, 200);
      assert.equal(res.body.token_endpoint, `${server.url}/oauth2/token`);
      assert.equal(res.body.authorization_endpoint, `${server.url}/oauth2/authorize`);
      assert.equal(res.body.jwks_uri, `${server.url}/.well-known/jwks.json`);
      assert.deepEqual(res.body.code_challenge_methods_supported, ['S256']);
      assert.ok(res.body.capabilities.includes('launch-standalone'));
      assert.ok(res.body.grant_types_supported.includes('client_credentials'));
    }
  });

  it('keeps the signing key in the database, private part sealed, so a restart signs with it again', async () => {
    const { rows } = await server.platform.db.query<{ kid: string; private_jwk: string }>(
      'SELECT kid, private_jwk FROM auth_signing_key',
    );
    assert.equal(rows.length, 1);
    assert.match(rows[0].private_jwk, /^v1\./);
    const restarted = new SigningKeys(server.platform.db, SECRET_KEY);
    assert.equal((await restarted.current()).kid, rows[0].kid);
    assert.deepEqual(
      (await call(server, 'GET', '/.well-known/jwks.json')).body.keys.map(
        (k: { kid: string; d?: string }) => [k.kid, k.d],
      ),
      [[rows[0].kid, undefined]],
    );
  });
});

describe('password reset by an emailed one-time link', () => {
  it('sends a link through SMTP that sets a new password once and ends the sessions', async () => {
    const { login: cnie } = await newPatient(server, { email: 'amina@example.ma' });
    const before = await login(server, { login: cnie, password: PASSWORD });
    const asked = await call(server, 'POST', '/auth/password-reset', { json: { login: 'AMINA@example.ma' } });
    assert.equal(asked.status, 202);
    const mail = await nextMailTo('amina@example.ma');
    const token = /\/reset-password#token=([\w-]{43})/.exec(mail.text)?.[1];
    assert.ok(token, 'the email carries the link');
    assert.ok(mail.text.includes(server.url));

    const weak = await call(server, 'POST', '/auth/password-reset/confirm', {
      json: { token, password: 'short' },
    });
    assert.deepEqual([weak.status, weak.body.error], [400, 'weak_password']);
    const done = await call(server, 'POST', '/auth/password-reset/confirm', {
      json: { token, password: 'a brand new passphrase' },
    });
    assert.equal(done.status, 204);
    const again = await call(server, 'POST', '/auth/password-reset/confirm', {
      json: { token, password: 'another new passphrase' },
    });
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_token']);

    assert.equal(
      (await call(server, 'GET', '/auth/me', { cookie: before.cookie })).status,
      401,
      'old sessions end',
    );
    assert.equal((await login(server, { login: cnie, password: PASSWORD })).status, 401);
    assert.equal((await login(server, { login: cnie, password: 'a brand new passphrase' })).status, 200);
  });

  it('answers an unknown login the same way and sends nothing', async () => {
    const res = await call(server, 'POST', '/auth/password-reset', { json: { login: 'nobody@example.ma' } });
    assert.equal(res.status, 202);
    await assert.rejects(nextMailTo('nobody@example.ma', 300));
  });
});

describe('one-time codes for a patient’s sensitive actions', () => {
  it('sends a code by email (SMTP) that confirms one action, once', async () => {
    const { login: cnie, account } = await newPatient(server, {
      email: 'youssef@example.ma',
      phone: '+212612345678',
    });
    const session = await login(server, { login: cnie, password: PASSWORD });
    const res = await call(server, 'POST', '/auth/one-time-code', {
      cookie: session.cookie,
      headers: { 'x-csrf-token': session.body.csrfToken },
      json: { channel: 'email' },
    });
    assert.deepEqual([res.status, res.body.sentTo], [202, 'y***@example.ma']);
    const code = /est (\d{6})/.exec((await nextMailTo('youssef@example.ma')).text)?.[1];
    assert.ok(code);
    assert.equal(await verifySensitiveActionCode(server.platform.db, account.id, code), true);
    assert.equal(await verifySensitiveActionCode(server.platform.db, account.id, code), false);
  });

  it('queues a code by SMS in the notification outbox (no gateway here), without patient id', async () => {
    const { login: cnie, account } = await newPatient(server, { phone: '+212698765432' });
    const session = await login(server, { login: cnie, password: PASSWORD });
    const res = await call(server, 'POST', '/auth/one-time-code', {
      cookie: session.cookie,
      headers: { 'x-csrf-token': session.body.csrfToken },
      json: { channel: 'sms' },
    });
    assert.equal(res.status, 202);
    const { rows } = await server.platform.db.query<{ body: string; patient_id: string | null }>(
      `SELECT body, patient_id FROM notification_outbox WHERE channel = 'sms' AND recipient = '+212698765432'`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].patient_id, null);
    const code = /(\d{6})/.exec(rows[0].body)?.[1] ?? '';
    assert.equal(
      await verifySensitiveActionCode(server.platform.db, account.id, '000000'),
      code === '000000',
    );
    assert.equal(await verifySensitiveActionCode(server.platform.db, account.id, code), code !== '000000');
  });
});

describe('demo accounts', () => {
  it('do not exist outside demo mode', async () => {
    const { rows } = await server.platform.db.query(
      'SELECT 1 FROM auth_account WHERE demo UNION ALL SELECT 1 FROM auth_client WHERE demo',
    );
    assert.equal(rows.length, 0);
    const res = await call(server, 'POST', '/oauth2/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: DEMO_SYSTEM_CLIENT.clientId,
        client_secret: DEMO_SYSTEM_CLIENT.secret,
      },
    });
    assert.equal(res.status, 401);
    assert.equal(
      (await login(server, { login: demoStaffLogin('doctor'), password: DEMO_PASSWORD })).status,
      401,
    );
  });

  it('exist in demo mode, one per role, linked to demo resources, with the documented secrets', async () => {
    const demo = await startTestServer({ seedDemo: true });
    try {
      await seedDemoIfEmpty(demo.platform);
      const { rows } = await demo.platform.db.query<{
        login: string;
        roles: string[];
        fhir_user: string | null;
      }>('SELECT login, roles, fhir_user FROM auth_account WHERE demo ORDER BY login');
      // one account per platform role (auth/demo-accounts.ts), plus those the modules' demos add
      const ROLES = [
        'patient',
        'doctor',
        'nurse',
        'unit-assistant',
        'hub-specialist',
        'dialysis-coordinator',
        'programme-manager',
        'pharmacist',
        'administrator',
      ];
      for (const role of ROLES)
        assert.ok(
          rows.some((r) => r.roles.includes(role)),
          role,
        );
      const byRole = new Map(
        ROLES.map((role) => [
          role,
          rows.find((r) => r.login === (role === 'patient' ? 'A438469' : demoStaffLogin(role as never))),
        ]),
      );
      const patient = byRole.get('patient')!;
      assert.equal(patient.login, 'A438469', 'the login docs/demo-accounts.md gives');
      assert.match(patient.fhir_user ?? '', /^Patient\//);
      const linked = await demo.platform.store.read('Patient', patient.fhir_user!.split('/')[1]);
      assert.ok(
        JSON.stringify(linked).includes(patient.login),
        'the patient logs in with the CNIE of their Patient',
      );
      for (const role of ['doctor', 'nurse', 'hub-specialist', 'dialysis-coordinator']) {
        const practitioner = byRole.get(role)?.fhir_user ?? '';
        assert.match(practitioner, /^Practitioner\//, role);
        assert.equal(
          (await demo.platform.store.read('Practitioner', practitioner.split('/')[1])).resourceType,
          'Practitioner',
        );
      }

      // the demo pharmacist dispenses for the demo pharmacy, without typing its name
      const pharmacies = await pharmaciesOf(
        demo.platform.store,
        byRole.get('pharmacist')?.fhir_user ?? undefined,
      );
      assert.deepEqual(
        pharmacies.map((p) => [p.name, p.city, p.location?.reference]),
        [['Pharmacie Al Amal', 'Rabat', 'Location/demo-pharmacy-al-amal']],
      );

      const patientLogin = await login(demo, { login: patient.login, password: DEMO_PASSWORD });
      assert.equal(patientLogin.status, 200);
      const doctor = await login(demo, {
        login: demoStaffLogin('doctor'),
        password: DEMO_PASSWORD,
        totp: totpCode(DEMO_TOTP_SECRET),
      });
      assert.equal(doctor.status, 200);
      const system = await call(demo, 'POST', '/oauth2/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: DEMO_SYSTEM_CLIENT.clientId,
          client_secret: DEMO_SYSTEM_CLIENT.secret,
        },
      });
      assert.deepEqual([system.status, system.body.scope], [200, 'system/*.*']);
      const app = await call(
        demo,
        'GET',
        `/oauth2/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: DEMO_APP_CLIENT.clientId,
          redirect_uri: DEMO_APP_CLIENT.redirectUri,
          scope: 'patient/*.rs',
          code_challenge: createHash('sha256').update('x'.repeat(43)).digest('base64url'),
          code_challenge_method: 'S256',
        })}`,
        { cookie: patientLogin.cookie },
      );
      assert.equal(app.status, 302);
      assert.equal(await seedDemoIfEmpty(demo.platform), 0, 'seeding again adds nothing');
      assert.equal(
        (await demo.platform.db.query('SELECT 1 FROM auth_account WHERE demo')).rows.length,
        rows.length,
      );
    } finally {
      await demo.close();
    }
  });
});
