/**
 * The tele-expertise hub through HTTP: a unit's request reaches the queue of its specialty only,
 * ordered by urgency; the specialist sees the question but not the patient until they accept (then
 * the referral relationship opens, access v2); the answer returns to the unit that asked, and
 * response times are recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server.ts';
import { fieldVisit, seedUnitsWorld, sync, teleExpertise, type UnitsWorld } from './support/units-world.ts';

let server: TestServer;
let world: UnitsWorld;
let patient: string;
let routine: string;
let urgent: string;

before(async () => {
  server = await startTestServer();
  world = await seedUnitsWorld(server);
  const visit = fieldVisit(world.unitA, { family: 'Hub' });
  const gp = `Practitioner/${world.gpAId}`;
  const first = teleExpertise(world.unitA, gp, visit.patient, 'cardiology', 'routine');
  const second = teleExpertise(world.unitA, gp, visit.patient, 'cardiology', 'urgent');
  const derm = teleExpertise(world.unitA, gp, visit.patient, 'dermatology', 'routine');
  const res = await sync(world.gpA, [...visit.entries, ...first, ...second, ...derm]);
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400));
  const ref = (key: string) => res.body.results.find((r: { key: string }) => r.key === key).reference;
  patient = ref(visit.patient);
  routine = ref(first[1].fullUrl).slice(5);
  urgent = ref(second[1].fullUrl).slice(5);
});
after(() => server?.close());

describe('queues', () => {
  it('show each specialist their specialty’s requests, most urgent first', async () => {
    const queues = await world.cardiologist.call('/api/hub/queues');
    assert.deepEqual(queues.body.queues, [{ specialty: 'cardiology', open: 2 }]);
    const queue = await world.cardiologist.call('/api/hub/queue/cardiology');
    assert.equal(queue.status, 200);
    assert.deepEqual(
      queue.body.requests.map((r: { id: string }) => r.id),
      [urgent, routine],
    );
    assert.match(queue.body.requests[0].question, /Souffle/);
    assert.ok(queue.body.requests[0].due < queue.body.requests[1].due);
    assert.equal((await world.dermatologist.call('/api/hub/queue/cardiology')).status, 404);
    assert.equal((await world.dermatologist.call(`/api/hub/requests/${urgent}`)).status, 404);
    const derm = await world.dermatologist.call('/api/hub/queue/dermatology');
    assert.equal(derm.body.requests.length, 1);
    assert.equal((await world.gpB.call('/api/hub/queue/cardiology')).status, 404);
  });
});

describe('a request from acceptance to answer', () => {
  it('hides the patient until the specialist accepts, then opens their access', async () => {
    assert.equal((await world.cardiologist.fhir(`/${patient}`)).status, 404);
    const before = await world.cardiologist.call(`/api/hub/requests/${urgent}`);
    assert.equal(before.status, 200);
    assert.equal(before.body.patient, null);
    assert.deepEqual(before.body.findings, []);
    const answerTooSoon = await world.cardiologist.call(`/api/hub/requests/${urgent}/answer`, {
      method: 'POST',
      body: { kind: 'advice', text: 'Échographie cardiaque.' },
    });
    assert.equal(answerTooSoon.status, 409);
    const accepted = await world.cardiologist.call(`/api/hub/requests/${urgent}/accept`, { method: 'POST' });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const after = await world.cardiologist.call(`/api/hub/requests/${urgent}`);
    assert.equal(after.body.patient.id, patient.slice(8));
    assert.equal((await world.cardiologist.fhir(`/${patient}`)).status, 200);
    assert.equal((await world.dermatologist.fhir(`/${patient}`)).status, 404, 'not the other specialty');
    const twice = await world.cardiologist.call(`/api/hub/requests/${urgent}/accept`, { method: 'POST' });
    assert.equal(twice.status, 409);
  });

  it('returns the answer to the unit that asked, and records the response times', async () => {
    const bad = await world.cardiologist.call(`/api/hub/requests/${urgent}/answer`, {
      method: 'POST',
      body: { kind: 'letter', text: '' },
    });
    assert.equal(bad.status, 400);
    const answered = await world.cardiologist.call(`/api/hub/requests/${urgent}/answer`, {
      method: 'POST',
      body: { kind: 'advice', text: 'Échographie cardiaque sous 15 jours; IEC si TA > 140/90.' },
    });
    assert.equal(answered.status, 201, JSON.stringify(answered.body));
    const answers = await world.nurseA.call(`/api/hub/answers?unit=${world.unitA}`);
    assert.equal(answers.status, 200);
    const mine = answers.body.answers.find((a: { task: { id: string } }) => a.task.id === urgent);
    assert.equal(mine.task.status, 'completed');
    assert.match(mine.outputs[0].payload[0].contentString, /Échographie/);
    assert.equal(
      (await world.gpB.call(`/api/hub/answers?unit=${world.unitA}`)).status,
      404,
      'another unit gets nothing',
    );
    const queue = await world.cardiologist.call('/api/hub/queue/cardiology');
    assert.deepEqual(
      queue.body.requests.map((r: { id: string }) => r.id),
      [routine],
    );
    const stats = await world.manager.call('/api/hub/stats');
    const cardio = stats.body.specialties.find((s: { specialty: string }) => s.specialty === 'cardiology');
    assert.equal(cardio.received, 2);
    assert.equal(cardio.answered, 1);
    assert.ok(cardio.minutesToAnswer.median >= 0);
    assert.equal((await world.gpA.call('/api/hub/stats')).status, 403);
  });

  it('returns only answers a specialist of the hub wrote: a Task closed by a unit member, naming another record, returns nothing of it', async () => {
    // another unit's patient, out of unit A's reach
    const theirs = fieldVisit(world.unitB, { family: 'Ailleurs' });
    const synced = await sync(world.gpB, theirs.entries);
    assert.equal(synced.status, 200, JSON.stringify(synced.body).slice(0, 300));
    const other = synced.body.results.find((r: { key: string }) => r.key === theirs.patient).reference;
    assert.equal((await world.gpA.fhir(`/${other}`)).status, 404, 'unit A cannot read it');
    // unit A's GP writes a "completed" hub Task about their own patient whose output names it
    const forged = await world.gpA.fhir('/Task', {
      method: 'POST',
      body: {
        resourceType: 'Task',
        status: 'completed',
        intent: 'order',
        for: { reference: patient },
        requester: { reference: `Practitioner/${world.gpAId}` },
        owner: { reference: 'Organization/hub-cardiology' },
        extension: [
          {
            url: 'https://sahti.ma/fhir/StructureDefinition/requesting-unit',
            valueReference: { reference: `Organization/${world.unitA}` },
          },
        ],
        output: [{ type: { text: 'answer' }, valueReference: { reference: other } }],
      },
    });
    assert.equal(forged.status, 201, JSON.stringify(forged.body));
    const answers = await world.nurseA.call(`/api/hub/answers?unit=${world.unitA}`);
    assert.equal(answers.status, 200);
    const found = answers.body.answers.find((a: { task: { id: string } }) => a.task.id === forged.body.id);
    assert.deepEqual(found?.outputs ?? [], [], 'nothing the Task names is read for the unit');
    assert.ok(!JSON.stringify(answers.body).includes('Ailleurs'));
    // the real answer is still returned
    const real = answers.body.answers.find((a: { task: { id: string } }) => a.task.id === urgent);
    assert.match(real.outputs[0].payload[0].contentString, /Échographie/);
  });
});
