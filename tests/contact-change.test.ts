/**
 * A new email or phone is confirmed by the code sent to it (PUT /api/me/contact answers 202, POST
 * /api/me/contact/confirm makes the change), through HTTP on both databases: codes read from a
 * real SMTP server and an HTTP SMS gateway; the address being replaced is told, without a code.
 * Abuse: a wrong code, a code used twice, another account's code, a code replaced by a newer
 * request, nothing waiting, too many wrong tries, an expired code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmContactChange } from '../packages/server/src/access/contact-change.ts';
import { type Account, findAccountByLogin, updateContact } from '../packages/server/src/auth/accounts.ts';
import { startMessageSinks } from './support/message-sinks.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer, testBackend } from './support/server.ts';
import type { SmsGateway } from './support/sms-gateway.ts';
import type { SmtpInbox } from './support/smtp-inbox.ts';

let server: TestServer;
let inbox: SmtpInbox;
let gateway: SmsGateway;
const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
let serial = 0;

before(async () => {
  const sinks = await startMessageSinks();
  ({ inbox, gateway } = sinks);
  server = await startTestServer({}, { auth: { smtpUrl: sinks.smtpUrl } });
});
after(async () => {
  await server?.close();
  await inbox?.close();
  await gateway?.close();
});

interface Owner {
  person: Person;
  patientId: string;
  email: string;
  phone: string;
}

/** A patient with a record and an account holding `email` and `phone`, signed in. */
async function patientWithContact(language?: 'ar' | 'en'): Promise<Owner> {
  const n = ++serial;
  const patientId = `cc-p${n}`;
  const email = `old${n}@example.test`;
  const phone = `+2126000002${String(n).padStart(2, '0')}`;
  await fhirFetch(server.fhirBase, `/Patient/${patientId}`, {
    method: 'PUT',
    body: {
      resourceType: 'Patient',
      id: patientId,
      identifier: [{ system: CNIE, value: `CC3000${String(n).padStart(2, '0')}` }],
      name: [{ text: `Patiente ${n}` }],
      telecom: [
        { system: 'phone', value: phone, use: 'mobile' },
        { system: 'email', value: email },
      ],
      ...(language
        ? { communication: [{ language: { coding: [{ code: language }] }, preferred: true }] }
        : {}),
    },
  });
  const person = await signIn(server, ['patient'], `Patient/${patientId}`);
  const account = await findAccountByLogin(server.platform.db, person.login);
  await updateContact(server.platform.db, account?.id as string, { email, phone });
  return { person, patientId, email, phone };
}

const put = (who: Person, body: unknown) => who.call('/api/me/contact', { method: 'PUT', body });
const confirm = (who: Person, channel: string, code: unknown) =>
  who.call('/api/me/contact/confirm', { method: 'POST', body: { channel, code } });
const codeIn = (text: string) => {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  assert.ok(code, `no code in: ${text}`);
  return code;
};
const mailedCode = async (to: string) => codeIn((await inbox.next(to)).text);
const smsText = async (to: string) => JSON.parse((await gateway.next(to)).body).text as string;
const telecomOf = async (patientId: string) =>
  (await fhirFetch(server.fhirBase, `/Patient/${patientId}`)).body.telecom.map(
    (t: { system: string; value: string }) => `${t.system}:${t.value}`,
  );
