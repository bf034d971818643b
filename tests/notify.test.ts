/**
 * Notifications that are really sent: email received by a real SMTP server in the recipient's
 * language, SMS through the HTTP provider to a local gateway, retries and dead letters visible to
 * administrators, the break-the-glass notice, and the outbox's transactional rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageSender } from '../packages/server/src/auth/messages.ts';
import { redactSecrets, requeueOrphans } from '../packages/server/src/notify/dispatcher.ts';
import { enqueueNotification, type Notification } from '../packages/server/src/notify/index.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { type SmsGateway, startSmsGateway } from './support/sms-gateway.ts';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.ts';

let server: TestServer;
let inbox: SmtpInbox;
let gateway: SmsGateway;
let admin: Person;
let doctor: Person;

before(async () => {
  inbox = await startSmtpInbox();
  gateway = await startSmsGateway();
  // quick retries for the test: 3 attempts, 1 s then 2 s apart (with jitter)
  Object.assign(process.env, {
    SAHTI_JOBS_POLL_SECONDS: '0.5',
    SAHTI_NOTIFY_MAX_ATTEMPTS: '3',
    SAHTI_NOTIFY_RETRY_SECONDS: '1',
    SAHTI_NOTIFY_SWEEP_MS: '100',
    SAHTI_SMS_URL: `${gateway.url}/send?sender=Sahti`,
    SAHTI_SMS_TEMPLATE: '{"to":"{to}","message":"{text}"}',
    SAHTI_SMS_HEADERS: '{"authorization":"Bearer gateway-token"}',
  });
  server = await startTestServer({}, { auth: { smtpUrl: inbox.url } });
  admin = await signIn(server, ['administrator']);
  const practitioner = await fhirFetch(server.fhirBase, '/Practitioner/pr-notify', {
    method: 'PUT',
    body: { resourceType: 'Practitioner', id: 'pr-notify', name: [{ family: 'Alaoui', given: ['Nadia'] }] },
  });
  assert.ok(practitioner.status < 300, JSON.stringify(practitioner.body));
  doctor = await signIn(server, ['doctor'], 'Practitioner/pr-notify');
});
after(async () => {
  await server?.close();
  await inbox?.close();
  await gateway?.close();
});

let serial = 0;
async function newPatient(contact: { email?: string; phone?: string; language?: string }): Promise<string> {
  const id = `pn-${++serial}`;
  const res = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
    method: 'PUT',
    body: {
      resourceType: 'Patient',
      id,
      name: [{ family: 'Notify', given: [`P${serial}`] }],
      telecom: [
        ...(contact.email ? [{ system: 'email', value: contact.email }] : []),
        ...(contact.phone ? [{ system: 'phone', value: contact.phone }] : []),
      ],
      communication: contact.language
        ? [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: contact.language }] }, preferred: true }]
        : undefined,
    },
  });
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return id;
}

async function enqueue(n: Notification): Promise<string> {
  const id = await server.platform.db.transaction((tx) => enqueueNotification(tx, n));
  server.platform.notifications.nudge();
  return id;
}

async function row(id: string) {
  const { rows } = await server.platform.db.query<{
    status: string;
    attempts: number;
    language: string | null;
    last_error: string | null;
    body: string | null;
    sensitive: boolean;
    expires_at: Date | null;
    patient_id: string | null;
  }>(
    `SELECT status, attempts, language, last_error, body, sensitive, expires_at, patient_id
       FROM notification_outbox WHERE id = $1::text`,
    [id],
  );
  return rows[0];
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const statusOf = (id: string, status: string) => async () =>
  (await row(id))?.status === status ? true : undefined;
const breakGlassParams = {
  practitioner: 'Dr Nadia Alaoui',
  at: '2026-06-14T09:30:00Z',
  reason: 'Inconscient aux urgences',
};

describe('email over SMTP', () => {
  it('reaches a real SMTP server in the patient’s preferred language, or in the language given', async () => {
    const patient = await newPatient({ email: 'salma@example.ma', language: 'ar-MA' });
    const id = await enqueue({
      patientId: patient,
      channel: 'email',
      recipient: 'salma@example.ma',
      template: 'break-glass',
      params: breakGlassParams,
    });
    const arabic = await inbox.next('salma@example.ma');
    assert.equal(arabic.subject, 'صحتي: دخول استعجالي إلى ملفك');
    assert.match(arabic.text, /فتح Dr Nadia Alaoui ملفك الطبي في حالة استعجال بتاريخ 14 يونيو 2026/);
    assert.equal(arabic.from, 'no-reply@sahti.ma');
    await until('sent', statusOf(id, 'sent'));
    assert.deepEqual(
      { ...(await row(id)), expires_at: undefined, body: undefined },
      {
        status: 'sent',
        attempts: 1,
        language: 'ar',
        last_error: null,
        body: undefined,
        sensitive: false,
        expires_at: undefined,
        patient_id: patient,
      },
    );

    await enqueue({
      channel: 'email',
      recipient: 'john@example.ma',
      template: 'break-glass',
      params: breakGlassParams,
      language: 'en',
    });
    const english = await inbox.next('john@example.ma');
    assert.equal(english.subject, 'Sahti: emergency access to your record');
    assert.match(
      english.text,
      /Dr Nadia Alaoui opened your medical record in an emergency on 14 June 2026 at 10:30/,
    );

    const french = await newPatient({ email: 'karim@example.ma' }); // no language: French
    await enqueue({
      patientId: french,
      channel: 'email',
      recipient: 'karim@example.ma',
      template: 'login-code',
      params: { code: '123456', minutes: 10 },
    });
    assert.match((await inbox.next('karim@example.ma')).text, /Votre code de connexion Sahti est 123456/);
  });

  it('delivers the break-the-glass notice to the patient', async () => {
    const patient = await newPatient({ email: 'youssef@example.ma' });
    const res = await doctor.call('/api/break-glass', {
      method: 'POST',
      body: { patient: `Patient/${patient}`, reason: 'Patient inconscient, allergies inconnues' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const mail = await inbox.next('youssef@example.ma');
    assert.match(mail.subject, /accès en urgence à votre dossier/);
    assert.match(mail.text, /Patient inconscient, allergies inconnues/);
  });

  it('retries an address refused for now (451) until it is accepted', async () => {
    inbox.refuse('later@example.ma', 451);
    const id = await enqueue({
      channel: 'email',
      recipient: 'later@example.ma',
      subject: 'Bonjour',
      body: 'Un message',
    });
    await until('two refusals', async () => (inbox.refusals.get('later@example.ma') ?? 0) >= 2 || undefined);
    inbox.accept('later@example.ma');
    assert.equal((await inbox.next('later@example.ma')).text, 'Un message');
    await until('sent', statusOf(id, 'sent'));
    const detail = await admin.call(`/api/admin/notifications/${id}`);
    assert.deepEqual(
      detail.body.history.map((a: { outcome: string; provider: string }) => [a.outcome, a.provider]),
      [
        ['failed', 'smtp'],
        ['failed', 'smtp'],
        ['sent', 'smtp'],
      ],
    );
    assert.match(detail.body.history[0].error, /451/);
  });

  it('gives up at once on a permanent refusal (550): failed, a dead letter, no retries', async () => {
    inbox.refuse('never@example.ma', 550);
    const id = await enqueue({
      channel: 'email',
      recipient: 'never@example.ma',
      subject: 'Bonjour',
      body: 'Jamais',
    });
    await until('failed', statusOf(id, 'failed'));
    assert.equal((await row(id)).attempts, 1);
    assert.match((await row(id)).last_error ?? '', /SMTP 550/);
    const dead = await until('the dead letter', async () => {
      const list = await admin.call('/api/admin/jobs?state=dead');
      return list.body.jobs.find((j: { payload: { id: string } }) => j.payload.id === id);
    });
    assert.equal(dead.name, 'notify.deliver');
    assert.equal(dead.attempts, 1);
  });
});

describe('SMS through the HTTP provider', () => {
  it('sends the filled template with the configured method, URL and headers', async () => {
    const patient = await newPatient({ phone: '+212612345678', language: 'fr' });
    const id = await enqueue({
      patientId: patient,
      channel: 'sms',
      recipient: '+212612345678',
      template: 'break-glass',
      params: { ...breakGlassParams, reason: 'Douleur "aiguë"\nthoracique' },
    });
    const request = await gateway.next('+212612345678');
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/send?sender=Sahti');
    assert.equal(request.headers.authorization, 'Bearer gateway-token');
    assert.equal(request.headers['content-type'], 'application/json');
    const sms = JSON.parse(request.body);
    assert.equal(sms.to, '+212612345678');
    assert.match(sms.message, /^Dr Nadia Alaoui a ouvert votre dossier médical en urgence/);
    assert.match(sms.message, /Motif : Douleur "aiguë"\nthoracique/);
    await until('sent', statusOf(id, 'sent'));
  });

  it('delivers identity’s codes at once, marked sensitive, without patient id, expiring', async () => {
    await new MessageSender(server.platform.db).sms('+212600000001', 'Sahti : votre code est 424242.');
    const request = await gateway.next('+212600000001', 5000);
    assert.equal(JSON.parse(request.body).message, 'Sahti : votre code est 424242.');
    const { rows } = await server.platform.db.query<{ id: string }>(
      `SELECT id FROM notification_outbox WHERE recipient = '+212600000001'`,
    );
    const sent = await until('sent', async () =>
      (await row(rows[0].id)).status === 'sent' ? row(rows[0].id) : undefined,
    );
    assert.equal(sent.sensitive, true);
    assert.equal(sent.patient_id, null);
    assert.ok(sent.expires_at && new Date(sent.expires_at).getTime() > Date.now());
    const detail = await admin.call(`/api/admin/notifications/${rows[0].id}`);
    assert.equal(detail.body.recipient, '+2126*****01', 'administrators see a masked number');
    assert.equal(JSON.stringify(detail.body).includes('424242'), false, 'and never the text');
  });

  it('retries a failing gateway (HTTP 500), then dead-letters it for administrators, who can retry it', async () => {
    gateway.failFor('+212699999999', 500);
    const id = await enqueue({
      channel: 'sms',
      recipient: '+212699999999',
      template: 'login-code',
      params: { code: '777111', minutes: 10 },
      language: 'ar',
    });
    await until('failed', statusOf(id, 'failed'));
    assert.equal(gateway.requests.filter((r) => r.body.includes('+212699999999')).length, 3);

    const detail = await admin.call(`/api/admin/notifications/${id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.status, 'failed');
    assert.deepEqual(
      detail.body.history.map((a: { attempt: number; outcome: string; provider: string; error: string }) => [
        a.attempt,
        a.outcome,
        a.provider,
        a.error,
      ]),
      [1, 2, 3].map((n) => [n, 'failed', 'sms-http', 'SMS gateway answered HTTP 500']),
    );
    const failed = await admin.call('/api/admin/notifications?status=failed');
    assert.ok(failed.body.notifications.some((n: { id: string }) => n.id === id));

    const dead = await until('the dead letter', async () => {
      const list = await admin.call('/api/admin/jobs?state=dead');
      assert.equal(list.status, 200);
      return list.body.jobs.find((j: { payload: { id: string } }) => j.payload.id === id);
    });
    assert.equal(dead.name, 'notify.deliver');
    assert.equal(dead.attempts, 3);
    assert.match(dead.error, /HTTP 500/);

    // only administrators
    assert.equal((await doctor.call('/api/admin/jobs?state=dead')).status, 403);
    assert.equal((await fetch(`${server.url}/api/admin/jobs?state=dead`)).status, 401);
    assert.equal((await doctor.call(`/api/admin/notifications/${id}`)).status, 403);

    gateway.heal('+212699999999');
    const retried = await admin.call(`/api/admin/jobs/${dead.id}/retry`, { method: 'POST' });
    assert.equal(retried.status, 202);
    const request = await gateway.next('+212699999999');
    assert.match(JSON.parse(request.body).message, /777111/);
    assert.match(JSON.parse(request.body).message, /رمز الدخول/);
    await until('sent after the retry', statusOf(id, 'sent'));
    const list = await admin.call('/api/admin/jobs?state=dead');
    assert.equal(
      list.body.jobs.some((j: { id: string }) => j.id === dead.id),
      false,
    );
    assert.equal((await admin.call(`/api/admin/jobs/${dead.id}/retry`, { method: 'POST' })).status, 404);
    assert.equal((await admin.call(`/api/admin/notifications/${id}/retry`, { method: 'POST' })).status, 409);
  });
});

describe('the outbox', () => {
  it('sends nothing for a rolled-back transaction', async () => {
    await assert.rejects(
      server.platform.db.transaction(async (tx) => {
        await enqueueNotification(tx, {
          channel: 'email',
          recipient: 'ghost@example.ma',
          subject: 'x',
          body: 'y',
        });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    server.platform.notifications.nudge();
    await assert.rejects(inbox.next('ghost@example.ma', 1500));
    const { rows } = await server.platform.db.query(
      `SELECT 1 FROM notification_outbox WHERE recipient = 'ghost@example.ma'`,
    );
    assert.equal(rows.length, 0);
  });

  it('does not send a message that expired, and fails one without a recipient, visibly', async () => {
    const expired = await enqueue({
      channel: 'email',
      recipient: 'late@example.ma',
      subject: 'Code',
      body: 'Trop tard',
      expiresAt: new Date(Date.now() - 1000),
    });
    await until('expired', statusOf(expired, 'expired'));
    await assert.rejects(inbox.next('late@example.ma', 500));
    const nowhere = await enqueue({ channel: 'sms', subject: 'Sahti', body: 'Nulle part' });
    await until('failed', statusOf(nowhere, 'failed'));
    const detail = await admin.call(`/api/admin/notifications/${nowhere}`);
    assert.equal(detail.body.lastError, 'no recipient address');
    assert.equal(detail.body.history[0].outcome, 'failed');
  });

  it('refuses an unknown template or missing parameters in the caller’s transaction', async () => {
    await assert.rejects(
      enqueue({ channel: 'sms', recipient: '+212600000002', template: 'login-code', params: { code: '1' } }),
      /needs minutes/,
    );
    await assert.rejects(
      enqueue({ channel: 'sms', recipient: '+212600000002' }),
      /a template, or a subject and a body/,
    );
  });

  it('erases the text of codes a day after they were sent, and requeues a notification whose job vanished', async () => {
    await new MessageSender(server.platform.db).email('old-code@example.ma', 'Code', 'Votre code est 909090');
    await inbox.next('old-code@example.ma');
    const { rows } = await server.platform.db.query<{ id: string }>(
      `SELECT id FROM notification_outbox WHERE recipient = 'old-code@example.ma'`,
    );
    const id = rows[0].id;
    await until('sent', statusOf(id, 'sent'));
    assert.equal(await redactSecrets(server.platform.db), 0, 'not before a day');
    await server.platform.db.query(
      `UPDATE notification_outbox SET created_at = now() - interval '25 hours' WHERE id = $1::text`,
      [id],
    );
    assert.equal(await redactSecrets(server.platform.db), 1);
    assert.equal((await row(id)).body, null);

    // an orphan: queued three days ago, its job gone; requeued, swept again (and found expired)
    const orphan = await enqueue({
      channel: 'email',
      recipient: 'orphan@example.ma',
      subject: 'Code',
      body: 'Trop tard',
      expiresAt: new Date(Date.now() - 1000),
    });
    await until('expired', statusOf(orphan, 'expired'));
    await server.platform.db.query(
      `UPDATE notification_outbox SET status = 'queued', queued_at = now() - interval '3 days' WHERE id = $1::text`,
      [orphan],
    );
    assert.equal(await requeueOrphans(server.platform.db), 1);
    await until('swept again', statusOf(orphan, 'expired'));
  });

  it('shows the backlog and the delivery counters to administrators', async () => {
    const backlog = await admin.call('/api/admin/notifications/backlog');
    assert.equal(backlog.status, 200);
    assert.deepEqual(backlog.body.channels, ['email', 'sms']);
    assert.ok(Array.isArray(backlog.body.backlog));
    const stats = await admin.call('/api/admin/jobs/stats');
    assert.equal(stats.status, 200);
    assert.ok(stats.body.counters['notify.deliver'].completed >= 5);
    assert.ok(stats.body.counters['notify.deliver'].failedAttempts >= 3);
    assert.ok(stats.body.queues.some((q: { name: string }) => q.name === 'notify.deliver'));
  });
});
