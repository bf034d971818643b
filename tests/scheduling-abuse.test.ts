/**
 * Slot holders, as an attacker would try them, through HTTP on both databases: who booked a Slot
 * or waits for it is not found through the Slot's searches (`_revinclude`, `_history`) nor an
 * Appointment search by slot; and no one writing a Slot directly — a patient, a doctor who does
 * not own the schedule, a dialysis coordinator or an administrator (who may write any Slot), a
 * system client — frees a booked Slot, gives a slot held from the waiting list to someone else,
 * or forges a hold (a plain reference, or a token copied from another Slot); two Slots held for
 * one patient do not carry the same token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Schedule, Slot } from '@medplum/fhirtypes';
import { materializeSchedule } from '../packages/server/src/modules/scheduling/materialize.ts';
import { BOOKED_BY_URL } from '../packages/server/src/modules/scheduling/projection.ts';
import { templateExtension } from '../packages/server/src/modules/scheduling/template.ts';
import { modeConcept, specialtyConcept } from '../packages/server/src/modules/scheduling/terms.ts';
import { OFFERED_TO_URL } from '../packages/server/src/modules/scheduling/waitlist.ts';
import { type Person, signIn } from './support/people.ts';
import { EVERY_DAY, putResource } from './support/schedule-world.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let waiter: Person; // on the waiting list
let booker: Person; // books, then cancels
let attacker: Person; // another patient
let owner: Person; // the schedule's doctor
let otherDoctor: Person;
let coordinator: Person; // dialysis coordinator: may write any Slot
let admin: Person;

const everyDay = EVERY_DAY;
const put = (r: Record<string, unknown>) => putResource(server, r);
const asSystem = (path: string) => fhirFetch(server.fhirBase, path);

before(async () => {
  server = await startTestServer();
  await put({ resourceType: 'Organization', id: 'org-x', name: 'Cabinet Hay Riad' });
  await put({ resourceType: 'Practitioner', id: 'pr-x', name: [{ family: 'Alaoui', given: ['Sara'] }] });
  await put({ resourceType: 'Practitioner', id: 'pr-y', name: [{ family: 'Bennani', given: ['Ali'] }] });
  await put({ resourceType: 'Practitioner', id: 'pr-c', name: [{ family: 'Chraibi', given: ['Hind'] }] });
  await put({
    resourceType: 'PractitionerRole',
    id: 'role-x',
    practitioner: { reference: 'Practitioner/pr-x' },
    organization: { reference: 'Organization/org-x' },
    specialty: [specialtyConcept('cardiology')],
  });
  const schedule = await put({
    resourceType: 'Schedule',
    id: 'sch-x',
    active: true,
    serviceType: [modeConcept('video')],
    specialty: [specialtyConcept('cardiology')],
    actor: [{ reference: 'PractitionerRole/role-x' }, { reference: 'Practitioner/pr-x' }],
    extension: [templateExtension(everyDay)],
  });
  await materializeSchedule(server.platform.handler, server.platform.db, schedule as Schedule, 4);
  for (const id of ['ab-wait', 'ab-twice', 'ab-book', 'ab-att'])
    await put({ resourceType: 'Patient', id, name: [{ family: id }] });
  waiter = await signIn(server, ['patient'], 'Patient/ab-wait');
  booker = await signIn(server, ['patient'], 'Patient/ab-book');
  attacker = await signIn(server, ['patient'], 'Patient/ab-att');
  owner = await signIn(server, ['doctor'], 'Practitioner/pr-x');
  otherDoctor = await signIn(server, ['doctor'], 'Practitioner/pr-y');
  coordinator = await signIn(server, ['dialysis-coordinator'], 'Practitioner/pr-c');
  admin = await signIn(server, ['administrator']);
});
after(async () => {
  await server?.close();
});

/** Free slots of the schedule starting at least `hours` from now. */
async function freeSlots(hours: number): Promise<string[]> {
  const res = await fetch(
    `${server.url}/api/scheduling/schedules/sch-x/slots?start=${new Date(Date.now() + hours * 3_600_000).toISOString()}`,
  );
  const body = (await res.json()) as { slots: { slotId: string }[] };
  return body.slots.map((s) => s.slotId);
}
const slotOf = async (id: string) => (await asSystem(`/Slot/${id}`)).body as Slot;
const book = (who: Person, slot: string) =>
  who.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${slot}` } });

/**
 * A Slot booked by `booker` (its Appointment id), and one held from the waiting list for `waiting`
 * (`waiter` unless told: a patient waits for at most 5 practitioners at once, one entry per call).
 */
async function bookedAndHeld(
  hours: number,
  waiting: Person = waiter,
): Promise<{ booked: string; appointment: string; held: string }> {
  const [booked, held] = await freeSlots(hours);
  const first = await book(booker, booked);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const other = await book(booker, held);
  assert.equal(other.status, 201, JSON.stringify(other.body));
  const start = (await slotOf(held)).start;
  const joined = await waiting.call('/api/scheduling/waitlist', {
    method: 'POST',
    body: {
      schedule: 'sch-x',
      earliest: new Date().toISOString(),
      latest: new Date(Date.parse(start) + 86_400_000).toISOString(),
    },
  });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  const cancelled = await booker.call(`/api/scheduling/appointments/${other.body.id}/cancel`, {
    method: 'POST',
    body: {},
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal((await slotOf(held)).status, 'busy-tentative');
  return { booked, appointment: first.body.id, held };
}

describe('who holds a Slot is not found through other reads', () => {
  it('another patient finds neither the Appointment nor the waiting patient by the Slot', async () => {
    const { booked, appointment, held } = await bookedAndHeld(30);
    const reads = [
      `/Slot?_id=${booked},${held}&_revinclude=Appointment:slot`,
      `/Appointment?slot=Slot/${booked}`,
      `/Appointment?slot=Slot/${booked}&_include=Appointment:patient`,
      `/Slot/${booked}/_history`,
      `/Slot/${held}/_history`,
      `/Slot?schedule=Schedule/sch-x&status=busy,busy-tentative&_count=200`,
    ];
    for (const path of reads) {
      const res = await attacker.fhir(path);
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(appointment), `${path} names the Appointment`);
      assert.ok(!/ab-(book|wait|twice)/.test(text), `${path} names a patient`);
    }
  });

  it('two Slots held for the same waiting patient carry unrelated tokens (a reader cannot link them)', async () => {
    const twice = await signIn(server, ['patient'], 'Patient/ab-twice');
    const first = await bookedAndHeld(80, twice);
    const second = await bookedAndHeld(90, twice);
    const tokenOf = async (id: string) =>
      (await attacker.fhir(`/Slot/${id}`)).body.extension?.find(
        (e: { url: string }) => e.url === OFFERED_TO_URL,
      )?.valueString;
    const [a, b] = [await tokenOf(first.held), await tokenOf(second.held)];
    assert.ok(a && b, 'both held');
    assert.notEqual(a, b, 'the same patient, the same token');
    // each is still theirs: the waiting patient books both
    assert.equal((await book(twice, first.held)).status, 201);
    assert.equal((await book(twice, second.held)).status, 201);
  });
});

describe('a Slot written directly does not change who holds it', () => {
  it('a patient and a doctor — not owning the schedule, or owning it (their template is the way) — may not write Slots at all', async () => {
    const { booked, held } = await bookedAndHeld(40);
    for (const who of [attacker, otherDoctor, owner]) {
      for (const id of [booked, held]) {
        const slot = await slotOf(id);
        const res = await who.fhir(`/Slot/${id}`, { method: 'PUT', body: { ...slot, status: 'free' } });
        assert.equal(res.status, 403, JSON.stringify(res.body));
      }
    }
    assert.equal((await slotOf(booked)).status, 'busy');
    assert.equal((await slotOf(held)).status, 'busy-tentative');
  });

  it('a coordinator or an administrator (any schedule’s Slots) cannot free a booked Slot for a second booking', async () => {
    const { booked } = await bookedAndHeld(50);
    const slot = await slotOf(booked);
    for (const who of [coordinator, admin]) {
      const freed = await who.fhir(`/Slot/${booked}`, {
        method: 'PUT',
        body: { ...slot, status: 'free', extension: [] },
      });
      assert.equal(freed.status, 403, JSON.stringify(freed.body));
      const keptHolder = await who.fhir(`/Slot/${booked}`, {
        method: 'PUT',
        body: { ...slot, status: 'free' },
      });
      assert.equal(keptHolder.status, 403, JSON.stringify(keptHolder.body));
      const deleted = await who.fhir(`/Slot/${booked}`, { method: 'DELETE' });
      assert.equal(deleted.status, 403, JSON.stringify(deleted.body));
    }
    const freedBySystem = await fhirFetch(server.fhirBase, `/Slot/${booked}`, {
      method: 'PUT',
      body: { ...slot, status: 'free', extension: [] },
    });
    assert.equal(freedBySystem.status, 403, JSON.stringify(freedBySystem.body));
    assert.equal((await slotOf(booked)).status, 'busy');
    assert.equal((await book(attacker, booked)).status, 409, 'no second booking');
    // a note on the booked Slot that leaves its status and holder as they are is still written
    const noted = await coordinator.fhir(`/Slot/${booked}`, {
      method: 'PUT',
      body: { ...slot, comment: 'salle 2' },
    });
    assert.equal(noted.status, 200, JSON.stringify(noted.body));
  });

  it('a slot held from the waiting list is not given to another patient by rewriting its holder', async () => {
    const { booked, held } = await bookedAndHeld(60);
    const slot = await slotOf(held);
    const others = (slot.extension ?? []).filter((e) => e.url !== OFFERED_TO_URL);
    const legacy = { url: OFFERED_TO_URL, valueReference: { reference: 'Patient/ab-att' } };
    const rewritten = await coordinator.fhir(`/Slot/${held}`, {
      method: 'PUT',
      body: { ...slot, extension: [...others, legacy] },
    });
    assert.equal(rewritten.status, 403, JSON.stringify(rewritten.body));
    const released = await admin.fhir(`/Slot/${held}`, {
      method: 'PUT',
      body: { ...slot, status: 'free', extension: others },
    });
    assert.equal(released.status, 403, JSON.stringify(released.body));
    assert.equal((await book(attacker, held)).status, 409, 'still held for the waiting patient');

    // nor is a hold forged on a free Slot: a plain reference, or a token copied from a booked Slot
    const [free] = await freeSlots(70);
    const target = await slotOf(free);
    const token = (await slotOf(booked)).extension?.find((e) => e.url === BOOKED_BY_URL);
    assert.ok(token);
    for (const extension of [[legacy], [token]]) {
      const forged = await coordinator.fhir(`/Slot/${free}`, {
        method: 'PUT',
        body: { ...target, status: extension[0] === legacy ? 'busy-tentative' : 'busy', extension },
      });
      assert.equal(forged.status, 403, JSON.stringify(forged.body));
    }
    assert.equal((await slotOf(free)).status, 'free');
    assert.equal((await book(waiter, held)).status, 201, 'the waiting patient books the slot held for them');
  });
});
