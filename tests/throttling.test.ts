/**
 * Rate limits and throttles through HTTP, from several client addresses (the test binds its
 * connections to 127.0.0.x): the rate limit is keyed on the verified caller, else the address;
 * client-secret guessing is throttled per client and per address before any scrypt runs; a
 * stranger cannot lock an owner out, failures from many addresses do lock, and the owner unlocks
 * with a code sent to them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { createAccount, createClient } from '../packages/server/src/auth/index.ts';
import { scryptDerivations } from '../packages/server/src/auth/passwords.ts';
import { CredentialThrottle, loginSubject } from '../packages/server/src/auth/throttle.ts';
import { addressSource, sendFrom } from './support/from-address.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SECRET_KEY = 'throttling-test-secret-key';
const PASSWORD = 'correct horse battery';
const LAB_SECRET = 'lab-secret-0123456789abcdef';
const lockout = {
  freeFailures: 3,
  delaySeconds: 60,
  maxDelaySeconds: 3600,
  memorySeconds: 86_400,
  lockAddresses: 3,
  lockWindowSeconds: 900,
  lockSeconds: 900,
  addressFailures: 10,
  addressWindowSeconds: 900,
};

/** Rate limit 5 a minute; the default (generous) throttle. */
let limited: TestServer;
/** No practical rate limit; the throttle above (3 free failures, 3 addresses lock, 10 per address). */
let server: TestServer;

before(async () => {
  limited = await startTestServer({ rateLimitPerMinute: 5 }, { auth: { secretKey: SECRET_KEY } });
  server = await startTestServer({}, { auth: { secretKey: SECRET_KEY, lockout } });
});
after(async () => {
  await limited?.close();
  await server?.close();
});

// ---- HTTP from a chosen source address (support/from-address.ts) ------------------------------
/** A loopback address no other test has used: each test is a fresh set of strangers and owners. */
const newAddress = addressSource(1);
const send = sendFrom;

const loginFrom = (from: string, login: string, password: string, extra: Record<string, string> = {}) =>
  send(server, from, 'POST', '/auth/login', { json: { login, password, ...extra } });

const tokenFrom = (on: TestServer, from: string, clientId: string, secret: string) =>
  send(on, from, 'POST', '/oauth2/token', {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
  });

let serial = 0;
async function newPatient(email?: string) {
  const login = `TH${String(100000 + ++serial).slice(-6)}`;
  await createAccount(
    server.platform.db,
    {
      kind: 'patient',
      login,
      password: PASSWORD,
      roles: ['patient'],
      fhirUser: `Patient/p-${login}`,
      displayName: `Patient ${login}`,
      ...(email ? { email } : {}),
    },
    SECRET_KEY,
  );
  return login;
}

/** A signed-in administrator's cookie and CSRF token (staff log in with TOTP). */
async function administratorSession(): Promise<Record<string, string>> {
  const login = `admin-${++serial}@example.ma`;
  const totpSecret = new Secret({ size: 20 }).base32;
  await createAccount(
    server.platform.db,
    {
      kind: 'staff',
      login,
      password: PASSWORD,
      roles: ['administrator'],
      displayName: 'Admin',
      email: login,
      totpSecret,
    },
    SECRET_KEY,
  );
  const totp = TOTP.generate({ secret: Secret.fromBase32(totpSecret) });
  const res = await loginFrom(newAddress(), login, PASSWORD, { totp });
  assert.equal(res.status, 200);
  const cookie = (res.headers['set-cookie'] ?? [])[0].split(';')[0];
  return { cookie, 'x-csrf-token': res.body.csrfToken };
}

