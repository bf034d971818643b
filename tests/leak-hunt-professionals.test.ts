/**
 * The leak hunt for professionals: a doctor with one patient in care (p1) makes thousands of
 * generated attempts at others — reads through every path, and writes that would open a care
 * relationship (visits, bookings, referrals, care teams, Consents, GP changes, re-used ids), directly
 * and inside batches and transactions. Nothing of p2 or p3 may ever come back, before or after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { seedCareWorld } from './support/care-world.ts';
import { assertNoLeak } from './support/leaks.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let drA: Person;

const FORBIDDEN = new Set([
  'Patient/p2',
  'Observation/o2',
  'Condition/c2',
  'Provenance/prov2',
  'Patient/p3',
  'Observation/reused',
]);
const ME = 'Practitioner/pr-a';
const ref = (r: string) => ({ reference: r });

const READS = [
  '/Patient/p2',
  '/Patient/p3',
  '/Observation/o2',
  '/Observation/reused',
  '/Observation/reused/_history',
  '/Observation/reused/_history/1',
  '/Patient/p2/_history',
  '/Observation/o2/_history/1',
  '/Patient/p2/$everything',
  '/Patient/p3/$everything',
  '/Observation?subject=Patient/p2',
  '/Observation?patient=p2',
  '/Observation?_id=o1,o2,reused',
  '/Observation?subject.name=Idrissi',
  '/Observation?subject:identifier=ZZ999999',
  '/Condition?code:text=HIV',
  '/Patient?_has:Condition:subject:code:text=HIV',
  '/Patient?identifier=ZZ999999',
  '/Patient?name=Ouali',
  '/Practitioner?_has:Provenance:agent:target=Observation/o2',
  '/Observation?_include=Observation:subject',
  '/Observation?_revinclude=Provenance:target',
  '/Patient?_revinclude:iterate=Observation:subject&_include:iterate=Observation:subject',
  '/_history',
  '/Observation/_history',
  '/Patient/_history',
  '/Task?owner=Practitioner/pr-a&_include=Task:patient',
  '/Observation?_summary=count&subject=Patient/p2',
  // searches a care-giver's care list drives (search/drive.ts), in each of their shapes
  '/Patient?_sort=family&_total=accurate',
  '/Observation?_sort=-date&_total=accurate',
  '/Observation?code:text=weight&_count=1',
  '/Patient?name=Ouali&_sort=birthdate',
  // an address is read under its own code and its parts' (overlap.ts): none of them may widen the scope
  '/Patient?address=kh',
  '/Patient?address=Khouribga&_sort=-address',
  '/Patient?address-city=fes',
];

type Write = { method: string; url: string; body?: unknown };

/** Writes that would give the doctor p2 or p3 if anything self-asserted counted. */
const WRITES: Write[] = [
  {
    method: 'POST',
    url: 'Encounter',
    body: {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: ref('Patient/p2'),
      participant: [{ individual: ref(ME) }],
    },
  },
  {
    method: 'POST',
    url: 'Appointment',
    body: {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: ref('Patient/p3'), status: 'accepted' },
        { actor: ref(ME), status: 'accepted' },
      ],
    },
  },
  {
    method: 'POST',
    url: 'Appointment',
    body: {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: ref('Patient/p1'), status: 'accepted' },
        { actor: ref('Patient/p2'), status: 'accepted' },
        { actor: ref(ME), status: 'accepted' },
      ],
    },
  },
  {
    method: 'POST',
    url: 'Task',
    body: {
      resourceType: 'Task',
      status: 'accepted',
      intent: 'order',
      for: ref('Patient/p2'),
      owner: ref(ME),
    },
  },
  {
    method: 'POST',
    url: 'CareTeam',
    body: {
      resourceType: 'CareTeam',
      status: 'active',
      subject: ref('Patient/p3'),
      participant: [{ member: ref(ME) }],
    },
  },
  {
    method: 'POST',
    url: 'EpisodeOfCare',
    body: {
      resourceType: 'EpisodeOfCare',
      status: 'active',
      patient: ref('Patient/p2'),
      careManager: ref(ME),
    },
  },
  {
    method: 'POST',
    url: 'Consent',
    body: {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: ref('Patient/p2'),
      provision: { type: 'permit', actor: [{ role: { text: 'reader' }, reference: ref(ME) }] },
    },
  },
  {
    method: 'PUT',
    url: 'Patient/p2',
    body: { resourceType: 'Patient', id: 'p2', generalPractitioner: [ref(ME)] },
  },
  {
    method: 'PUT',
    url: 'Patient?identifier=ZZ999999',
    body: {
      resourceType: 'Patient',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'ZZ999999' }],
      generalPractitioner: [ref(ME)],
    },
  },
  { method: 'DELETE', url: 'Observation/o2' },
  { method: 'DELETE', url: 'Patient?identifier=ZZ999999' },
  {
    method: 'PUT',
    url: 'Observation/reused',
    body: {
      resourceType: 'Observation',
      id: 'reused',
      status: 'final',
      code: { text: 'weight' },
      subject: ref('Patient/p1'),
    },
  },
  {
    method: 'POST',
    url: 'Patient',
    body: {
      resourceType: 'Patient',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'ZZ999999' }],
      generalPractitioner: [ref(ME)],
    },
  },
];

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  // an id that belonged to p2, deleted: it must never come back as another patient's
  await fhirFetch(server.fhirBase, '/Observation/reused', {
    method: 'PUT',
    body: {
      resourceType: 'Observation',
      id: 'reused',
      status: 'final',
      code: { text: 'HIV viral load' },
      subject: ref('Patient/p2'),
    },
  });
  await fhirFetch(server.fhirBase, '/Observation/reused', { method: 'DELETE' });
  drA = await signIn(server, ['doctor'], ME);
});
after(() => server?.close());

