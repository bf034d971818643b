/**
 * Abuse of the login and code routes through HTTP, each found by a security review: a login
 * spelled so that the database finds the account but the throttle counts another subject; reset
 * codes asked again and again to buy fresh tries; every client behind a reverse proxy counted as
 * the proxy; a NUL character reaching PostgreSQL (500). Connections are bound to 127.0.x.y, so each
 * test picks its own client addresses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '../packages/server/src/auth/index.ts';
import { addressSource, sendFrom } from './support/from-address.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SECRET_KEY = 'auth-abuse-test-secret-key';
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another correct horse battery';
/** 5 free failures per (login, address); failures from 3 addresses lock the login. */
const lockout = {
  freeFailures: 5,
  delaySeconds: 60,
  maxDelaySeconds: 3600,
  memorySeconds: 86_400,
  lockAddresses: 3,
  lockWindowSeconds: 900,
  lockSeconds: 900,
  addressFailures: 50,
  addressWindowSeconds: 900,
};

let server: TestServer;
/** The same, behind a reverse proxy at 127.0.0.1 (SAHTI_TRUST_PROXY). */
let proxied: TestServer;

before(async () => {
  server = await startTestServer({}, { auth: { secretKey: SECRET_KEY, lockout } });
  process.env.SAHTI_TRUST_PROXY = '127.0.0.1';
  try {
    proxied = await startTestServer({}, { auth: { secretKey: SECRET_KEY, lockout } });
  } finally {
    delete process.env.SAHTI_TRUST_PROXY;
  }
});
after(async () => {
  await server?.close();
  await proxied?.close();
});

// ---- HTTP from a chosen source address (support/from-address.ts) ------------------------------
/** A loopback address no other test has used (127.0.0.1 is the proxy's). */
const newAddress = addressSource(2);
const send = sendFrom;

const loginFrom = (from: string, login: string, password: string, on = server, headers = {}) =>
  send(on, from, 'POST', '/auth/login', { json: { login, password }, headers });

let serial = 0;
/** A patient whose login starts with "IA" (an upper-case I, which 'İ' lowers to in a database). */
async function newPatient(on = server, contact: { email?: string; phone?: string } = {}) {
  const login = `IA${String(100000 + ++serial).slice(-6)}`;
  await createAccount(
    on.platform.db,
    {
      kind: 'patient',
      login,
      password: PASSWORD,
      roles: ['patient'],
      fhirUser: `Patient/p-${login}`,
      displayName: `Patient ${login}`,
      ...contact,
    },
    SECRET_KEY,
  );
  return login;
}

/** Fails once at `login` from each of 3 addresses: the login is locked. */
async function lock(login: string) {
  for (let i = 0; i < 3; i++)
    assert.equal((await loginFrom(newAddress(), login, 'wrong password')).status, 401);
  const owner = await loginFrom(newAddress(), login, PASSWORD);
  assert.deepEqual([owner.status, owner.body.locked], [429, true]);
}