/** A code that is not `code`. */
const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('a new email or phone is confirmed by the code sent to it', () => {
  it('email: 202 and nothing changed until the emailed code comes back; the old address is told, without a code', async () => {
    const { person, patientId, email, phone } = await patientWithContact();
    const res = await put(person, { email: '  nouvelle@example.test ' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body, { email, phone, pending: { email: 'nouvelle@example.test' } });
    assert.deepEqual((await person.call('/api/me/contact')).body, {
      email,
      phone,
      pending: { email: 'nouvelle@example.test' },
    });
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, `email:${email}`]);

    const mail = await inbox.next('nouvelle@example.test');
    assert.match(mail.subject, /confirmez votre nouvelle adresse/);
    const code = codeIn(mail.text);
    const notice = await inbox.next(email);
    assert.match(notice.subject, /changement de vos coordonnées/);
    assert.match(notice.text, /n\*\*\*@example\.test/);
    assert.doesNotMatch(notice.text, /\d{6}/, 'no code goes to the old address');

    const done = await confirm(person, 'email', code);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body, { email: 'nouvelle@example.test', phone });
    assert.deepEqual((await person.call('/api/me/contact')).body, { email: 'nouvelle@example.test', phone });
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, 'email:nouvelle@example.test']);
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await server.platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_trail WHERE patient_id = $1::text
         AND content->>'outcomeDesc' = 'contact details changed by their owner'`,
      [patientId],
    );
    assert.equal(rows[0].n, 1);
  });

  it('phone: the code goes by SMS to the new number, in the patient’s language; the old number is told', async () => {
    const { person, patientId, email, phone } = await patientWithContact('ar');
    const res = await put(person, { phone: '06 61 00 00 01' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body.pending, { phone: '+212661000001' });
    const text = await smsText('+212661000001');
    assert.match(text, /صحتي/);
    const notice = await smsText(phone);
    assert.match(notice, /رقم هاتفك/);
    assert.doesNotMatch(notice, /\d{6}/);
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, `email:${email}`]);
    const done = await confirm(person, 'phone', codeIn(text));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(await telecomOf(patientId), ['phone:+212661000001', `email:${email}`]);
    assert.equal((await person.call('/api/me/contact')).body.phone, '+212661000001');
  });

  it('any account: a staff member’s email, in the language of the request', async () => {
    const doctor = await signIn(server, ['doctor'], 'Practitioner/cc-dr');
    const res = await doctor.call('/api/me/contact', {
      method: 'PUT',
      body: { email: 'dr.new@example.test' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const account = await findAccountByLogin(server.platform.db, doctor.login);
    assert.equal(account?.email, doctor.login, 'unchanged until confirmed');
    // (the request above had no language: French; English when the caller asks for it)
    const fr = await inbox.next('dr.new@example.test');
    assert.match(fr.subject, /Sahti : confirmez/);
    const again = await fetch(`${server.url}/api/me/contact`, {
      method: 'PUT',
      headers: {
        cookie: doctor.cookie,
        'content-type': 'application/json',
        'accept-language': 'en-GB,en;q=0.8',
        'x-csrf-token': await csrfOf(doctor),
      },
      body: JSON.stringify({ email: 'dr.new@example.test' }),
    });
    assert.equal(again.status, 202);
    const en = await inbox.next('dr.new@example.test');
    assert.match(en.subject, /Sahti: confirm your new email address/);
    const done = await confirm(doctor, 'email', codeIn(en.text));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await findAccountByLogin(server.platform.db, doctor.login))?.email, 'dr.new@example.test');
  });

  it('clearing needs no code (the old address is told); saving the address in force drops a waiting change', async () => {
    const { person, patientId, email, phone } = await patientWithContact();
    const cleared = await put(person, { email: null });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(cleared.body, { email: null, phone });
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`]);
    const notice = await inbox.next(email);
    assert.match(notice.text, /retirée/);
    assert.equal((await put(person, { phone: '0661000002' })).status, 202);
    assert.equal((await put(person, { phone })).status, 200, 'the number in force: nothing to confirm');
    assert.deepEqual((await person.call('/api/me/contact')).body, { email: null, phone });
    const code = codeIn(await smsText('+212661000002'));
    assert.equal((await confirm(person, 'phone', code)).status, 409);
  });
});

