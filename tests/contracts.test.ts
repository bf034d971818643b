/**
 * Request bodies of the JSON API are checked against their contracts (packages/contracts) before a
 * handler runs: a wrong or missing field is a 400 that names it — an OperationOutcome on /api/*, an
 * RFC 6749 error on /auth/* — and nothing is written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let doctor: Person;
let patient: Person;

before(async () => {
  server = await startTestServer();
  doctor = await signIn(server, ['doctor'], 'Practitioner/c-dr');
  patient = await signIn(server, ['patient'], 'Patient/c-p');
});
after(() => server?.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('contracts of the JSON API', () => {
  it('/auth refuses a malformed body as invalid_request, naming the fields', async () => {
    const missing = await post('/auth/login', { login: 'x' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    assert.deepEqual(missing.body.fields, ['password']);
    const wrongType = await post('/auth/login', { login: ['x'], password: 'y' });
    assert.equal(wrongType.status, 400);
    assert.ok(wrongType.body.fields.includes('login'));
    assert.equal((await post('/auth/login', '"just a string"')).status, 400);
  });

  it('/api refuses with an OperationOutcome whose expression is the field, and changes nothing', async () => {
    const before = await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM care_relation',
    );
    const res = await doctor.call('/api/break-glass', { method: 'POST', body: { patient: 'Patient/x' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.deepEqual(res.body.issue[0].expression, ['reason']);
    const template = await doctor.call('/api/scheduling/schedules/none/template', {
      method: 'PUT',
      body: { slotMinutes: 30, sessions: [{ day: 'someday', start: '25:00', end: '09:00' }], exceptions: [] },
    });
    assert.equal(template.status, 400);
    assert.ok(
      template.body.issue.some((i: { expression: string[] }) => i.expression[0].startsWith('sessions[0]')),
    );
    const booking = await patient.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: "x' OR 1=1" },
    });
    assert.equal(booking.status, 400);
    assert.deepEqual(booking.body.issue[0].expression, ['slot']);
    const after = await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM care_relation',
    );
    assert.equal(after.rows[0].n, before.rows[0].n);
  });
});