/** Bodies of the messages queued for `recipient`, oldest first, once there are at least `count`. */
async function messagesTo(recipient: string, count: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await server.platform.db.query<{ body: string }>(
      'SELECT body FROM notification_outbox WHERE recipient = $1::text ORDER BY created_at, id',
      [recipient],
    );
    if (rows.length >= count || Date.now() > deadline) return rows.map((r) => r.body);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const codeIn = (text: string | undefined) => /(\d{6})/.exec(text ?? '')?.[1];

/** As if the account's codes had been sent two minutes ago: past the once-a-minute rule. */
async function ageCodes(login: string) {
  await server.platform.db.query(
    `UPDATE auth_one_time_code SET created_at = created_at - interval '2 minutes'
     WHERE account_id = (SELECT id FROM auth_account WHERE login = $1::text)`,
    [login],
  );
}

const dotted = (login: string) => `İ${login.slice(1)}`; // U+0130

// ---- tests --------------------------------------------------------------------------------------
describe('one spelling of a login for the account and its throttle', () => {
  it("a login spelled with 'İ' reaches no account: neither past a lock nor with counters of its own", async () => {
    const login = await newPatient();
    await lock(login);
    const dottedLogin = await loginFrom(newAddress(), dotted(login), PASSWORD);
    assert.notEqual(dottedLogin.status, 200, 'the lock holds whatever the spelling');
    assert.equal((await loginFrom(newAddress(), login.toLowerCase(), PASSWORD)).status, 429);
  });

  it('nor sets a new password with an SMS code while the login is locked', async () => {
    const phone = `+2126${String(10000000 + ++serial).slice(-8)}`;
    const login = await newPatient(server, { phone });
    await lock(login);
    assert.equal(
      (await send(server, newAddress(), 'POST', '/auth/password-reset/sms', { json: { login } })).status,
      202,
    );
    const code = codeIn((await messagesTo(phone, 1))[0]);
    assert.ok(code, 'a code was queued');
    const res = await send(server, newAddress(), 'POST', '/auth/password-reset/sms/confirm', {
      json: { login: dotted(login), code, password: NEW_PASSWORD },
    });
    assert.notEqual(res.status, 204, 'the code was not taken through another spelling');
    assert.equal((await loginFrom(newAddress(), login, NEW_PASSWORD)).status, 429);
  });

  it('refuses to create an account whose login is not ASCII', async () => {
    await assert.rejects(
      createAccount(
        server.platform.db,
        { kind: 'patient', login: 'İB123456', password: PASSWORD, roles: ['patient'], displayName: 'X' },
        SECRET_KEY,
      ),
      /ASCII/,
    );
  });
});

describe('asking for another code buys no fresh tries', () => {
  it('a reissued SMS reset code inherits the wrong tries of the one it replaces', async () => {
    const phone = `+2126${String(10000000 + ++serial).slice(-8)}`;
    const login = await newPatient(server, { phone });
    const ask = () => send(server, newAddress(), 'POST', '/auth/password-reset/sms', { json: { login } });
    const confirm = (code: string, from = newAddress()) =>
      send(server, from, 'POST', '/auth/password-reset/sms/confirm', {
        json: { login, code, password: NEW_PASSWORD },
      });
    assert.equal((await ask()).status, 202);
    const first = codeIn((await messagesTo(phone, 1))[0]) as string;
    const guesser = newAddress();
    for (let i = 0; i < 4; i++) {
      const guess = first === '000000' ? '000001' : '000000';
      assert.equal((await confirm(guess, guesser)).status, 400);
    }
    await ageCodes(login);
    assert.equal((await ask()).status, 202);
    const second = codeIn((await messagesTo(phone, 2))[1]) as string;
    assert.ok(second, 'a second code was queued');
    assert.equal((await confirm(second === '000000' ? '000001' : '000000', guesser)).status, 400);
    const res = await confirm(second);
    assert.deepEqual(
      [res.status, res.body.error],
      [400, 'invalid_code'],
      'five wrong tries in all: the code is dead',
    );
  });

  it('sends at most 5 unused codes a day for one purpose', async () => {
    const phone = `+2126${String(10000000 + ++serial).slice(-8)}`;
    const login = await newPatient(server, { phone });
    for (let i = 1; i <= 6; i++) {
      assert.equal(
        (await send(server, newAddress(), 'POST', '/auth/password-reset/sms', { json: { login } })).status,
        202,
        'the same answer whatever happens',
      );
      await messagesTo(phone, Math.min(i, 5), 2000);
      await ageCodes(login);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await messagesTo(phone, 6, 0)).length, 5);
  });

  it('limits code requests per address: the sixth in a minute is 429', async () => {
    const from = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await send(server, from, 'POST', '/auth/password-reset/sms', {
        json: { login: `QZ${String(200000 + i)}` },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    const other = await send(server, newAddress(), 'POST', '/auth/unlock/request', {
      json: { login: 'QZ1' },
    });
    assert.equal(other.status, 202, 'another address is not limited');
  });
});

describe('behind a reverse proxy (SAHTI_TRUST_PROXY)', () => {
  const xff = (client: string) => ({ 'x-forwarded-for': client });

  it('counts the client named by X-Forwarded-For from the trusted proxy, not the proxy', async () => {
    const login = await newPatient(proxied);
    for (let i = 0; i < 6; i++)
      await loginFrom('127.0.0.1', login, 'wrong password', proxied, xff('198.51.100.7'));
    const stranger = await loginFrom('127.0.0.1', login, PASSWORD, proxied, xff('198.51.100.7'));
    assert.equal(stranger.status, 429, 'the guessing client waits');
    const owner = await loginFrom('127.0.0.1', login, PASSWORD, proxied, xff('203.0.113.9'));
    assert.equal(owner.status, 200, 'another client behind the same proxy is not slowed');
  });

  it('ignores X-Forwarded-For from anyone else, and everywhere when the setting is unset', async () => {
    for (const on of [proxied, server]) {
      const login = await newPatient(on);
      const from = newAddress();
      for (let i = 0; i < 6; i++)
        await loginFrom(from, login, 'wrong password', on, xff(`198.51.100.${i + 1}`));
      const res = await loginFrom(from, login, PASSWORD, on, xff('203.0.113.9'));
      assert.equal(res.status, 429, 'a forged header does not make a new client');
    }
  });
});

describe('a NUL character is the client’s mistake (400), not a database error', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  const cases: [string, string, Parameters<typeof send>[4]][] = [
    ['POST', '/auth/login', { json: { login: 'a\u0000', password: PASSWORD } }],
    ['POST', '/auth/unlock', { json: { login: 'a\u0000', code: '123456' } }],
    ['POST', '/auth/unlock/request', { json: { login: 'a\u0000' } }],
    ['POST', '/auth/password-reset', { json: { login: 'a\u0000' } }],
    ['POST', '/auth/password-reset/sms', { json: { login: 'a\u0000' } }],
    ['POST', '/auth/password-reset/confirm', { json: { token: 'a\u0000', password: NEW_PASSWORD } }],
    [
      'POST',
      '/auth/password-reset/sms/confirm',
      { json: { login: 'a\u0000', code: '123456', password: NEW_PASSWORD } },
    ],
    ['POST', '/oauth2/token', { form: { grant_type: 'client_credentials', client_id: '\u0000' } }],
    [
      'POST',
      '/oauth2/token',
      { form: { grant_type: 'client_credentials' }, headers: { authorization: basic('a\u0000:secret') } },
    ],
    [
      'POST',
      '/oauth2/token',
      { form: { grant_type: 'client_credentials' }, headers: { authorization: basic('%00:secret') } },
    ],
    ['GET', '/oauth2/authorize?client_id=%00', {}],
    ['GET', '/api/scheduling/search?place=%00', {}],
  ];

  it('answers 400 with an OperationOutcome on every route that takes a value', async () => {
    for (const [method, path, init] of cases) {
      const res = await send(server, newAddress(), method, path, init);
      const label = `${method} ${path} ${JSON.stringify(init)}`;
      assert.equal(res.status, 400, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body?.resourceType, 'OperationOutcome', label);
    }
  });
});