describe('abuse of the contact change', () => {
  it('a wrong code is 400 with an OperationOutcome and changes nothing', async () => {
    const { person, email } = await patientWithContact();
    assert.equal((await put(person, { email: 'wrong@example.test' })).status, 202);
    const code = await mailedCode('wrong@example.test');
    const res = await confirm(person, 'email', other(code));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.deepEqual(res.body.issue[0].expression, ['code']);
    assert.equal((await person.call('/api/me/contact')).body.email, email);
    assert.equal((await confirm(person, 'email', 'abc')).status, 400);
    assert.equal((await confirm(person, 'email', code)).status, 200, 'the right code still works');
  });

  it('a code is used once', async () => {
    const { person } = await patientWithContact();
    assert.equal((await put(person, { email: 'once@example.test' })).status, 202);
    const code = await mailedCode('once@example.test');
    assert.equal((await confirm(person, 'email', code)).status, 200);
    const again = await confirm(person, 'email', code);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    // the same address asked again: the earlier code is still not good for it
    assert.equal((await put(person, { email: 'twice@example.test' })).status, 202);
    assert.equal((await confirm(person, 'email', code)).status, 400);
    assert.equal((await person.call('/api/me/contact')).body.email, 'once@example.test');
  });

  it("another account's code confirms nothing", async () => {
    const a = await patientWithContact();
    const b = await patientWithContact();
    assert.equal((await put(a.person, { email: 'a.new@example.test' })).status, 202);
    assert.equal((await put(b.person, { email: 'b.new@example.test' })).status, 202);
    const codeOfA = await mailedCode('a.new@example.test');
    const codeOfB = await mailedCode('b.new@example.test');
    if (codeOfA !== codeOfB) {
      const res = await confirm(b.person, 'email', codeOfA);
      assert.equal(res.status, 400, JSON.stringify(res.body));
    }
    assert.equal((await b.person.call('/api/me/contact')).body.email, b.email);
    assert.equal((await a.person.call('/api/me/contact')).body.email, a.email);
    // nor does a code for the email confirm the phone
    assert.equal((await put(b.person, { phone: '0661000003' })).status, 202);
    const phoneCode = codeIn(await smsText('+212661000003'));
    if (phoneCode !== codeOfB) assert.equal((await confirm(b.person, 'email', phoneCode)).status, 400);
    assert.equal((await confirm(a.person, 'email', codeOfA)).status, 200);
    assert.equal((await a.person.call('/api/me/contact')).body.email, 'a.new@example.test');
  });

  it('a newer request replaces the waiting value, and its code the earlier one', async () => {
    const { person, patientId, phone } = await patientWithContact();
    assert.equal((await put(person, { email: 'first@example.test' })).status, 202);
    const first = await mailedCode('first@example.test');
    const second = await put(person, { email: 'second@example.test' });
    assert.equal(second.status, 202);
    assert.deepEqual(second.body.pending, { email: 'second@example.test' });
    const secondCode = await mailedCode('second@example.test');
    if (first !== secondCode) {
      const stale = await confirm(person, 'email', first);
      assert.equal(stale.status, 400, JSON.stringify(stale.body));
    }
    assert.equal((await confirm(person, 'email', secondCode)).status, 200);
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, 'email:second@example.test']);
  });

  it('nothing waiting: 409', async () => {
    const { person, email } = await patientWithContact();
    const res = await confirm(person, 'email', '123456');
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal((await confirm(person, 'fax', '123456')).status, 400);
    assert.equal((await person.call('/api/me/contact')).body.email, email);
  });

  it('five wrong codes: even the right one is then refused (429), and no new code is sent that day', async () => {
    const { person, email } = await patientWithContact();
    assert.equal((await put(person, { email: 'guess@example.test' })).status, 202);
    const code = await mailedCode('guess@example.test');
    for (let i = 1; i <= 5; i++) {
      const res = await confirm(person, 'email', other(String(Number(code) + i)));
      assert.equal(res.status, 400, `try ${i}: ${JSON.stringify(res.body)}`);
    }
    const right = await confirm(person, 'email', code);
    assert.equal(right.status, 429, JSON.stringify(right.body));
    assert.equal(right.body.resourceType, 'OperationOutcome');
    assert.equal((await person.call('/api/me/contact')).body.email, email);
    const again = await put(person, { email: 'guess@example.test' });
    assert.equal(again.status, 429, 'asking again buys no fresh tries');
  });

  it('an expired code is refused (410)', async () => {
    const { person, email } = await patientWithContact();
    assert.equal((await put(person, { email: 'late@example.test' })).status, 202);
    const code = await mailedCode('late@example.test');
    await server.platform.db.query(
      `UPDATE auth_contact_change SET expires_at = now() - interval '1 second'
       WHERE value = 'late@example.test'`,
    );
    const res = await confirm(person, 'email', code);
    assert.equal(res.status, 410, JSON.stringify(res.body));
    assert.equal((await person.call('/api/me/contact')).body.email, email);
    assert.deepEqual((await person.call('/api/me/contact')).body.pending, undefined);
  });
});

