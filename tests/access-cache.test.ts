/**
 * What a request's access rests on is cached a few seconds (the care-giver's patients:
 * SAHTI_ACCESS_CACHE_MS; the web session and its account: SAHTI_TOKEN_CACHE_SECONDS). Each test
 * warms the caches with a request, changes access through HTTP, and expects the very next request
 * to see the change — nothing here drops a cache by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let drA: Person; // p1 in care (an Encounter recorded by the hospital system)
let drB: Person; // no patient
let patient1: Person;
let admin: Person;

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  admin = await signIn(server, ['administrator']);
});
after(() => server?.close());

const status = async (who: Person, path: string) => (await who.fhir(path)).status;
const ref = (reference: string) => ({ reference });

const refusal = (actor: string) => ({
  resourceType: 'Consent',
  status: 'active',
  scope: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
  },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: ref('Patient/p1'),
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision: {
    type: 'deny',
    actor: [
      {
        role: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }],
        },
        reference: ref(actor),
      },
    ],
  },
});

describe('cached access follows the events that change it', () => {
  it('a care relationship opened or ended counts from the next request', async () => {
    assert.equal(await status(drB, '/Patient/p1'), 404); // cached: p1 is not drB's
    const booked = await patient1.fhir('/Appointment', {
      method: 'POST',
      body: {
        // a patient's own Appointment is a request (a booking proper goes through $book)
        resourceType: 'Appointment',
        status: 'pending',
        start: new Date(Date.now() + 86_400_000).toISOString(),
        end: new Date(Date.now() + 86_400_000 + 1_800_000).toISOString(),
        participant: [
          { actor: ref('Patient/p1'), status: 'accepted' },
          { actor: ref('Practitioner/pr-b'), status: 'accepted' },
        ],
      },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    assert.equal(await status(drB, '/Patient/p1'), 200);
    assert.equal(await status(drB, '/Observation?subject=Patient/p1'), 200);
    const cancelled = await patient1.fhir(`/Appointment/${booked.body.id}`, {
      method: 'PUT',
      body: { ...booked.body, status: 'cancelled' },
    });
    assert.equal(cancelled.status, 200);
    assert.equal(await status(drB, '/Patient/p1'), 404);
    assert.deepEqual((await drB.fhir('/Observation?subject=Patient/p1')).body.entry ?? [], []);
  });

  it("the patient's refusal (a Consent) counts from the next request, and its withdrawal too", async () => {
    assert.equal(await status(drA, '/Observation/o1'), 200); // cached: p1 is drA's
    const refused = await patient1.fhir('/Consent', { method: 'POST', body: refusal('Practitioner/pr-a') });
    assert.equal(refused.status, 201, JSON.stringify(refused.body));
    assert.equal(await status(drA, '/Observation/o1'), 404);
    assert.equal(await status(drA, '/Patient/p1'), 404);
    const withdrawn = await patient1.fhir(`/Consent/${refused.body.id}`, {
      method: 'PUT',
      body: { ...refused.body, status: 'inactive' },
    });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.equal(await status(drA, '/Observation/o1'), 200);
  });

  it('a role taken away by an administrator counts from the next request of an open session', async () => {
    const doctor = await signIn(server, ['doctor'], 'Practitioner/pr-a');
    assert.equal(await status(doctor, '/Patient/p1'), 200); // session and care view cached
    const found = await admin.call(`/auth/admin/accounts?q=${encodeURIComponent(doctor.login)}`);
    const id = found.body.accounts[0].id as string;
    const changed = await admin.call(`/auth/admin/accounts/${id}`, {
      method: 'PATCH',
      body: { roles: ['programme-manager'] },
    });
    assert.equal(changed.status, 200);
    assert.equal(await status(doctor, '/Patient/p1'), 403);
  });

  it('a session ended by logout is refused from the next request', async () => {
    const doctor = await signIn(server, ['doctor'], 'Practitioner/pr-a');
    assert.equal(await status(doctor, '/Patient/p1'), 200); // session cached
    assert.equal((await doctor.call('/auth/logout', { method: 'POST' })).status, 204);
    assert.equal(await status(doctor, '/Patient/p1'), 401);
  });
});