const attempt = fc.oneof(
  fc.record({
    kind: fc.constant('read' as const),
    path: fc.constantFrom(...READS),
    via: fc.constantFrom('direct', 'batch', 'transaction'),
  }),
  fc.record({
    kind: fc.constant('write' as const),
    write: fc.constantFrom(...WRITES),
    via: fc.constantFrom('direct', 'batch', 'transaction'),
  }),
);

describe('leak hunt (professionals)', () => {
  it("a doctor with one patient in care gets nothing of anyone else's, whatever the path", async () => {
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(attempt, async (a) => {
        attempts++;
        const label =
          a.kind === 'read' ? `${a.via} GET ${a.path}` : `${a.via} ${a.write.method} ${a.write.url}`;
        const entry =
          a.kind === 'read'
            ? { request: { method: 'GET', url: a.path.slice(1) } }
            : {
                request: { method: a.write.method, url: a.write.url },
                ...(a.write.body ? { resource: a.write.body } : {}),
              };
        const res =
          a.via === 'direct'
            ? await drA.fhir(`/${entry.request.url}`, {
                method: entry.request.method,
                body: (entry as { resource?: unknown }).resource,
              })
            : await drA.fhir('/', {
                method: 'POST',
                body: { resourceType: 'Bundle', type: a.via, entry: [entry] },
              });
        assert.ok(res.status < 500, `${label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        assertNoLeak(res.body, label, FORBIDDEN);
        if (a.kind === 'write') {
          const status =
            a.via === 'batch'
              ? Number(String(res.body?.entry?.[0]?.response?.status).slice(0, 3))
              : res.status;
          // a conditional delete sees only what the doctor may see: it matches nothing and says so
          const body = a.via === 'batch' ? res.body?.entry?.[0] : res.body;
          const entryStatus = String(res.body?.entry?.[0]?.response?.status ?? '');
          const matchedNothing =
            a.write.method === 'DELETE' &&
            a.write.url.includes('?') &&
            (/Nothing matched/.test(JSON.stringify(body)) ||
              (a.via === 'transaction' && entryStatus.startsWith('204')));
          assert.ok(status >= 400 || matchedNothing, `${label} was accepted (${status})`);
        }
      }),
      { numRuns: 2000, seed: 20261130 },
    );
    assert.ok(attempts >= 2000);
    // and after all those writes, the doctor still has only p1
    server.platform.access.careViews.invalidate();
    const patients = await drA.fhir('/Patient?_count=100');
    assert.deepEqual(
      patients.body.entry.map((e: any) => e.resource.id),
      ['p1'],
    );
    const byAddress = await drA.fhir('/Patient?address=kh');
    assert.deepEqual(
      byAddress.body.entry.map((e: any) => e.resource.id),
      ['p1'],
    );
    for (const path of ['/Patient/p2', '/Patient/p3', '/Observation/reused/_history']) {
      assert.equal((await drA.fhir(path)).status, 404, path);
    }
  });

  it('the other patients are intact: nothing the doctor tried was written', async () => {
    const p2 = await fhirFetch(server.fhirBase, '/Patient/p2');
    assert.equal(p2.body.meta.versionId, '1');
    assert.equal((await fhirFetch(server.fhirBase, '/Observation/o2')).status, 200);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient?identifier=ZZ999999')).body.entry.length, 1);
    const reused = await fhirFetch(server.fhirBase, '/Observation/reused');
    assert.equal(reused.status, 410);
  });
});
