/**
 * Accounts, through HTTP on both databases: a forgotten password reset through the emailed link
 * (real SMTP), recovery by an SMS code (HTTP gateway), the patient's contact details (one phone
 * and email for messages and the record, audited, a new one confirmed by the code sent to it:
 * abuse cases in contact-change.test.ts), administrators managing accounts and roles,
 * and the identity a clinician sees before confirming an emergency access.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretKeyFrom } from '../packages/server/src/auth/config.ts';
import { createAccount } from '../packages/server/src/auth/index.ts';
import { startMessageSinks } from './support/message-sinks.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import type { SmsGateway } from './support/sms-gateway.ts';
import type { SmtpInbox } from './support/smtp-inbox.ts';

let server: TestServer;
let inbox: SmtpInbox;
let gateway: SmsGateway;
let admin: Person;
const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const PASSWORD = 'un-mot-de-passe-solide-1';

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const login = (l: string, password: string) => post('/auth/login', { login: l, password });

before(async () => {
  const sinks = await startMessageSinks();
  ({ inbox, gateway } = sinks);
  server = await startTestServer({}, { auth: { smtpUrl: sinks.smtpUrl } });
  await fhirFetch(server.fhirBase, '/Patient/acc-p', {
    method: 'PUT',
    body: {
      resourceType: 'Patient',
      id: 'acc-p',
      identifier: [{ system: CNIE, value: 'AC200001' }],
      name: [{ text: 'Khadija Bennani' }],
      birthDate: '1975-02-03',
      gender: 'female',
      telecom: [
        { system: 'phone', value: '+212600000111' },
        { system: 'email', value: 'old@example.test' },
      ],
    },
  });
  await createAccount(
    server.platform.db,
    {
      kind: 'patient',
      login: 'AC200001',
      password: PASSWORD,
      email: 'khadija@example.test',
      phone: '+212600000111',
      roles: ['patient'],
      fhirUser: 'Patient/acc-p',
      displayName: 'Khadija Bennani',
    },
    secretKeyFrom(process.env),
  );
  admin = await signIn(server, ['administrator']);
});
after(async () => {
  await server?.close();
  await inbox?.close();
  await gateway?.close();
});

describe('forgotten password', () => {
  it('the emailed link sets a new password once', async () => {
    assert.equal((await post('/auth/password-reset', { login: 'AC200001' })).status, 202);
    const mail = await inbox.next('khadija@example.test');
    const token = /reset-password#token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, mail.text);
    assert.equal(
      (await post('/auth/password-reset/confirm', { token, password: 'nouveau-mot-de-passe-22' })).status,
      204,
    );
    assert.equal((await login('AC200001', 'nouveau-mot-de-passe-22')).status, 200);
    assert.equal(
      (await post('/auth/password-reset/confirm', { token, password: 'encore-un-autre-33' })).status,
      400,
    );
  });

  it('recovery by SMS: a code to the phone on the account, then a new password with it', async () => {
    assert.equal((await post('/auth/password-reset/sms', { login: 'AC200001' })).status, 202);
    const sms = await gateway.next('+212600000111');
    const code = /(\d{6})/.exec(JSON.parse(sms.body).text)?.[1];
    assert.ok(code, sms.body);
    const wrong = await post('/auth/password-reset/sms/confirm', {
      login: 'AC200001',
      code: '000000',
      password: 'par-sms-mot-de-passe-4',
    });
    assert.equal(wrong.status, 400);
    const ok = await post('/auth/password-reset/sms/confirm', {
      login: 'AC200001',
      code,
      password: 'par-sms-mot-de-passe-4',
    });
    assert.equal(ok.status, 204);
    assert.equal((await login('AC200001', 'par-sms-mot-de-passe-4')).status, 200);
  });

  it('answers the same for an unknown login (nothing tells who has an account)', async () => {
    assert.equal((await post('/auth/password-reset/sms', { login: 'ZZ999999' })).status, 202);
    assert.equal((await post('/auth/password-reset', { login: 'nobody@example.test' })).status, 202);
  });
});

describe('contact details', () => {
  let patient: Person;
  before(async () => {
    patient = await signIn(server, ['patient'], 'Patient/acc-p');
  });

  it('the patient changes phone and email, each confirmed by the code sent to it: the account and the record say the same, audited', async () => {
    const res = await patient.call('/api/me/contact', {
      method: 'PUT',
      body: { phone: '06 61 23 45 67', email: 'k.bennani@example.test' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body.pending, { email: 'k.bennani@example.test', phone: '+212661234567' });
    const smsCode = /(\d{6})/.exec(JSON.parse((await gateway.next('+212661234567')).body).text)?.[1];
    const mailCode = /(\d{6})/.exec((await inbox.next('k.bennani@example.test')).text)?.[1];
    assert.ok(smsCode && mailCode);
    for (const [channel, code] of [
      ['phone', smsCode],
      ['email', mailCode],
    ]) {
      const confirmed = await patient.call('/api/me/contact/confirm', {
        method: 'POST',
        body: { channel, code },
      });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    }
    const record = await fhirFetch(server.fhirBase, '/Patient/acc-p');
    const telecom = record.body.telecom.map(
      (t: { system: string; value: string }) => `${t.system}:${t.value}`,
    );
    assert.deepEqual(telecom, ['phone:+212661234567', 'email:k.bennani@example.test']);
    const mine = await patient.call('/api/me/contact');
    assert.deepEqual(mine.body, { phone: '+212661234567', email: 'k.bennani@example.test' });
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await server.platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_trail WHERE patient_id = 'acc-p' AND content->>'outcomeDesc' = 'contact details changed by their owner'`,
    );
    assert.equal(rows[0].n, 2, 'one audit record per change made');
  });

  it('a field left out stays as it was; an unknown field is refused and clears nothing', async () => {
    const phoneOnly = await patient.call('/api/me/contact', {
      method: 'PUT',
      body: { phone: '06 61 23 45 68' },
    });
    assert.equal(phoneOnly.status, 202, JSON.stringify(phoneOnly.body));
    assert.deepEqual(phoneOnly.body.pending, { phone: '+212661234568' });
    const code = /(\d{6})/.exec(JSON.parse((await gateway.next('+212661234568')).body).text)?.[1];
    const confirmed = await patient.call('/api/me/contact/confirm', {
      method: 'POST',
      body: { channel: 'phone', code },
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const mine = await patient.call('/api/me/contact');
    assert.deepEqual(mine.body, { phone: '+212661234568', email: 'k.bennani@example.test' });
    const record = await fhirFetch(server.fhirBase, '/Patient/acc-p');
    assert.ok(record.body.telecom.some((t: { value: string }) => t.value === 'k.bennani@example.test'));
    for (const body of [{ status: ['a'] }, { email: 'x@y.ma', nickname: 'k' }]) {
      const res = await patient.call('/api/me/contact', { method: 'PUT', body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
    }
    assert.deepEqual((await patient.call('/api/me/contact')).body, mine.body);
    const empty = await patient.call('/api/me/contact', { method: 'PUT', body: {} });
    assert.equal(empty.status, 200);
    assert.deepEqual((await patient.call('/api/me/contact')).body, mine.body, '{} changes nothing');
  });

  it('refuses a malformed number, naming the field', async () => {
    const res = await patient.call('/api/me/contact', {
      method: 'PUT',
      body: { phone: '12', email: 'x@y.ma' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.issue[0].expression[0], 'phone');
  });
});

describe('administrators manage accounts', () => {
  it('create a staff account with several roles; the person chooses a password from the emailed link', async () => {
    const res = await admin.call('/auth/admin/accounts', {
      method: 'POST',
      body: {
        login: 'infirmiere@test.sahti.ma',
        displayName: 'Salma Idrissi',
        email: 'salma@example.test',
        roles: ['nurse', 'unit-assistant'],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.account.roles, ['nurse', 'unit-assistant']);
    const mail = await inbox.next('salma@example.test');
    assert.match(mail.text, /reset-password#token=/);
    const list = await admin.call('/auth/admin/accounts?q=salma');
    assert.equal(list.body.accounts.length, 1);
    const changed = await admin.call(`/auth/admin/accounts/${res.body.account.id}`, {
      method: 'PATCH',
      body: { roles: ['nurse', 'hub-specialist'] },
    });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body.account.roles, ['nurse', 'hub-specialist']);
  });

  it('refuses a patient role on a staff account and anyone but an administrator', async () => {
    const list = await admin.call('/auth/admin/accounts?q=salma');
    const bad = await admin.call(`/auth/admin/accounts/${list.body.accounts[0].id}`, {
      method: 'PATCH',
      body: { roles: ['patient'] },
    });
    assert.equal(bad.status, 400);
    const nurse = await signIn(server, ['nurse']);
    assert.equal((await nurse.call('/auth/admin/accounts')).status, 403);
  });
});

describe('emergency access from the search', () => {
  it('a doctor sees name and age for a CNIE before confirming; others are refused', async () => {
    await fhirFetch(server.fhirBase, '/Practitioner/acc-doc', {
      method: 'PUT',
      body: { resourceType: 'Practitioner', id: 'acc-doc' },
    });
    const doctor = await signIn(server, ['doctor'], 'Practitioner/acc-doc');
    const preview = await doctor.call('/api/break-glass/preview', {
      method: 'POST',
      body: { identifier: 'ac200001' },
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.patient, 'Patient/acc-p');
    assert.equal(preview.body.name, 'Khadija Bennani');
    assert.ok(preview.body.age >= 50);
    assert.equal((await doctor.fhir('/Patient/acc-p')).status, 404, 'the preview opens nothing');
    const unknown = await doctor.call('/api/break-glass/preview', {
      method: 'POST',
      body: { identifier: 'ZZ000000' },
    });
    assert.equal(unknown.status, 404);
    const assistant = await signIn(server, ['unit-assistant']);
    assert.equal(
      (await assistant.call('/api/break-glass/preview', { method: 'POST', body: { identifier: 'AC200001' } }))
        .status,
      403,
    );
  });
});
