/**
 * Authorisation through the public API: who may read and write what (the matrix), consent taking
 * effect at once, break-the-glass end to end, and one audit event per patient-data access.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let patient1: Person;
let patient2: Person;
let drA: Person;
let drB: Person;
let manager: Person;
let admin: Person;

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  patient2 = await signIn(server, ['patient'], 'Patient/p2');
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
  manager = await signIn(server, ['programme-manager']);
  admin = await signIn(server, ['administrator']);
});
after(() => server?.close());

const weight = (subject: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: subject },
  valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});

describe('the authorisation matrix', () => {
  const cases: [string, () => Person, string, string, unknown, number][] = [
    ['patient reads own record', () => patient1, 'GET', '/Patient/p1', undefined, 200],
    ['patient reads own observation', () => patient1, 'GET', '/Observation/o1', undefined, 200],
    [
      'patient cannot see another patient (404, existence hidden)',
      () => patient1,
      'GET',
      '/Patient/p2',
      undefined,
      404,
    ],
    [
      "patient cannot read another patient's observation",
      () => patient1,
      'GET',
      '/Observation/o2',
      undefined,
      404,
    ],
    ['patient reads the facility directory', () => patient1, 'GET', '/Organization/org-a', undefined, 200],
    [
      'patient records a home reading for self',
      () => patient1,
      'POST',
      '/Observation',
      weight('Patient/p1'),
      201,
    ],
    [
      'patient cannot record for another patient',
      () => patient1,
      'POST',
      '/Observation',
      weight('Patient/p2'),
      403,
    ],
    [
      'patient cannot write the directory',
      () => patient1,
      'POST',
      '/Organization',
      { resourceType: 'Organization', name: 'X' },
      403,
    ],
    ['doctor with a care relationship reads the patient', () => drA, 'GET', '/Patient/p1', undefined, 200],
    [
      'doctor with a care relationship records an observation',
      () => drA,
      'POST',
      '/Observation',
      weight('Patient/p1'),
      201,
    ],
    [
      'doctor without a care relationship gets 404, as for an unknown patient',
      () => drB,
      'GET',
      '/Patient/p1',
      undefined,
      404,
    ],
    [
      'doctor cannot write for a patient outside their care',
      () => drB,
      'POST',
      '/Observation',
      weight('Patient/p1'),
      403,
    ],
    [
      'doctor cannot write the directory',
      () => drA,
      'POST',
      '/Organization',
      { resourceType: 'Organization', name: 'X' },
      403,
    ],
    [
      'programme manager counts observations',
      () => manager,
      'GET',
      '/Observation?_summary=count',
      undefined,
      200,
    ],
    ['programme manager cannot list observations', () => manager, 'GET', '/Observation', undefined, 403],
    [
      'programme manager cannot count by identifier',
      () => manager,
      'GET',
      '/Patient?identifier=A123456&_summary=count',
      undefined,
      403,
    ],
    ['programme manager cannot read a patient', () => manager, 'GET', '/Patient/p1', undefined, 403],
    [
      'administrator manages facilities',
      () => admin,
      'POST',
      '/Organization',
      { resourceType: 'Organization', name: 'CHU' },
      201,
    ],
    ['administrator cannot read patient data', () => admin, 'GET', '/Patient/p1', undefined, 403],
  ];
  for (const [name, who, method, path, body, status] of cases) {
    it(`${name}: ${method} ${path} → ${status}`, async () => {
      const res = await who().fhir(path, { method, body });
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 300));
      if (status >= 400) assert.equal(res.body.resourceType, 'OperationOutcome');
    });
  }
  it('refuses requests without credentials (401) and bad tokens (401)', async () => {
    const anonymous = await fetch(`${server.fhirBase}/Patient/p1`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /Bearer/);
    const forged = await fetch(`${server.fhirBase}/Patient/p1`, {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
    });
    assert.equal(forged.status, 401);
  });
  it('keeps the CapabilityStatement public', async () => {
    assert.equal((await fetch(`${server.fhirBase}/metadata`)).status, 200);
  });
  it('lets a search show only what the caller may see, counts included', async () => {
    const mine = await patient1.fhir('/Observation?_total=accurate');
    assert.ok(mine.body.entry.every((e: any) => e.resource.subject.reference === 'Patient/p1'));
    assert.equal(mine.body.total, mine.body.entry.length);
    const doctors = await drA.fhir('/Patient?_total=accurate');
    assert.deepEqual(
      doctors.body.entry.map((e: any) => e.resource.id),
      ['p1'],
    );
    // the care list drives these (search/drive.ts): another order, a count, a filter checked on it
    const sorted = await drA.fhir('/Patient?_sort=-birthdate&_total=accurate');
    assert.deepEqual([sorted.body.total, ...sorted.body.entry.map((e: any) => e.resource.id)], [1, 'p1']);
    const observations = await drA.fhir('/Observation?_sort=-date');
    assert.ok(observations.body.entry.length > 0);
    assert.ok(observations.body.entry.every((e: any) => e.resource.subject.reference === 'Patient/p1'));
  });
});

describe('consent', () => {
  it('a refusal takes effect at once, and its revocation too', async () => {
    const refusal = await patient1.fhir('/Consent', {
      method: 'POST',
      body: consent('Patient/p1', 'deny', 'Practitioner/pr-a'),
    });
    assert.equal(refusal.status, 201, JSON.stringify(refusal.body));
    assert.equal((await drA.fhir('/Patient/p1')).status, 404);
    assert.equal((await drA.fhir('/Observation?subject=Patient/p1')).body.entry.length, 0);
    const revoked = await patient1.fhir(`/Consent/${refusal.body.id}`, {
      method: 'PUT',
      body: { ...refusal.body, status: 'inactive' },
    });
    assert.equal(revoked.status, 200);
    assert.equal((await drA.fhir('/Patient/p1')).status, 200);
  });
  it('an opt-out of national sharing leaves only explicit shares', async () => {
    const optOut = await patient1.fhir('/Consent', { method: 'POST', body: consent('Patient/p1', 'deny') });
    assert.equal((await drA.fhir('/Patient/p1')).status, 404);
    const share = await patient1.fhir('/Consent', {
      method: 'POST',
      body: consent('Patient/p1', 'permit', 'Practitioner/pr-b'),
    });
    assert.equal((await drB.fhir('/Patient/p1')).status, 200);
    for (const c of [optOut.body, share.body]) await patient1.fhir(`/Consent/${c.id}`, { method: 'DELETE' });
    assert.equal((await drA.fhir('/Patient/p1')).status, 200);
    assert.equal((await drB.fhir('/Patient/p1')).status, 404);
  });
  it("a patient cannot write consents for someone else's record", async () => {
    const res = await patient1.fhir('/Consent', {
      method: 'POST',
      body: consent('Patient/p2', 'permit', 'Practitioner/pr-b'),
    });
    assert.equal(res.status, 403);
  });
});

describe('break-the-glass', () => {
  it('needs a reason, opens the record for a while, and shows in the patient access log', async () => {
    assert.equal((await drB.fhir('/Patient/p2')).status, 404);
    const noReason = await drB.call('/api/break-glass', {
      method: 'POST',
      body: { patient: 'Patient/p2', reason: 'x' },
    });
    assert.equal(noReason.status, 400);
    const grant = await drB.call('/api/break-glass', {
      method: 'POST',
      body: { patient: 'Patient/p2', reason: 'Unconscious patient admitted to emergency' },
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    assert.equal((await drB.fhir('/Patient/p2')).status, 200);
    assert.equal(
      (
        await manager.call('/api/break-glass', {
          method: 'POST',
          body: { patient: 'Patient/p2', reason: 'Curious about this patient' },
        })
      ).status,
      403,
    );
    await server.platform.audit.flush();
    const log = await patient2.call('/api/me/access-log');
    assert.equal(log.status, 200, JSON.stringify(log.body));
    const entries = Array.isArray(log.body) ? log.body : log.body.entries;
    assert.ok(
      entries.some((e: any) => e.breakGlass && e.who.reference === 'Practitioner/pr-b'),
      JSON.stringify(entries).slice(0, 500),
    );
    const outbox = await server.platform.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM notification_outbox WHERE patient_id = 'p2'",
    );
    assert.equal(Number(outbox.rows[0].n), 1);
  });
});

describe('audit', () => {
  it('leaves one AuditEvent per patient-data request, naming actor, patient and outcome', async () => {
    await server.platform.audit.flush();
    const before = await auditCount();
    const read = await drA.fhir('/Observation/o1');
    assert.equal(read.status, 200);
    const refused = await drA.fhir('/Observation/o2');
    assert.equal(refused.status, 404);
    await server.platform.audit.flush();
    const rows = await server.platform.db.query<{ content: any }>(
      'SELECT content FROM audit_trail ORDER BY seq DESC LIMIT 2',
    );
    assert.equal((await auditCount()) - before, 2);
    const [refusal, success] = rows.rows.map((r) =>
      typeof r.content === 'string' ? JSON.parse(r.content) : r.content,
    );
    assert.equal(success.outcome, '0');
    assert.equal(refusal.outcome, '4');
    for (const event of [success, refusal]) {
      assert.ok(event.agent.some((a: any) => a.who?.reference === 'Practitioner/pr-a' && a.requestor));
    }
    assert.ok(success.entity.some((e: any) => e.what?.reference === 'Patient/p1'));
  });
});

async function auditCount(): Promise<number> {
  return Number(
    (await server.platform.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_event')).rows[0].n,
  );
}

function consent(patient: string, type: 'deny' | 'permit', actor?: string) {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    policyRule: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: type === 'deny' ? 'OPTOUT' : 'OPTIN',
        },
      ],
    },
    provision: {
      type,
      ...(actor
        ? {
            actor: [
              {
                role: {
                  coding: [
                    { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' },
                  ],
                },
                reference: { reference: actor },
              },
            ],
          }
        : {}),
    },
  };
}

describe('break-the-glass by CNIE', () => {
  it('finds the patient by identifier, since a clinician cannot search outside their care', async () => {
    const drC = await signIn(server, ['nurse'], 'Practitioner/pr-b');
    assert.equal((await drC.fhir('/Patient?identifier=ZZ999999')).body.entry.length, 0);
    const grant = await drC.call('/api/break-glass', {
      method: 'POST',
      body: { identifier: 'ZZ999999', reason: 'Road accident, patient unconscious' },
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    assert.equal(grant.body.patient, 'Patient/p3');
    assert.equal((await drC.fhir('/Patient/p3')).status, 200);
    const unknown = await drC.call('/api/break-glass', {
      method: 'POST',
      body: { identifier: 'ZZ000000', reason: 'Road accident, patient unconscious' },
    });
    assert.equal(unknown.status, 404);
  });
});
