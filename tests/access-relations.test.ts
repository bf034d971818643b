/**
 * The care-relationship model: every self-asserted route to a patient is refused, for each care
 * role; each authoritative route (presence with a one-time code, a booking by the patient, an
 * accepted referral, a care team set by an administrator or the GP, the GP named by the patient,
 * a visit recorded by a hospital system) opens access and ends when it should; break-the-glass
 * works for every clinical role and for no other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { relationsOfPatient } from '../packages/server/src/access/relations/store.ts';
import { withAskedStatements } from './support/asked-statements.ts';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let drA: Person; // p1 in care (an Encounter recorded by the hospital system)
let drB: Person; // no patient
let nurse: Person;
let hub: Person;
let assistant: Person;
let coordinator: Person;
let admin: Person;
let manager: Person;
let patient4: Person;

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  const put = (r: { resourceType: string; id: string }) =>
    fhirFetch(server.fhirBase, `/${r.resourceType}/${r.id}`, { method: 'PUT', body: r });
  for (const id of ['pr-n', 'pr-h', 'pr-u', 'pr-c', 'pr-gp'])
    await put({ resourceType: 'Practitioner', id, name: [{ family: id }] } as never);
  await put({
    resourceType: 'Patient',
    id: 'p4',
    identifier: [{ system: CNIE, value: 'BK123456' }],
    name: [{ family: 'Bennani', given: ['Leila'] }],
    telecom: [{ system: 'phone', value: '+212600000004' }],
  } as never);
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
  nurse = await signIn(server, ['nurse'], 'Practitioner/pr-n');
  hub = await signIn(server, ['hub-specialist'], 'Practitioner/pr-h');
  assistant = await signIn(server, ['unit-assistant'], 'Practitioner/pr-u');
  coordinator = await signIn(server, ['dialysis-coordinator'], 'Practitioner/pr-c');
  admin = await signIn(server, ['administrator']);
  manager = await signIn(server, ['programme-manager']);
  patient4 = await signIn(server, ['patient'], 'Patient/p4');
});
after(() => server?.close());

/** The presence code sent to p4's phone (read from the outbox, as the SMS gateway would). */
async function lastCode(): Promise<string> {
  const sms = await server.platform.db.query<{ params: { code: string } | string }>(
    "SELECT params FROM notification_outbox WHERE recipient = '+212600000004' AND template = 'presence-code' ORDER BY created_at DESC LIMIT 1",
  );
  const params = sms.rows[0].params;
  return (typeof params === 'string' ? JSON.parse(params) : params).code;
}

const sees = async (who: Person, patient: string) => (await who.fhir(`/Patient/${patient}`)).status === 200;
const forget = () => server.platform.access.careViews.invalidate();