describe('races: exactly one effect', () => {
  it('the right code sent five times at once makes the change once (one 200, the others 409)', async () => {
    const { person, patientId, phone } = await patientWithContact();
    assert.equal((await put(person, { email: 'race@example.test' })).status, 202);
    const code = await mailedCode('race@example.test');
    const answers = await Promise.all(Array.from({ length: 5 }, () => confirm(person, 'email', code)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409], JSON.stringify(answers.map((a) => a.body)));
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, 'email:race@example.test']);
  });

  it('a confirmation racing a newer request: either the confirmed address is in force and the newer one waits, or only the newer one waits', async () => {
    const { person, patientId, email, phone } = await patientWithContact();
    assert.equal((await put(person, { email: 'a.race@example.test' })).status, 202);
    const code = await mailedCode('a.race@example.test');
    const [confirmed, newer] = await Promise.all([
      confirm(person, 'email', code),
      put(person, { email: 'b.race@example.test' }),
    ]);
    assert.equal(newer.status, 202, JSON.stringify(newer.body));
    const now = (await person.call('/api/me/contact')).body;
    assert.deepEqual(now.pending, { email: 'b.race@example.test' });
    if (confirmed.status === 200) assert.equal(now.email, 'a.race@example.test');
    else {
      assert.equal(confirmed.status, 400, JSON.stringify(confirmed.body));
      assert.equal(now.email, email);
    }
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, `email:${now.email}`]);
  });

  it('a confirmation that began before a newer request committed does not confirm the newer value with the older code', async (t) => {
    if (testBackend() !== 'postgres') return t.skip('two transactions at once: PostgreSQL only');
    const { person, patientId, email } = await patientWithContact();
    assert.equal((await put(person, { email: 'a.early@example.test' })).status, 202);
    const older = await mailedCode('a.early@example.test');
    const account = (await findAccountByLogin(server.platform.db, person.login)) as Account;
    const { db, store } = server.platform;
    // the confirmation's transaction starts first (its now() is fixed there); the newer request
    // commits meanwhile and expires the older code as of its own, later, start
    const result = await db.transaction(async (tx) => {
      await tx.query('SELECT now()');
      assert.equal((await put(person, { email: 'b.later@example.test' })).status, 202);
      return confirmContactChange(tx, store, account, patientId, 'email', older);
    });
    assert.deepEqual(result, { refused: 'wrong' }, 'the older code confirmed the newer address');
    const now = (await person.call('/api/me/contact')).body;
    assert.deepEqual([now.email, now.pending], [email, { email: 'b.later@example.test' }]);
    // the newer address is confirmed by its own code
    const newer = await mailedCode('b.later@example.test');
    assert.equal((await confirm(person, 'email', newer)).status, 200);
    assert.equal((await person.call('/api/me/contact')).body.email, 'b.later@example.test');
  });

  it('a new email and a new phone confirmed at the same moment: the account and the record both hold the two', async () => {
    const { person, patientId } = await patientWithContact();
    assert.equal((await put(person, { email: 'both@example.test', phone: '0661000005' })).status, 202);
    const emailCode = await mailedCode('both@example.test');
    const phoneCode = codeIn(await smsText('+212661000005'));
    const answers = await Promise.all([
      confirm(person, 'email', emailCode),
      confirm(person, 'phone', phoneCode),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
      JSON.stringify(answers.map((a) => a.body)),
    );
    assert.deepEqual((await person.call('/api/me/contact')).body, {
      email: 'both@example.test',
      phone: '+212661000005',
    });
    assert.deepEqual(await telecomOf(patientId), ['phone:+212661000005', 'email:both@example.test']);
  });
});

describe('the address told is the one the messages go to', () => {
  it('the record’s email and phone (where appointment and access notices go) are told too, when the account’s differ or are missing', async () => {
    const { person, email, phone } = await patientWithContact();
    // the account holds no email and another phone than the record (the care team registered them)
    const account = await findAccountByLogin(server.platform.db, person.login);
    await updateContact(server.platform.db, account?.id as string, { email: null, phone: '+212600000399' });
    assert.equal((await put(person, { email: 'moved@example.test', phone: '0661000004' })).status, 202);
    const code = await mailedCode('moved@example.test');
    const notice = await inbox.next(email, 5_000);
    assert.match(notice.text, /m\*\*\*@example\.test/);
    assert.doesNotMatch(notice.text, /\d{6}/, 'no code goes to the old address');
    for (const old of ['+212600000399', phone]) assert.doesNotMatch(await smsText(old), /\d{6}/);
    assert.equal((await confirm(person, 'email', code)).status, 200);
  });
});