/** The body of the newest message queued for `recipient` (no SMTP here: emails wait in the outbox). */
async function messageTo(recipient: string, timeoutMs = 5000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  do {
    const { rows } = await server.platform.db.query<{ body: string }>(
      'SELECT body FROM notification_outbox WHERE recipient = $1::text ORDER BY created_at DESC LIMIT 1',
      [recipient],
    );
    if (rows[0]) return rows[0].body;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return undefined;
}

// ---- tests --------------------------------------------------------------------------------------
describe('rate limit keyed on the verified caller, else the address', () => {
  it('holds against varied garbage Authorization headers and extra cookies, which count against the address', async () => {
    const from = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await send(limited, from, 'GET', '/fhir/R4/Patient?_summary=count', {
        headers: {
          authorization: i % 2 ? `Bearer garbage.${randomBytes(8).toString('hex')}` : `Basic ${i}`,
          cookie: `sahti_session=${randomBytes(16).toString('hex')}; x${i}=${randomBytes(4).toString('hex')}`,
        },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    const cookiesOnly = await send(limited, from, 'GET', '/fhir/R4/metadata', {
      headers: { cookie: `other=${randomBytes(8).toString('hex')}` },
    });
    assert.equal(cookiesOnly.status, 429);
    assert.equal(cookiesOnly.body.issue[0].code, 'throttled');
    assert.ok(Number(cookiesOnly.headers['retry-after']) > 0);
    assert.equal((await send(limited, newAddress(), 'GET', '/fhir/R4/metadata')).status, 200);
  });

  it("counts a valid token in its principal's bucket, from whatever address", async () => {
    const bearer = { authorization: `Bearer ${limited.token}` };
    const [first, second] = [newAddress(), newAddress()];
    const statuses: number[] = [];
    for (const from of [first, first, first, second, second, second]) {
      statuses.push(
        (await send(limited, from, 'GET', '/fhir/R4/Organization?_summary=count', { headers: bearer }))
          .status,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    // the addresses themselves were not charged
    assert.equal((await send(limited, first, 'GET', '/fhir/R4/metadata')).status, 200);
    assert.equal((await send(limited, second, 'GET', '/fhir/R4/metadata')).status, 200);
  });
});

describe('client secret guessing', () => {
  before(async () => {
    await createClient(server.platform.db, {
      clientId: 'lab',
      name: 'Laboratory',
      kind: 'system',
      secret: LAB_SECRET,
      allowedScopes: ['system/*.rs'],
    });
  });

  it('slows guesses at one client from one address before any scrypt; the client still works from elsewhere', async () => {
    const stranger = newAddress();
    for (let i = 0; i < 3; i++) {
      const res = await tokenFrom(server, stranger, 'lab', `guess-${i}-0123456789`);
      assert.deepEqual([res.status, res.body.error], [401, 'invalid_client']);
    }
    const hashesBefore = scryptDerivations();
    const slowed = await tokenFrom(server, stranger, 'lab', 'guess-3-0123456789');
    assert.deepEqual([slowed.status, slowed.body.error], [429, 'slow_down']);
    const retryAfter = Number(slowed.headers['retry-after']);
    assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(
      (await tokenFrom(server, stranger, 'lab', LAB_SECRET)).status,
      429,
      'even the right secret waits',
    );
    const basic = await send(server, stranger, 'POST', '/oauth2/token', {
      form: { grant_type: 'client_credentials' },
      headers: { authorization: `Basic ${Buffer.from(`lab:${LAB_SECRET}`).toString('base64')}` },
    });
    assert.equal(basic.status, 429);
    assert.equal(scryptDerivations(), hashesBefore, 'a throttled guess costs no scrypt');
    assert.equal((await tokenFrom(server, newAddress(), 'lab', LAB_SECRET)).status, 200);
  });

  it('lets no more concurrent guesses through than sequential ones', async () => {
    const stranger = newAddress();
    const hashesBefore = scryptDerivations();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => tokenFrom(server, stranger, 'lab', `burst-${i}-0123456789`)),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(17).fill(429)]);
    assert.equal(scryptDerivations() - hashesBefore, 3, 'only the admitted guesses were hashed');
  });

  it('blocks an address guessing many clients, known or not', async () => {
    const stranger = newAddress();
    for (let i = 0; i < 10; i++) {
      assert.equal((await tokenFrom(server, stranger, `ghost-${i}`, 'guess-0123456789')).status, 401);
    }
    const hashesBefore = scryptDerivations();
    const blocked = await tokenFrom(server, stranger, 'ghost-10', 'guess-0123456789');
    assert.deepEqual([blocked.status, blocked.body.error], [429, 'slow_down']);
    assert.ok(Number(blocked.headers['retry-after']) > 800);
    assert.equal((await tokenFrom(server, stranger, 'lab', LAB_SECRET)).status, 429);
    assert.equal(scryptDerivations(), hashesBefore);
    assert.equal((await tokenFrom(server, newAddress(), 'lab', LAB_SECRET)).status, 200);
  });

  it('locks a client guessed at from many addresses, until an administrator lifts it', async () => {
    await createClient(server.platform.db, {
      clientId: 'pharmacy',
      name: 'Pharmacy',
      kind: 'system',
      secret: LAB_SECRET,
      allowedScopes: ['system/*.rs'],
    });
    for (let i = 0; i < 3; i++) {
      assert.equal((await tokenFrom(server, newAddress(), 'pharmacy', `guess-${i}-0123456789`)).status, 401);
    }
    const locked = await tokenFrom(server, newAddress(), 'pharmacy', LAB_SECRET);
    assert.deepEqual([locked.status, locked.body.error], [429, 'slow_down']);
    const admin = await administratorSession();
    const lifted = await send(server, newAddress(), 'POST', '/auth/admin/unlock', {
      json: { client: 'pharmacy' },
      headers: admin,
    });
    assert.equal(lifted.status, 204);
    assert.equal((await tokenFrom(server, newAddress(), 'pharmacy', LAB_SECRET)).status, 200);
  });
});

describe('a lockout a stranger cannot abuse', () => {
  it('a stranger failing from one address slows only that address: the owner logs in from another', async () => {
    const login = await newPatient();
    const stranger = newAddress();
    for (let i = 0; i < 3; i++)
      assert.equal((await loginFrom(stranger, login, `wrong ${i} password`)).status, 401);
    for (let i = 0; i < 5; i++) {
      const res = await loginFrom(stranger, login, `wrong ${i} password`);
      assert.deepEqual([res.status, res.body.locked], [429, false]);
    }
    assert.equal((await loginFrom(stranger, login, PASSWORD)).status, 429);
    assert.equal((await loginFrom(newAddress(), login, PASSWORD)).status, 200);
  });

  it('blocks an address failing across many logins, not the accounts it tried', async () => {
    const login = await newPatient();
    const stranger = newAddress();
    for (let i = 0; i < 10; i++)
      assert.equal((await loginFrom(stranger, `QZ00000${i}`, PASSWORD)).status, 401);
    assert.equal((await loginFrom(stranger, login, PASSWORD)).status, 429);
    assert.equal((await loginFrom(newAddress(), login, PASSWORD)).status, 200);
  });

  it('locks a login when failures come from many addresses, and answers an unknown login the same', async () => {
    const login = await newPatient();
    const ghost = 'QZ999999';
    for (const who of [login, ghost]) {
      for (let i = 0; i < 3; i++)
        assert.equal((await loginFrom(newAddress(), who, 'wrong password')).status, 401);
    }
    const owner = await loginFrom(newAddress(), login, PASSWORD);
    assert.deepEqual([owner.status, owner.body.error, owner.body.locked], [429, 'too_many_attempts', true]);
    const retryAfter = Number(owner.headers['retry-after']);
    assert.ok(retryAfter > 890 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    const unknown = await loginFrom(newAddress(), ghost, PASSWORD);
    assert.equal(unknown.status, 429);
    assert.deepEqual(unknown.body, owner.body);
  });

  it('a burst of guesses from many addresses at once meets the lock as the same guesses in a row would', async () => {
    const login = await newPatient();
    // 8 addresses × 3 wrong passwords, all at once: in a row, the lock (3 addresses) would hold after
    // at most 3 + 3 + 1 checked guesses; attempts in flight count, so the burst gets no more than that
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => newAddress()).flatMap((from) =>
        Array.from({ length: 3 }, () => loginFrom(from, login, 'wrong password')),
      ),
    );
    const checked = burst.filter((r) => r.status === 401).length;
    assert.ok(checked <= 9, `${checked} guesses checked: ${burst.map((r) => r.status).join(' ')}`);
    const owner = await loginFrom(newAddress(), login, PASSWORD);
    assert.deepEqual([owner.status, owner.body.locked], [429, true]);
  });

  it('an attempt admitted while another failure locks the login is refused, not let through', async () => {
    // the lock lands between the admission's first read and its count of addresses (a failure of
    // another address settled meanwhile): the count restarts at the lock, so only the lock can say no
    const subject = loginSubject(`race-${++serial}`);
    const db = server.platform.db;
    let locked = false;
    const racing = {
      query: async (text: string, params?: unknown[], options?: { prepared?: boolean }) => {
        if (!locked && text.includes('FROM auth_failure') && text.includes('address <>')) {
          locked = true;
          await db.query(
            `INSERT INTO auth_throttle (key, failures, window_start, blocked_until)
             VALUES ($1::text, 1, now(), now() + interval '900 seconds')`,
            [subject],
          );
        }
        return db.query(text, params, options);
      },
    };
    const throttle = new CredentialThrottle(racing as typeof db, lockout);
    const admission = await throttle.admit(subject, '198.51.100.7');
    assert.ok(locked, 'the lock was placed during the admission');
    assert.deepEqual(admission.ok ? 'admitted' : admission.locked, true);
  });

  it('lets the owner unlock with a code sent to their email; asking tells nothing about the login', async () => {
    const email = `owner-${++serial}@example.ma`;
    const login = await newPatient(email);
    for (let i = 0; i < 3; i++) await loginFrom(newAddress(), login, 'wrong password');
    const home = newAddress();
    assert.equal((await loginFrom(home, login, PASSWORD)).status, 429);

    const asked = await send(server, home, 'POST', '/auth/unlock/request', { json: { login } });
    const askedUnknown = await send(server, home, 'POST', '/auth/unlock/request', {
      json: { login: 'QZ424242' },
    });
    assert.equal(asked.status, 202);
    assert.deepEqual([askedUnknown.status, askedUnknown.body], [202, asked.body]);
    const code = /(\d{6})/.exec((await messageTo(email)) ?? '')?.[1];
    assert.ok(code, 'a 6-digit code was queued for the owner');

    const wrong = await send(server, home, 'POST', '/auth/unlock', {
      json: { login, code: code === '000000' ? '000001' : '000000' },
    });
    assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_code']);
    const stranger = await send(server, newAddress(), 'POST', '/auth/unlock', {
      json: { login: 'QZ424242', code },
    });
    assert.deepEqual(stranger.body, wrong.body);
    assert.equal((await send(server, home, 'POST', '/auth/unlock', { json: { login, code } })).status, 204);
    assert.equal((await loginFrom(home, login, PASSWORD)).status, 200);
    assert.equal(
      (await send(server, home, 'POST', '/auth/unlock', { json: { login, code } })).status,
      400,
      'once',
    );
  });

  it('sends no code for a login that is not locked', async () => {
    const email = `calm-${++serial}@example.ma`;
    const login = await newPatient(email);
    const asked = await send(server, newAddress(), 'POST', '/auth/unlock/request', { json: { login } });
    assert.equal(asked.status, 202);
    assert.equal(await messageTo(email, 300), undefined);
  });

  it('lets an administrator lift a lock, and nobody else', async () => {
    const login = await newPatient();
    for (let i = 0; i < 3; i++) await loginFrom(newAddress(), login, 'wrong password');
    assert.equal((await loginFrom(newAddress(), login, PASSWORD)).status, 429);
    const anonymous = await send(server, newAddress(), 'POST', '/auth/admin/unlock', { json: { login } });
    assert.equal(anonymous.status, 401);
    const patient = await newPatient();
    const session = await loginFrom(newAddress(), patient, PASSWORD);
    const notAdmin = await send(server, newAddress(), 'POST', '/auth/admin/unlock', {
      json: { login },
      headers: {
        cookie: (session.headers['set-cookie'] ?? [])[0].split(';')[0],
        'x-csrf-token': session.body.csrfToken,
      },
    });
    assert.equal(notAdmin.status, 403);
    const admin = await administratorSession();
    assert.equal(
      (await send(server, newAddress(), 'POST', '/auth/admin/unlock', { json: { login }, headers: admin }))
        .status,
      204,
    );
    assert.equal((await loginFrom(newAddress(), login, PASSWORD)).status, 200);
  });
});