const ref = (r: string) => ({ reference: r });
const encounter = (patient: string, practitioner: string) => ({
  resourceType: 'Encounter',
  status: 'in-progress',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject: ref(`Patient/${patient}`),
  participant: [{ individual: ref(practitioner) }],
});
const appointment = (patient: string, practitioner: string, status = 'booked') => ({
  resourceType: 'Appointment',
  status,
  start: new Date(Date.now() + 86_400_000).toISOString(),
  end: new Date(Date.now() + 86_400_000 + 1_800_000).toISOString(),
  participant: [
    { actor: ref(`Patient/${patient}`), status: 'accepted' },
    { actor: ref(practitioner), status: 'accepted' },
  ],
});
const task = (patient: string, owner: string, requester: string, status = 'requested') => ({
  resourceType: 'Task',
  status,
  intent: 'order',
  for: ref(`Patient/${patient}`),
  owner: ref(owner),
  requester: ref(requester),
  description: 'Avis spécialisé',
});
const careTeam = (patient: string, members: string[], status = 'active') => ({
  resourceType: 'CareTeam',
  status,
  subject: ref(`Patient/${patient}`),
  participant: members.map((m) => ({ member: ref(m) })),
});
const permit = (patient: string, actor: string) => ({
  resourceType: 'Consent',
  status: 'active',
  scope: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
  },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: ref(`Patient/${patient}`),
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  provision: {
    type: 'permit',
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

describe('self-asserted care relationships are refused', () => {
  const cases: [string, () => Person, string][] = [
    ['doctor', () => drB, 'Practitioner/pr-b'],
    ['nurse', () => nurse, 'Practitioner/pr-n'],
    ['hub specialist', () => hub, 'Practitioner/pr-h'],
    ['unit assistant', () => assistant, 'Practitioner/pr-u'],
    ['dialysis coordinator', () => coordinator, 'Practitioner/pr-c'],
  ];
  for (const [role, who, me] of cases) {
    it(`a ${role} cannot open p2's record by writing about themselves`, async () => {
      const person = who();
      const attempts: [string, string, unknown][] = [
        ['POST', '/Encounter', encounter('p2', me)],
        ['POST', '/Appointment', appointment('p2', me)],
        ['POST', '/Task', task('p2', me, me, 'accepted')],
        ['POST', '/CareTeam', careTeam('p2', [me])],
        [
          'POST',
          '/EpisodeOfCare',
          {
            resourceType: 'EpisodeOfCare',
            status: 'active',
            patient: ref('Patient/p2'),
            careManager: ref(me),
          },
        ],
        ['POST', '/Consent', permit('p2', me)],
        ['PUT', '/Patient/p2', { resourceType: 'Patient', id: 'p2', generalPractitioner: [ref(me)] }],
        ['PATCH', '/Patient/p2', [{ op: 'add', path: '/generalPractitioner', value: [ref(me)] }]],
      ];
      for (const [method, path, body] of attempts) {
        const res = await person.fhir(path, { method, body });
        assert.ok(
          [403, 404].includes(res.status),
          `${role} ${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
        );
        if (res.status === 403)
          assert.doesNotMatch(JSON.stringify(res.body), /Patient\/p2/, 'a refusal names no patient');
      }
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Encounter' }, resource: encounter('p2', me) },
          { request: { method: 'GET', url: 'Patient/p2/$everything' } },
        ],
      };
      assert.ok([403, 404].includes((await person.fhir('/', { method: 'POST', body: bundle })).status));
      forget();
      assert.equal(await sees(person, 'p2'), false, `${role} must not see p2`);
      assert.equal((await person.fhir('/Patient/p2/$everything')).status, 404);
    });
  }

  it('registering a patient under a deleted record’s id is refused (404): it would open what that record left', async () => {
    const sys = (path: string, method = 'GET', body?: unknown) =>
      fhirFetch(server.fhirBase, path, { method, ...(body ? { body } : {}) });
    assert.equal(
      (
        await sys('/Patient/p-gone', 'PUT', {
          resourceType: 'Patient',
          id: 'p-gone',
          name: [{ family: 'Parti' }],
        })
      ).status,
      201,
    );
    const left = await sys('/Observation', 'POST', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Glycémie' },
      subject: { reference: 'Patient/p-gone' },
      valueQuantity: { value: 1.8, unit: 'g/L' },
    });
    assert.equal(left.status, 201);
    assert.equal((await sys('/Patient/p-gone', 'DELETE')).status < 300, true);
    const reused = await drB.fhir('/Patient/p-gone', {
      method: 'PUT',
      body: { resourceType: 'Patient', id: 'p-gone', name: [{ family: 'Nouveau' }] },
    });
    assert.equal(reused.status, 404, JSON.stringify(reused.body));
    forget();
    assert.equal((await drB.fhir(`/Observation/${left.body.id}`)).status, 404, 'what it left stays closed');
    // a new registration under a new id is still one
    const fresh = await drB.fhir('/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Nouveau' }] },
    });
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
  });

  it('a doctor who has the patient cannot write a Consent for them (the patient gives consent)', async () => {
    const res = await drA.fhir('/Consent', { method: 'POST', body: permit('p1', 'Practitioner/pr-b') });
    assert.equal(res.status, 403);
    forget();
    assert.equal(await sees(drB, 'p1'), false);
  });

  it('a Consent filed by a system has no effect until the patient gives it', async () => {
    const res = await fhirFetch(server.fhirBase, '/Consent', {
      method: 'POST',
      body: permit('p1', 'Practitioner/pr-b'),
    });
    assert.equal(res.status, 201);
    forget();
    assert.equal(await sees(drB, 'p1'), false);
    await fhirFetch(server.fhirBase, `/Consent/${res.body.id}`, { method: 'DELETE' });
  });

  it('records a clinician writes about a patient already in their care open nothing for colleagues', async () => {
    assert.equal(await sees(drA, 'p1'), true);
    for (const [path, body] of [
      ['/Encounter', encounter('p1', 'Practitioner/pr-b')],
      ['/Appointment', appointment('p1', 'Practitioner/pr-b')],
      ['/CareTeam', careTeam('p1', ['Practitioner/pr-b'])],
    ] as const) {
      const res = await drA.fhir(path, { method: 'POST', body });
      assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    forget();
    assert.equal(await sees(drB, 'p1'), false, 'only authoritative writers open relationships');
  });
});

describe('authoritative routes open access, and close it', () => {
  it('presence: the CNIE number and the code sent to the patient open a time-boxed relationship', async () => {
    const asked = await drB.call('/api/care/presence', { method: 'POST', body: { identifier: 'BK123456' } });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    assert.equal(asked.body.channel, 'sms');
    assert.equal(asked.body.sentTo, '…04');
    const code = await lastCode();
    assert.ok(code);
    // another clinician cannot use the challenge; a wrong code is refused and counted
    assert.equal(
      (
        await drA.call('/api/care/presence/confirm', {
          method: 'POST',
          body: { challenge: asked.body.challenge, code },
        })
      ).status,
      400,
    );
    const wrong = code === '000000' ? '111111' : '000000';
    assert.equal(
      (
        await drB.call('/api/care/presence/confirm', {
          method: 'POST',
          body: { challenge: asked.body.challenge, code: wrong },
        })
      ).status,
      400,
    );
    assert.equal(await sees(drB, 'p4'), false);
    const ok = await drB.call('/api/care/presence/confirm', {
      method: 'POST',
      body: { challenge: asked.body.challenge, code },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const hours = (Date.parse(ok.body.end) - Date.parse(ok.body.start)) / 3_600_000;
    assert.equal(Math.round(hours), server.platform.access.settings.presenceHours);
    assert.equal(await sees(drB, 'p4'), true);
    // a code works once
    assert.equal(
      (
        await drB.call('/api/care/presence/confirm', {
          method: 'POST',
          body: { challenge: asked.body.challenge, code },
        })
      ).status,
      400,
    );
    // time passes: the relationship ends
    await server.platform.db.query(
      "UPDATE care_relation SET end_at = now() - interval '1 second' WHERE patient_id = 'p4' AND source = 'presence'",
    );
    forget();
    assert.equal(await sees(drB, 'p4'), false);
  });

  it('presence: five wrong codes kill the challenge; a patient without phone or email cannot be asked', async () => {
    const asked = await nurse.call('/api/care/presence', {
      method: 'POST',
      body: { identifier: 'BK123456' },
    });
    for (let i = 0; i < 5; i++) {
      await nurse.call('/api/care/presence/confirm', {
        method: 'POST',
        body: { challenge: asked.body.challenge, code: 'x' },
      });
    }
    const code = await lastCode();
    const late = await nurse.call('/api/care/presence/confirm', {
      method: 'POST',
      body: { challenge: asked.body.challenge, code },
    });
    assert.equal(late.status, 400);
    assert.equal(
      (await nurse.call('/api/care/presence', { method: 'POST', body: { identifier: 'ZZ999999' } })).status,
      409,
    );
    assert.equal(
      (await nurse.call('/api/care/presence', { method: 'POST', body: { identifier: 'ZZ000000' } })).status,
      404,
    );
    assert.equal(
      (await admin.call('/api/care/presence', { method: 'POST', body: { identifier: 'BK123456' } })).status,
      403,
    );
  });

  it('booking: the patient books, the doctor sees the record; cancelled, the access ends', async () => {
    // a patient's own Appointment is a request (a booking proper goes through $book)
    const booked = await patient4.fhir('/Appointment', {
      method: 'POST',
      body: appointment('p4', 'Practitioner/pr-h', 'pending'),
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    assert.equal(await sees(hub, 'p4'), true);
    const cancelled = await patient4.fhir(`/Appointment/${booked.body.id}`, {
      method: 'PUT',
      body: { ...booked.body, status: 'cancelled' },
    });
    assert.equal(cancelled.status, 200);
    assert.equal(await sees(hub, 'p4'), false);
  });

  it('referral: the receiving doctor sees the request, accepts it, then sees the record until it is closed', async () => {
    const asked = await drA.fhir('/Task', {
      method: 'POST',
      body: task('p1', 'Practitioner/pr-h', 'Practitioner/pr-a'),
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(
      (await hub.fhir(`/Task/${asked.body.id}`)).status,
      200,
      'the request addressed to them is readable',
    );
    assert.equal(await sees(hub, 'p1'), false, 'the record is not, before acceptance');
    // the receiving side may only answer: re-addressing the Task is refused
    const hijack = await hub.fhir(`/Task/${asked.body.id}`, {
      method: 'PUT',
      body: { ...asked.body, for: ref('Patient/p2'), status: 'accepted' },
    });
    assert.equal(hijack.status, 404);
    const accepted = await hub.fhir(`/Task/${asked.body.id}`, {
      method: 'PUT',
      body: { ...asked.body, status: 'accepted' },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(await sees(hub, 'p1'), true);
    const done = await hub.fhir(`/Task/${asked.body.id}`, {
      method: 'PUT',
      body: { ...accepted.body, status: 'completed' },
    });
    assert.equal(done.status, 200);
    assert.equal(await sees(hub, 'p1'), true, 'the follow-up window keeps it open after completion');
    const cancelled = await drA.fhir(`/Task/${asked.body.id}`, {
      method: 'PUT',
      body: { ...done.body, status: 'cancelled' },
    });
    assert.equal(cancelled.status, 200);
    assert.equal(await sees(hub, 'p1'), false);
  });

  it('referral: a requester accepting their own request opens nothing', async () => {
    const own = await drA.fhir('/Task', {
      method: 'POST',
      body: task('p1', 'Practitioner/pr-b', 'Practitioner/pr-a'),
    });
    const accepted = await drA.fhir(`/Task/${own.body.id}`, {
      method: 'PUT',
      body: { ...own.body, status: 'accepted' },
    });
    assert.equal(accepted.status, 200);
    forget();
    assert.equal(await sees(drB, 'p1'), false);
  });

  it('referral: no one accepts a request they wrote in a colleague’s name, created accepted, or accepted again once closed', async () => {
    // drA has p1 in care: a Task they create names them as its requester, and keeps it
    for (const body of [
      task('p1', 'Practitioner/pr-a', 'Practitioner/pr-b', 'accepted'),
      task('p1', 'Practitioner/pr-a', 'Practitioner/pr-b'),
    ]) {
      const forged = await drA.fhir('/Task', { method: 'POST', body });
      assert.equal(forged.status, 403, JSON.stringify(forged.body));
      assert.match(forged.body.issue[0].diagnostics, /requester/);
    }
    const own = await drA.fhir('/Task', {
      method: 'POST',
      body: task('p1', 'Practitioner/pr-h', 'Practitioner/pr-a'),
    });
    assert.equal(own.status, 201);
    const reattributed = await drA.fhir(`/Task/${own.body.id}`, {
      method: 'PUT',
      body: { ...own.body, requester: ref('Practitioner/pr-b') },
    });
    assert.equal(reattributed.status, 403);
    // the receiving side accepts, the request is closed, and accepting it again opens nothing
    const accepted = await hub.fhir(`/Task/${own.body.id}`, {
      method: 'PUT',
      body: { ...own.body, status: 'accepted' },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(await sees(hub, 'p1'), true);
    const cancelled = await drA.fhir(`/Task/${own.body.id}`, {
      method: 'PUT',
      body: { ...accepted.body, status: 'cancelled' },
    });
    assert.equal(cancelled.status, 200);
    assert.equal(await sees(hub, 'p1'), false);
    const again = await hub.fhir(`/Task/${own.body.id}`, {
      method: 'PUT',
      body: { ...cancelled.body, status: 'accepted' },
    });
    assert.ok(again.status === 200 || again.status === 404, JSON.stringify(again.body));
    forget();
    assert.equal(await sees(hub, 'p1'), false, 'a closed request accepted again opens nothing');
  });

  it('referral: an acceptance opens access for SAHTI_REFERRAL_DAYS at most, whatever period the Task asks for', async () => {
    const asked = await drA.fhir('/Task', {
      method: 'POST',
      body: {
        ...task('p1', 'Practitioner/pr-h', 'Practitioner/pr-a'),
        restriction: { period: { end: '2099-12-31T00:00:00Z' } },
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const accepted = await hub.fhir(`/Task/${asked.body.id}`, {
      method: 'PUT',
      body: { ...asked.body, status: 'accepted' },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const rows = await server.platform.db.query<{ end_at: Date | string }>(
      `SELECT end_at FROM care_relation WHERE basis = $1::text AND actor = 'Practitioner/pr-h' AND source = 'referral'`,
      [`Task/${asked.body.id}`],
    );
    assert.equal(rows.rows.length, 1);
    const days = (Date.parse(String(new Date(rows.rows[0].end_at))) - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days <= 90.01, `ends in ${days.toFixed(1)} days`);
  });

  it('care team: set by an administrator (who sees the team, not the record), it opens; made inactive, it closes', async () => {
    const team = await admin.fhir('/CareTeam', {
      method: 'POST',
      body: careTeam('p2', ['Practitioner/pr-n']),
    });
    assert.equal(team.status, 201, JSON.stringify(team.body));
    assert.equal((await admin.fhir(`/CareTeam/${team.body.id}`)).status, 200);
    assert.equal((await admin.fhir('/Patient/p2')).status, 403);
    assert.equal(await sees(nurse, 'p2'), true);
    const inactive = await admin.fhir(`/CareTeam/${team.body.id}`, {
      method: 'PUT',
      body: { ...team.body, status: 'inactive' },
    });
    assert.equal(inactive.status, 200, JSON.stringify(inactive.body));
    assert.equal(await sees(nurse, 'p2'), false);
  });

  it('GP: the patient names their GP, who may then set a care team', async () => {
    const me = (await patient4.fhir('/Patient/p4')).body;
    const named = await patient4.fhir('/Patient/p4', {
      method: 'PUT',
      body: { ...me, generalPractitioner: [ref('Practitioner/pr-b')] },
    });
    assert.equal(named.status, 200, JSON.stringify(named.body));
    assert.equal(await sees(drB, 'p4'), true);
    const team = await drB.fhir('/CareTeam', { method: 'POST', body: careTeam('p4', ['Practitioner/pr-u']) });
    assert.equal(team.status, 201);
    assert.equal(await sees(assistant, 'p4'), true);
    // the patient changes GP: the former one loses access
    const changed = await patient4.fhir('/Patient/p4', {
      method: 'PUT',
      body: { ...named.body, generalPractitioner: [ref('Practitioner/pr-a')] },
    });
    assert.equal(changed.status, 200);
    assert.equal(await sees(drB, 'p4'), false);
  });

  it("a system's update that keeps a patient's GPs ends nothing and asks nothing; one that drops a GP ends it", async () => {
    const body = {
      resourceType: 'Patient',
      name: [{ family: 'Lahlou' }],
      generalPractitioner: [ref('Practitioner/pr-gp'), ref('Practitioner/pr-h')],
    };
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const openGps = async () =>
      (await relationsOfPatient(server.platform.db, id))
        .filter((r) => r.source === 'gp' && (!r.end || r.end > new Date()))
        .map((r) => r.actor)
        .sort();
    assert.deepEqual(await openGps(), ['Practitioner/pr-gp', 'Practitioner/pr-h']);
    // the statements the updates ask
    await withAskedStatements(server.platform.db, async (asked) => {
      const ends = () => asked.filter((a) => a.text.includes('UPDATE care_relation SET end_at')).length;
      const kept = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
        method: 'PUT',
        body: { ...body, id, gender: 'female', generalPractitioner: [...body.generalPractitioner].reverse() },
      });
      assert.equal(kept.status, 200);
      assert.equal(ends(), 0, 'no GP dropped: nothing to end');
      assert.deepEqual(await openGps(), ['Practitioner/pr-gp', 'Practitioner/pr-h']);
      const dropped = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
        method: 'PUT',
        body: { ...body, id, gender: 'female', generalPractitioner: [ref('Practitioner/pr-gp')] },
      });
      assert.equal(dropped.status, 200);
      assert.equal(ends(), 1);
    });
    assert.deepEqual(await openGps(), ['Practitioner/pr-gp']);
    const ended = (await relationsOfPatient(server.platform.db, id)).find(
      (r) => r.actor === 'Practitioner/pr-h',
    );
    assert.equal(ended?.endReason, 'no longer the GP');
    // none named any more: the last one ends too
    const none = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id, name: body.name },
    });
    assert.equal(none.status, 200);
    assert.deepEqual(await openGps(), []);
  });

  it("a hospital system's visit record opens access for the clinicians it names", async () => {
    const res = await fhirFetch(server.fhirBase, '/Encounter', {
      method: 'POST',
      body: encounter('p3', 'Practitioner/pr-c'),
    });
    assert.equal(res.status, 201);
    forget();
    assert.equal(await sees(coordinator, 'p3'), true);
    await fhirFetch(server.fhirBase, `/Encounter/${res.body.id}`, {
      method: 'PUT',
      body: { ...res.body, status: 'entered-in-error' },
    });
    forget();
    assert.equal(await sees(coordinator, 'p3'), false);
  });

  it("a hospital system's transaction opens all it names together; an update ends only whom it drops", async () => {
    const open = async (basis: string) =>
      (await relationsOfPatient(server.platform.db, 'p3'))
        .filter((r) => r.basis === basis && (!r.end || r.end > new Date()))
        .map((r) => `${r.actor} ${r.source}`)
        .sort();
    const both = {
      ...encounter('p3', 'Practitioner/pr-n'),
      participant: [{ individual: ref('Practitioner/pr-n') }, { individual: ref('Practitioner/pr-h') }],
    };
    const res = await fhirFetch(server.fhirBase, '/', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [both, encounter('p3', 'Practitioner/pr-u')].map((resource) => ({
          resource,
          request: { method: 'POST', url: 'Encounter' },
        })),
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [first, second] = res.body.entry.map((e: any) => e.resource);
    assert.deepEqual(await open(`Encounter/${first.id}`), [
      'Practitioner/pr-h encounter',
      'Practitioner/pr-n encounter',
    ]);
    assert.deepEqual(await open(`Encounter/${second.id}`), ['Practitioner/pr-u encounter']);
    const earlier = await relationsOfPatient(server.platform.db, 'p3');
    const updated = await fhirFetch(server.fhirBase, `/Encounter/${first.id}`, {
      method: 'PUT',
      body: { ...first, participant: [{ individual: ref('Practitioner/pr-n') }] },
    });
    assert.equal(updated.status, 200);
    const later = await relationsOfPatient(server.platform.db, 'p3');
    assert.deepEqual(await open(`Encounter/${first.id}`), ['Practitioner/pr-n encounter']);
    assert.deepEqual(await open(`Encounter/${second.id}`), ['Practitioner/pr-u encounter']);
    const nurseRow = (rows: typeof later) =>
      rows.find((r) => r.basis === `Encounter/${first.id}` && r.actor === 'Practitioner/pr-n');
    assert.equal(nurseRow(later)?.id, nurseRow(earlier)?.id, 'renewed in place, not opened twice');
    const dropped = later.find((r) => r.basis === `Encounter/${first.id}` && r.actor === 'Practitioner/pr-h');
    assert.equal(dropped?.endReason, 'no longer named');
    assert.equal(later.length, earlier.length);
  });

  it('grants given together write one row per basis, actor and source: the later of two wins', async () => {
    const { relations } = server.platform.access;
    const grant = (end: string) => ({
      patientId: 'p3',
      actor: 'Practitioner/pr-c',
      source: 'referral' as const,
      basis: 'Task/grant-many',
      grantedBy: 'platform',
      start: new Date(),
      end: new Date(end),
    });
    const granted = await server.platform.db.transaction((tx) =>
      relations.grantMany(tx, [grant('2031-01-01T00:00:00Z'), grant('2032-01-01T00:00:00Z')]),
    );
    assert.equal(granted.length, 2);
    assert.equal(granted[0].id, granted[1].id);
    const rows = (await relationsOfPatient(server.platform.db, 'p3')).filter(
      (r) => r.basis === 'Task/grant-many',
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, granted[0].id);
    assert.equal(rows[0].end?.toISOString(), '2032-01-01T00:00:00.000Z');
    await server.platform.db.transaction((tx) => relations.end(tx, 'Task/grant-many', 'test'));
    const renewed = await server.platform.db.transaction((tx) =>
      relations.grant(tx, grant('2033-01-01T00:00:00Z')),
    );
    const row = (await relationsOfPatient(server.platform.db, 'p3')).find(
      (r) => r.basis === 'Task/grant-many',
    );
    assert.equal(renewed.id, rows[0].id);
    assert.equal(row?.endReason, undefined, 'a renewed relationship is open again');
    assert.equal(row?.end?.toISOString(), '2033-01-01T00:00:00.000Z');
  });

  it("every relationship opened or ended shows in the patient's access log and relationship list", async () => {
    await server.platform.audit.flush();
    const log = await patient4.call('/api/me/access-log?_count=100');
    const entries = Array.isArray(log.body) ? log.body : log.body.entries;
    const kinds = entries.map((e: any) => e.interaction);
    assert.ok(
      kinds.some((k: string) => /care-relation-start|Care relationship started/.test(k)),
      JSON.stringify(kinds),
    );
    const relations = await patient4.call('/api/care/relations?patient=p4');
    assert.equal(relations.status, 200);
    const sources = new Set(relations.body.relations.map((r: any) => r.source));
    for (const source of ['presence', 'booking', 'gp', 'care-team']) assert.ok(sources.has(source), source);
    assert.equal((await drB.call('/api/care/relations?patient=p4')).status, 403);
  });
});

describe('break-the-glass', () => {
  const reason = { patient: 'Patient/p2', reason: 'Patient unconscious in the emergency room' };
  for (const [role, who] of [
    ['doctor', () => drB],
    ['nurse', () => nurse],
    ['hub specialist', () => hub],
  ] as const) {
    it(`a ${role} may break the glass, with a reason, and sees the record`, async () => {
      const res = await who().call('/api/break-glass', { method: 'POST', body: reason });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(await sees(who(), 'p2'), true);
    });
  }
  for (const [role, who] of [
    ['unit assistant', () => assistant],
    ['dialysis coordinator', () => coordinator],
    ['administrator', () => admin],
    ['programme manager', () => manager],
  ] as const) {
    it(`a ${role} may not break the glass`, async () => {
      const res = await who().call('/api/break-glass', { method: 'POST', body: reason });
      assert.equal(res.status, 403);
    });
  }
});