describe('the care team changes the record’s phone or email', () => {
  const careTeamNotices = async (patientId: string) =>
    (
      await server.platform.db.query<{ recipient: string }>(
        `SELECT recipient FROM notification_outbox
          WHERE patient_id = $1::text AND template = 'contact-changed-by-care-team' ORDER BY recipient`,
        [patientId],
      )
    ).rows.map((r) => r.recipient);
  const record = async (patientId: string) =>
    (await fhirFetch(server.fhirBase, `/Patient/${patientId}`)).body;
  const write = async (patient: unknown) => {
    const res = await fhirFetch(server.fhirBase, `/Patient/${(patient as { id: string }).id}`, {
      method: 'PUT',
      body: patient,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  it('each address taken off the record is told, without a code, in the patient’s language; an address added beside is not', async () => {
    const { patientId, email, phone } = await patientWithContact('en');
    const patient = await record(patientId);
    // a second email beside the one in force: nobody loses their messages, nobody is told
    await write({
      ...patient,
      telecom: [...patient.telecom, { system: 'email', value: 'work@example.test' }],
    });
    assert.deepEqual(await careTeamNotices(patientId), []);
    // the email replaced, the phone removed (a system client writing the record)
    await write({ ...patient, telecom: [{ system: 'email', value: 'typo@example.test' }] });
    const mail = await inbox.next(email);
    assert.match(mail.subject, /your contact details were changed/);
    assert.match(mail.text, /replaced the email address in your Sahti record with t\*\*\*@example\.test/);
    assert.doesNotMatch(mail.text, /\d{6}/, 'no code');
    assert.match(await smsText(phone), /removed the phone number from your Sahti record/);
    assert.deepEqual(await careTeamNotices(patientId), [phone, email, 'work@example.test'].sort());
  });

  it('is not told for the patient’s own confirmed change (its own notice went before), nor for another field', async () => {
    const { person, patientId } = await patientWithContact();
    assert.equal((await put(person, { email: 'mine@example.test' })).status, 202);
    assert.equal((await confirm(person, 'email', await mailedCode('mine@example.test'))).status, 200);
    await write({ ...(await record(patientId)), gender: 'female' });
    assert.deepEqual(await careTeamNotices(patientId), []);
  });
});

describe('the code is not skipped by writing the record directly', () => {
  it('a patient’s PUT /fhir/R4/Patient changing their phone or email is 403 and changes nothing; the rest of the demographics still change', async () => {
    const { person, patientId, email, phone } = await patientWithContact();
    const me = (await person.fhir(`/Patient/${patientId}`)).body;
    for (const telecom of [
      [{ system: 'email', value: 'thief@example.test' }],
      [...me.telecom, { system: 'sms', value: '+212699999999' }],
      [],
    ]) {
      const res = await person.fhir(`/Patient/${patientId}`, { method: 'PUT', body: { ...me, telecom } });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.resourceType, 'OperationOutcome');
    }
    const patched = await person.fhir(`/Patient/${patientId}`, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/telecom/1/value', value: 'thief@example.test' }],
    });
    assert.ok([403, 415].includes(patched.status), JSON.stringify(patched.body));
    assert.deepEqual(await telecomOf(patientId), [`phone:${phone}`, `email:${email}`]);
    assert.deepEqual((await person.call('/api/me/contact')).body, { email, phone });
    // the same addresses in another order, with the rest of the demographics changed: allowed
    const moved = await person.fhir(`/Patient/${patientId}`, {
      method: 'PUT',
      body: { ...me, telecom: [...me.telecom].reverse(), address: [{ city: 'Rabat' }] },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.address[0].city, 'Rabat');
  });
});

/** The CSRF token of a person's session (GET /auth/me gives it again). */
async function csrfOf(person: Person): Promise<string> {
  const res = await fetch(`${server.url}/auth/me`, { headers: { cookie: person.cookie } });
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}
