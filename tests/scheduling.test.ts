/**
 * Booking: slots derived from a weekly template; `$find` and the public search by specialty, place
 * (in French, Arabic or shorthand), language and mode; a slot is never booked twice, whatever the
 * path and the concurrency; cut-offs, moves, no-shows, the waiting list; notices received by a real
 * SMTP server in the patient's language; and the care relationship a booking opens and closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Schedule } from '@medplum/fhirtypes';
import {
  CHANNEL_URL,
  REMINDER_JOB,
  sendReminder,
} from '../packages/server/src/modules/scheduling/booking.ts';
import {
  MATERIALIZE_JOB,
  materializeSchedule,
  slotId,
} from '../packages/server/src/modules/scheduling/materialize.ts';
import { deriveSlots, templateExtension } from '../packages/server/src/modules/scheduling/template.ts';
import { modeConcept, specialtyConcept } from '../packages/server/src/modules/scheduling/terms.ts';
import { type Person, signIn } from './support/people.ts';
import { EVERY_DAY, putResource } from './support/schedule-world.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.ts';

let server: TestServer;
let inbox: SmtpInbox;
let amina: Person; // Arabic, email
let omar: Person; // French, SMS only
let leila: Person;
let doctor: Person;
let otherDoctor: Person;

const everyDay = EVERY_DAY;
const put = (r: Record<string, unknown>) => putResource(server, r);

before(async () => {
  inbox = await startSmtpInbox();
  server = await startTestServer({}, { auth: { smtpUrl: inbox.url } });
  // the nightly derivation of every schedule (02:15, Morocco's time) is not this file's to run: on
  // a run that crosses it, it would add or remove slots under the tests that count them
  await server.platform.db.query(`DELETE FROM pgboss.job WHERE name = $1::text AND state = 'created'`, [
    MATERIALIZE_JOB,
  ]);
  await put({ resourceType: 'Organization', id: 'org-s', name: 'Clinique Anfa' });
  await put({
    resourceType: 'Location',
    id: 'loc-s',
    name: 'Clinique Anfa',
    status: 'active',
    address: { city: 'Casablanca', district: 'Casablanca', state: 'Casablanca-Settat' },
  });
  await put({
    resourceType: 'Practitioner',
    id: 'pr-s',
    name: [{ family: 'Sbai', given: ['Rim'] }],
    communication: [
      { coding: [{ system: 'urn:ietf:bcp:47', code: 'ary' }] },
      { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr' }] },
    ],
  });
  await put({ resourceType: 'Practitioner', id: 'pr-t', name: [{ family: 'Tahiri', given: ['Anas'] }] });
  await put({
    resourceType: 'PractitionerRole',
    id: 'role-s',
    practitioner: { reference: 'Practitioner/pr-s' },
    organization: { reference: 'Organization/org-s' },
    location: [{ reference: 'Location/loc-s' }],
    specialty: [specialtyConcept('cardiology')],
    extension: [
      {
        url: 'https://sahti.ma/fhir/StructureDefinition/consultation-fee',
        valueMoney: { value: 300, currency: 'MAD' },
      },
    ],
  });
  for (const [id, mode] of [
    ['sch-s', 'in-person'],
    ['sch-v', 'video'],
  ] as const) {
    const schedule = await put({
      resourceType: 'Schedule',
      id,
      active: true,
      serviceType: [modeConcept(mode)],
      specialty: [specialtyConcept('cardiology')],
      actor: [
        { reference: 'PractitionerRole/role-s' },
        { reference: 'Practitioner/pr-s' },
        ...(mode === 'in-person' ? [{ reference: 'Location/loc-s' }] : []),
      ],
      extension: [templateExtension(everyDay)],
    });
    await materializeSchedule(server.platform.handler, server.platform.db, schedule as Schedule, 4);
  }
  const patient = (id: string, telecom: unknown[], language: string) =>
    put({
      resourceType: 'Patient',
      id,
      name: [{ family: id }],
      telecom,
      communication: [
        { language: { coding: [{ system: 'urn:ietf:bcp:47', code: language }] }, preferred: true },
      ],
    });
  await patient('pa', [{ system: 'email', value: 'amina@example.ma' }], 'ar');
  await patient('pb', [{ system: 'phone', value: '+212600000111' }], 'fr');
  await patient('pc', [{ system: 'email', value: 'leila@example.ma' }], 'en');
  amina = await signIn(server, ['patient'], 'Patient/pa');
  omar = await signIn(server, ['patient'], 'Patient/pb');
  leila = await signIn(server, ['patient'], 'Patient/pc');
  doctor = await signIn(server, ['doctor'], 'Practitioner/pr-s');
  otherDoctor = await signIn(server, ['doctor'], 'Practitioner/pr-t');
});
after(async () => {
  await server?.close();
  await inbox?.close();
});

/** Free slots of a schedule starting at least `hours` from now. */
async function freeSlots(schedule: string, hours = 1): Promise<string[]> {
  const res = await fetch(
    `${server.url}/api/scheduling/schedules/${schedule}/slots?start=${new Date(Date.now() + hours * 3_600_000).toISOString()}`,
  );
  const body = (await res.json()) as { slots: { slotId: string }[] };
  return body.slots.map((s) => s.slotId);
}
/** The next message to `address` with this subject (others to that address are passed over). */
async function mail(address: string, subject: string) {
  for (;;) {
    const m = await inbox.next(address, 15_000);
    if (m.subject === subject) return m;
  }
}
const slotStatus = async (id: string) => (await fhirFetch(server.fhirBase, `/Slot/${id}`)).body.status;

describe('finding a doctor', () => {
  it('finds the practitioner by specialty and by any name of the place, with the next free times', async () => {
    for (const place of ['Casablanca', 'casa', 'الدار البيضاء', 'Casablanca-Settat', 'CASA']) {
      const res = await fetch(
        `${server.url}/api/scheduling/search?specialty=cardiology&place=${encodeURIComponent(place)}`,
      );
      const body = (await res.json()) as {
        results: { practitioner: string; next: unknown[]; fee: number }[];
      };
      assert.equal(res.status, 200);
      assert.ok(
        body.results.some(
          (r) => r.practitioner === 'Practitioner/pr-s' && r.next.length > 0 && r.fee === 300,
        ),
        place,
      );
    }
    const rabat = await (await fetch(`${server.url}/api/scheduling/search?place=Rabat`)).json();
    assert.equal((rabat as { results: unknown[] }).results.length, 0);
    const video = (await (
      await fetch(`${server.url}/api/scheduling/search?mode=video&language=ary`)
    ).json()) as { results: { mode: string }[] };
    assert.ok(video.results.length >= 1 && video.results.every((r) => r.mode === 'video'));
    const bad = await fetch(`${server.url}/api/scheduling/search?mode=teleport&specialty=astrology`);
    assert.equal(bad.status, 400);
    const outcome = (await bad.json()) as { issue: { expression: string[] }[] };
    assert.deepEqual(outcome.issue.map((i) => i.expression[0]).sort(), ['mode', 'specialty']);
  });

  it('$find returns free Slots, soonest first, with their schedule, role, practitioner and location', async () => {
    const res = await amina.fhir('/Slot/$find?specialty=394579002&place=casa&mode=in-person&_count=5');
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 200));
    const matches = res.body.entry.filter((e: any) => e.search.mode === 'match');
    assert.equal(matches.length, 5);
    const starts = matches.map((e: any) => e.resource.start);
    assert.deepEqual([...starts].sort(), starts);
    const included = res.body.entry
      .filter((e: any) => e.search.mode === 'include')
      .map((e: any) => e.resource.resourceType)
      .sort();
    assert.deepEqual(included, ['Location', 'Practitioner', 'PractitionerRole', 'Schedule']);
  });
});

describe('a slot is never booked twice', () => {
  it('concurrent $book on one slot: exactly one wins, the others get 409, the slot ends busy', async () => {
    const [slot] = await freeSlots('sch-s', 30);
    const attempts = await Promise.all(
      [amina, omar, leila, amina, omar].map((p) =>
        p.fhir('/Appointment/$book', {
          method: 'POST',
          body: {
            resourceType: 'Parameters',
            parameter: [{ name: 'slot', valueReference: { reference: `Slot/${slot}` } }],
          },
        }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    assert.deepEqual(
      statuses,
      [201, 409, 409, 409, 409],
      JSON.stringify(attempts.map((a) => a.body?.issue?.[0]?.diagnostics)),
    );
    assert.equal(await slotStatus(slot), 'busy');
    const booked = await fhirFetch(server.fhirBase, `/Appointment?slot=Slot/${slot}`);
    assert.equal(booked.body.entry.length, 1);
  });

  it('plain POST Appointment racing $book and a transaction bundle: still exactly one', async () => {
    const [slot] = await freeSlots('sch-s', 40);
    const s = (await fhirFetch(server.fhirBase, `/Slot/${slot}`)).body;
    const appointment = (patient: string) => ({
      resourceType: 'Appointment',
      status: 'booked',
      start: s.start,
      end: s.end,
      slot: [{ reference: `Slot/${slot}` }],
      participant: [
        { actor: { reference: `Patient/${patient}` }, status: 'accepted' },
        { actor: { reference: 'Practitioner/pr-s' }, status: 'accepted' },
      ],
    });
    const attempts = await Promise.all([
      amina.fhir('/Appointment', { method: 'POST', body: appointment('pa') }),
      omar.fhir('/Appointment/$book', {
        method: 'POST',
        body: { resourceType: 'Parameters', parameter: [{ name: 'slot', valueString: `Slot/${slot}` }] },
      }),
      leila.fhir('/', {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: appointment('pc'), request: { method: 'POST', url: 'Appointment' } }],
        },
      }),
      fhirFetch(server.fhirBase, '/Appointment', { method: 'POST', body: appointment('pc') }),
    ]);
    const won = attempts.filter(
      (a) => a.status === 201 || (a.status === 200 && a.body.type === 'transaction-response'),
    );
    assert.equal(
      won.length,
      1,
      JSON.stringify(attempts.map((a) => [a.status, a.body?.issue?.[0]?.diagnostics])),
    );
    assert.ok(attempts.every((a) => a.status < 500));
    assert.equal(await slotStatus(slot), 'busy');
  });

  it('bookings of many slots at once (committed together): one winner per slot, each its own answer, notices and reminder', async () => {
    const slots = (await freeSlots('sch-v', 70)).slice(0, 8);
    assert.equal(slots.length, 8);
    // a slot too soon among them: the write hook refuses it, which must not refuse the others
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * 60_000);
    await put({
      resourceType: 'Slot',
      id: 'slot-soon-among-many',
      schedule: { reference: 'Schedule/sch-v' },
      status: 'free',
      start: start.toISOString(),
      end: new Date(start.getTime() + 15 * 60_000).toISOString(),
    });
    const confirmations = async () =>
      Number(
        (
          await server.platform.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM notification_outbox WHERE template = 'appointment-confirmed' AND patient_id IN ('pa', 'pb')`,
          )
        ).rows[0].n,
      );
    const before = await confirmations();
    // by the system client (a scheduler): two patients race for each slot
    const asks = [...slots, ...slots].map((slot, i) => ({ slot, patient: i < slots.length ? 'pa' : 'pb' }));
    asks.splice(5, 0, { slot: 'slot-soon-among-many', patient: 'pa' });
    // and, in the same burst, two patients booking for themselves (each written as that patient)
    const own = (await freeSlots('sch-v', 80)).filter((s) => !slots.includes(s)).slice(0, 2);
    const selfBooked = Promise.all(
      ([amina, omar] as const).map((p, k) =>
        p.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${own[k]}` } }),
      ),
    );
    const answers = await Promise.all(
      asks.map(({ slot, patient }) =>
        fhirFetch(server.fhirBase, '/Appointment/$book', {
          method: 'POST',
          body: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'slot', valueString: `Slot/${slot}` },
              { name: 'patient', valueString: `Patient/${patient}` },
            ],
          },
        }),
      ),
    );
    const soon = answers[5];
    assert.equal(soon.status, 409);
    assert.match(soon.body.issue[0].diagnostics, /too soon/);
    const won = new Map<string, any>();
    for (const [i, answer] of answers.entries()) {
      if (i === 5) continue;
      assert.ok([201, 409].includes(answer.status), JSON.stringify(answer.body));
      if (answer.status !== 201) {
        assert.match(answer.body.issue[0].diagnostics, /just been taken/);
        continue;
      }
      assert.ok(!won.has(asks[i].slot), `Slot/${asks[i].slot} booked twice`);
      won.set(asks[i].slot, answer.body);
      // the answer is this request's own: its slot, its patient
      assert.equal(answer.body.slot[0].reference, `Slot/${asks[i].slot}`);
      assert.equal(answer.body.participant[0].actor.reference, `Patient/${asks[i].patient}`);
    }
    assert.deepEqual([...won.keys()].sort(), [...slots].sort(), 'every slot has its one winner');
    for (const slot of slots) {
      assert.equal(await slotStatus(slot), 'busy');
      const booked = await fhirFetch(server.fhirBase, `/Appointment?slot=Slot/${slot}`);
      assert.equal(booked.body.entry.length, 1);
    }
    assert.equal(await slotStatus('slot-soon-among-many'), 'free');
    const mine = await selfBooked;
    for (const [k, res] of mine.entries()) {
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.participant[0].actor.reference, `Patient/${k === 0 ? 'pa' : 'pb'}`);
      assert.equal(res.body.slot[0].reference, `Slot/${own[k]}`);
    }
    assert.equal((await confirmations()) - before, 10, 'one confirmation per booking won');
    const { rows: reminders } = await server.platform.db.query<{ appointment: string }>(
      `SELECT data->>'appointment' AS appointment FROM pgboss.job WHERE name = $1 AND data->>'appointment' = ANY($2::text[])`,
      [REMINDER_JOB, [...won.values(), ...mine.map((m) => m.body)].map((a) => a.id)],
    );
    assert.equal(reminders.length, 10, 'one day-before reminder per booking won');
  });

  it('refuses a slot that starts too soon, a start that is not the slot’s, and a slot that does not exist', async () => {
    // the public listing shows bookable times only, and the template's next slot may be up to an
    // hour away (none between 23:30 and midnight): a free slot 10 minutes from now, written as a
    // scheduling system would, is too soon whatever the time of day
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * 60_000);
    const soon = 'slot-too-soon';
    await put({
      resourceType: 'Slot',
      id: soon,
      schedule: { reference: 'Schedule/sch-s' },
      status: 'free',
      start: start.toISOString(),
      end: new Date(start.getTime() + 15 * 60_000).toISOString(),
    });
    const res = await amina.fhir('/Appointment/$book', {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'slot', valueString: `Slot/${soon}` }] },
    });
    assert.equal(res.status, 409);
    assert.match(res.body.issue[0].diagnostics, /too soon/);
    // $find does not offer it: it lists what a booking would accept (from now + the notice)
    const found = await amina.fhir('/Slot/$find?practitioner=Practitioner/pr-s&_count=200');
    assert.equal(found.status, 200);
    const offered = found.body.entry
      .filter((e: any) => e.search.mode === 'match')
      .map((e: any) => e.resource);
    assert.ok(offered.length > 0);
    assert.ok(!offered.some((slot: any) => slot.id === soon), 'a slot within the notice is not offered');
    assert.ok(offered.every((slot: any) => Date.parse(slot.start) >= Date.now() + 29 * 60_000));
    const missing = await amina.fhir('/Appointment/$book', {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'slot', valueString: 'Slot/nope' }] },
    });
    assert.equal(missing.status, 404);
    assert.equal(
      (
        await otherDoctor.fhir('/Appointment/$book', {
          method: 'POST',
          body: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'slot', valueString: 'Slot/nope' },
              { name: 'patient', valueString: 'Patient/pa' },
            ],
          },
        })
      ).status,
      404,
      'a patient outside their care is unknown to them',
    );
  });
});

describe('a withdrawn schedule', () => {
  it('takes no booking of the free slots it still has, and its times are no longer listed', async () => {
    const schedule = await put({
      resourceType: 'Schedule',
      id: 'sch-w',
      active: true,
      serviceType: [modeConcept('in-person')],
      specialty: [specialtyConcept('cardiology')],
      actor: [{ reference: 'Practitioner/pr-t' }, { reference: 'Location/loc-s' }],
      extension: [templateExtension(everyDay)],
    });
    await materializeSchedule(server.platform.handler, server.platform.db, schedule as Schedule, 2);
    const [slot] = await freeSlots('sch-w', 2);
    assert.ok(slot);
    await put({ ...schedule, active: false });
    const listed = await fetch(`${server.url}/api/scheduling/schedules/sch-w/slots`);
    assert.equal(listed.status, 404);
    const viaFhir = await amina.fhir('/Appointment/$book', {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'slot', valueString: `Slot/${slot}` }] },
    });
    assert.equal(viaFhir.status, 404, JSON.stringify(viaFhir.body));
    assert.match(viaFhir.body.issue[0].diagnostics, /no bookable practitioner/);
    assert.equal(await slotStatus(slot), 'free', 'nothing was written');
  });
});

describe('after booking', () => {
  it('confirms by email in the patient’s language, and the booked doctor sees the record until the follow-up ends', async () => {
    await put({
      resourceType: 'Patient',
      id: 'pe',
      name: [{ family: 'Essaidi' }],
      telecom: [{ system: 'email', value: 'nora@example.ma' }],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en' }] }, preferred: true }],
    });
    const nora = await signIn(server, ['patient'], 'Patient/pe');
    assert.equal((await doctor.fhir('/Patient/pe')).status, 404);
    const [slot] = await freeSlots('sch-s', 60);
    const booked = await nora.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}`, reason: 'palpitations' },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const confirmed = await mail('nora@example.ma', 'Sahti: appointment confirmed');
    assert.match(confirmed.text, /Dr Rim Sbai/);
    assert.equal((await doctor.fhir('/Patient/pe')).status, 200);
    await server.platform.db.query(
      "UPDATE care_relation SET end_at = now() - interval '1 second' WHERE patient_id = 'pe' AND source = 'booking'",
    );
    server.platform.access.careViews.invalidate();
    assert.equal((await doctor.fhir('/Patient/pe')).status, 404);
  });

  it('moves within the cut-off is refused to the patient; a move in time frees the old slot and takes the new one', async () => {
    const [near] = await freeSlots('sch-s', 2);
    const res = await fhirFetch(server.fhirBase, '/Appointment/$book', {
      method: 'POST',
      body: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'slot', valueString: `Slot/${near}` },
          { name: 'patient', valueString: 'Patient/pa' },
        ],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tooLate = await amina.call(`/api/scheduling/appointments/${res.body.id}/cancel`, {
      method: 'POST',
      body: {},
    });
    assert.equal(tooLate.status, 409);
    assert.match(tooLate.body.issue[0].diagnostics, /12 h/);
    const [far, farther] = await freeSlots('sch-s', 48);
    const later = await amina.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${far}` } });
    assert.equal(later.status, 201);
    const moved = await amina.call(`/api/scheduling/appointments/${later.body.id}/reschedule`, {
      method: 'POST',
      body: { slot: `Slot/${farther}` },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(await slotStatus(far), 'free');
    assert.equal(await slotStatus(farther), 'busy');
    await mail('amina@example.ma', 'صحتي: تغيير موعد');
    const cancelled = await amina.call(`/api/scheduling/appointments/${later.body.id}/cancel`, {
      method: 'POST',
      body: { reason: 'better' },
    });
    assert.equal(cancelled.status, 200);
    assert.equal(await slotStatus(farther), 'free');
    await mail('amina@example.ma', 'صحتي: إلغاء الموعد');
  });

  it('the day-before reminder and the change notices go by the channel the patient chose, in their language', async () => {
    await put({
      resourceType: 'Patient',
      id: 'pd',
      name: [{ family: 'Daoudi' }],
      telecom: [
        { system: 'email', value: 'driss@example.ma' },
        { system: 'phone', value: '+212600000222' },
      ],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr' }] }, preferred: true }],
      extension: [{ url: CHANNEL_URL, valueCode: 'sms' }],
    });
    const driss = await signIn(server, ['patient'], 'Patient/pd');
    const notices = async () =>
      (
        await server.platform.db.query<{
          template: string;
          channel: string;
          recipient: string;
          language: string;
        }>(
          "SELECT template, channel, recipient, language FROM notification_outbox WHERE patient_id = 'pd' ORDER BY created_at, id",
        )
      ).rows;
    const [slot] = await freeSlots('sch-s', 50);
    const booked = await driss.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}` },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    assert.deepEqual(await notices(), [
      { template: 'appointment-confirmed', channel: 'sms', recipient: '+212600000222', language: 'fr' },
    ]);
    // the reminder waits as a job due 24 h before the start
    const { rows: jobs } = await server.platform.db.query<{
      data: { appointment: string; start: string };
      start_after: Date;
    }>(`SELECT data, start_after FROM pgboss.job WHERE name = $1 AND data->>'appointment' = $2`, [
      REMINDER_JOB,
      booked.body.id,
    ]);
    assert.equal(jobs.length, 1);
    const start = Date.parse(jobs[0].data.start);
    assert.equal(new Date(jobs[0].start_after).getTime(), start - 24 * 3_600_000);
    await sendReminder(server.platform.db, server.platform.store, jobs[0].data);
    assert.deepEqual((await notices()).at(-1), {
      template: 'appointment-reminder',
      channel: 'sms',
      recipient: '+212600000222',
      language: 'fr',
    });
    const cancelled = await driss.call(`/api/scheduling/appointments/${booked.body.id}/cancel`, {
      method: 'POST',
      body: {},
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal((await notices()).at(-1)?.template, 'appointment-cancelled');
    // a reminder due after a cancellation says nothing
    const before = (await notices()).length;
    await sendReminder(server.platform.db, server.platform.store, jobs[0].data);
    assert.equal((await notices()).length, before);
    assert.ok(
      (await notices()).every((n) => n.channel === 'sms'),
      'never by email: the patient chose SMS',
    );
  });

  it('a no-show is recorded by the practice, after the start only', async () => {
    const [slot] = await freeSlots('sch-s', 70);
    const res = await omar.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${slot}` } });
    assert.equal(res.status, 201);
    assert.equal(
      (await omar.call(`/api/scheduling/appointments/${res.body.id}/no-show`, { method: 'POST' })).status,
      403,
    );
    assert.equal(
      (await doctor.call(`/api/scheduling/appointments/${res.body.id}/no-show`, { method: 'POST' })).status,
      409,
    );
  });

  it('the waiting list gets a freed slot first; nobody else can take it while it is held', async () => {
    const [slot] = await freeSlots('sch-v', 80);
    const first = await omar.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${slot}` } });
    assert.equal(first.status, 201);
    // another patient reads the busy Slot (as anyone booking does): it does not say by what it was taken
    const seenBusy = await leila.fhir(`/Slot/${slot}`);
    assert.equal(seenBusy.status, 200);
    assert.equal(seenBusy.body.status, 'busy');
    assert.ok(!JSON.stringify(seenBusy.body).includes(first.body.id), 'the Appointment is not named');
    const history = await leila.fhir(`/Slot/${slot}/_history`);
    assert.ok(!JSON.stringify(history.body).includes(first.body.id), 'nor in the Slot’s history');
    const start = (await fhirFetch(server.fhirBase, `/Slot/${slot}`)).body.start;
    const joined = await amina.call('/api/scheduling/waitlist', {
      method: 'POST',
      body: {
        schedule: 'sch-v',
        earliest: new Date().toISOString(),
        latest: new Date(Date.parse(start) + 86_400_000).toISOString(),
      },
    });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    assert.equal(
      (await omar.call(`/api/scheduling/appointments/${first.body.id}/cancel`, { method: 'POST', body: {} }))
        .status,
      200,
    );
    assert.equal(await slotStatus(slot), 'busy-tentative');
    // nor, held from the waiting list, for whom: the Slot does not name Amina's record
    const seenHeld = await leila.fhir(`/Slot/${slot}`);
    assert.equal(seenHeld.body.status, 'busy-tentative');
    assert.ok(!JSON.stringify(seenHeld.body).includes('Patient/pa'), 'the waiting patient is not named');
    const searched = await leila.fhir(`/Slot?schedule=Schedule/sch-v&status=busy-tentative`);
    assert.ok(!JSON.stringify(searched.body).includes('Patient/pa'));
    await mail('amina@example.ma', 'صحتي: موعد متاح');
    const stranger = await leila.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}` },
    });
    assert.equal(stranger.status, 409);
    const taken = await amina.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}` },
    });
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    const entries = await amina.call('/api/scheduling/waitlist');
    assert.equal(entries.body.entries[0].close_reason, 'booked');
  });

  it('a practitioner changes their template; slots follow, booked ones stay', async () => {
    const mine = await doctor.call('/api/scheduling/my-schedules');
    assert.equal(mine.body.schedules.length, 2);
    const noEvenings = { ...everyDay, sessions: everyDay.sessions.map((s) => ({ ...s, end: '12:00' })) };
    const res = await doctor.call('/api/scheduling/schedules/sch-s/template', {
      method: 'PUT',
      body: noEvenings,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.removed > 0);
    const bad = await doctor.call('/api/scheduling/schedules/sch-s/template', {
      method: 'PUT',
      body: { ...noEvenings, slotMinutes: 1 },
    });
    assert.equal(bad.status, 400);
    assert.equal(
      (
        await otherDoctor.call('/api/scheduling/schedules/sch-s/template', {
          method: 'PUT',
          body: noEvenings,
        })
      ).status,
      404,
    );
  });

  it('a template change on a schedule with a long id derives its slots: it used to answer 500 with the template saved', async () => {
    await put({ resourceType: 'Practitioner', id: 'pr-l', name: [{ family: 'Lahlou', given: ['Nour'] }] });
    // 64 characters: a valid id, too long to be followed by a slot's start in a slot id as it was
    const id = `sch-${'l'.repeat(60)}`;
    await put({
      resourceType: 'Schedule',
      id,
      active: true,
      serviceType: [modeConcept('video')],
      actor: [{ reference: 'Practitioner/pr-l' }],
      extension: [templateExtension({ ...everyDay, slotMinutes: 60 })],
    });
    const owner = await signIn(server, ['doctor'], 'Practitioner/pr-l');
    const url = `/api/scheduling/schedules/${id}/template`;
    // every derivation from now on reaches at least this far (the default horizon, 28 days)
    const reached = new Date(Date.now() + 28 * 86_400_000).toISOString();
    const res = await owner.call(url, { method: 'PUT', body: everyDay });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.created > 0);
    const slots = await fhirFetch(server.fhirBase, `/Slot?schedule=Schedule/${id}&_count=5`);
    assert.equal(slots.body.entry.length, 5);
    for (const e of slots.body.entry) assert.ok(e.resource.id.length <= 64);
    // derived again, the slots have the same ids: nothing is written twice. The horizon moved on
    // meanwhile, so a slot may have come into reach at its end — that one only is new.
    const count = async (filter = '') =>
      (await fhirFetch(server.fhirBase, `/Slot?schedule=Schedule/${id}&_summary=count${filter}`)).body.total;
    const [all, within] = [await count(), await count(`&start=lt${reached}`)];
    const again = await owner.call(url, { method: 'PUT', body: everyDay });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.removed, 0);
    assert.equal(await count(`&start=lt${reached}`), within);
    assert.equal(await count(), all + again.body.created);
    const first = slots.body.entry[0].resource;
    assert.equal(
      (await fhirFetch(server.fhirBase, `/Slot/${first.id}`)).body.meta.versionId,
      first.meta.versionId,
    );
  });
});

describe('a template change racing bookings of the slots it removes', () => {
  const noEvenings = { ...everyDay, sessions: everyDay.sessions.map((s) => ({ ...s, end: '12:00' })) };
  const hour = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Africa/Casablanca',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  /** Free slots of sch-r starting 2 h from now or later, at 13:00 or later (the change removes them). */
  const evenings = async () => {
    const res = await fetch(
      `${server.url}/api/scheduling/schedules/sch-r/slots?start=${new Date(Date.now() + 2 * 3_600_000).toISOString()}`,
    );
    const body = (await res.json()) as { slots: { slotId: string; start: string }[] };
    return body.slots.filter((s) => Number(hour.format(new Date(s.start))) >= 13).map((s) => s.slotId);
  };
  const book = (who: Person, slot: string) =>
    who.call('/api/scheduling/book', { method: 'POST', body: { slot: `Slot/${slot}` } });
  /** Each slot booked: still there, busy, and the slot of exactly one active appointment. */
  const assertKept = async (slots: string[]) => {
    for (const slot of slots) {
      const read = await fhirFetch(server.fhirBase, `/Slot/${slot}`);
      assert.equal(read.status, 200, `Slot/${slot} was deleted under its appointment`);
      assert.equal(read.body.status, 'busy');
      const booked = await fhirFetch(server.fhirBase, `/Appointment?slot=Slot/${slot}&status=booked`);
      assert.equal(booked.body.entry?.length, 1, `Slot/${slot}`);
    }
  };
  let everyDaySchedule: Schedule;
  let changed: Schedule;

  before(async () => {
    await put({ resourceType: 'Practitioner', id: 'pr-r', name: [{ family: 'Rami', given: ['Sara'] }] });
    const schedule = {
      resourceType: 'Schedule',
      id: 'sch-r',
      active: true,
      serviceType: [modeConcept('video')],
      actor: [{ reference: 'Practitioner/pr-r' }],
      extension: [templateExtension(noEvenings)],
    };
    changed = (await put(schedule)) as Schedule;
    everyDaySchedule = { ...changed, extension: [templateExtension(everyDay)] };
  });

  it('a slot booked after the derivation read it free, before it deleted it, is kept with its appointment; the others go', async () => {
    const { handler, db } = server.platform;
    // one clock for every derivation here: a horizon that moved on would bring a slot in at its end
    const now = new Date();
    await materializeSchedule(handler, db, everyDaySchedule, 3, now);
    const [slot, ...others] = await evenings();
    assert.ok(others.length > 3);
    // the derivation's first write waits for a booking, committed, of a slot it has read free
    let booking: { status: number; body: unknown } | undefined;
    const racing = Object.create(handler) as typeof handler;
    racing.handle = async (req) => {
      booking ??= await book(amina, slot);
      return handler.handle(req);
    };
    const [, removed] = await materializeSchedule(racing, db, changed, 3, now);
    assert.equal(booking?.status, 201, JSON.stringify(booking?.body));
    await assertKept([slot]);
    // the other slots the template no longer gives are removed all the same, and counted
    for (const other of others)
      assert.equal((await fhirFetch(server.fhirBase, `/Slot/${other}`)).status, 410, `Slot/${other}`);
    assert.deepEqual(await evenings(), []);
    assert.ok(removed >= others.length);
    // the next run keeps the booked slot too, and has nothing left to remove
    assert.deepEqual(await materializeSchedule(handler, db, changed, 3, now), [0, 0]);
    await assertKept([slot]);
  });

  it('a slot another derivation created, and a patient booked, after this one read it missing, stays booked', async () => {
    const { handler, db } = server.platform;
    await materializeSchedule(handler, db, changed, 3);
    assert.deepEqual(await evenings(), []);
    // this derivation (evenings back) has read them missing; before it writes, another derivation of
    // the same schedule (the nightly run, a template save) creates them, and a patient books one
    let started = false;
    let slot: string | undefined;
    let booking: { status: number; body: unknown } | undefined;
    const racing = Object.create(handler) as typeof handler;
    racing.handle = async (req) => {
      if (!started) {
        started = true;
        await materializeSchedule(handler, db, everyDaySchedule, 3);
        slot = (await evenings())[0];
        booking = await book(amina, slot);
      }
      return handler.handle(req);
    };
    const [created] = await materializeSchedule(racing, db, everyDaySchedule, 3);
    assert.equal(booking?.status, 201, JSON.stringify(booking?.body));
    await assertKept([slot as string]);
    assert.ok(created <= 1, `the slots were there already, none created again (${created})`);
    assert.ok((await evenings()).length > 3, 'the other evening slots are there, free');
  });

  it('20 rounds of the change racing bookings: every booked slot stays busy, booked once', async () => {
    const { handler, db } = server.platform;
    const booked: string[] = [];
    for (let round = 0; round < 20; round++) {
      await materializeSchedule(handler, db, everyDaySchedule, 2);
      const free = await evenings();
      const picks = [free[round % free.length], free[(round * 7 + 3) % free.length]];
      // the derivation starts a little later each round, so that the bookings land before it, in
      // its window between reading and deleting, or after it
      const [, ...bookings] = await Promise.all([
        sleep((round % 10) * 3).then(() => materializeSchedule(handler, db, changed, 2)),
        book(omar, picks[0]),
        book(leila, picks[1]),
      ]);
      bookings.forEach((b, i) => {
        assert.ok([201, 404, 409].includes(b.status), JSON.stringify(b.body));
        if (b.status === 201) booked.push(picks[i]);
      });
    }
    assert.ok(booked.length > 0);
    await assertKept(booked);
  });

  it('a derivation meeting a slot another is still writing (uncommitted) takes it as existing', async (t) => {
    // two connections are needed for the race: the embedded database has one
    if (server.backend !== 'postgres') return t.skip('PostgreSQL only');
    const { handler, db, store } = server.platform;
    const schedule = (await put({ ...everyDaySchedule, id: 'sch-race' })) as Schedule;
    const now = new Date();
    const [first] = deriveSlots(everyDay, now, new Date(now.getTime() + 3 * 86_400_000));
    const id = slotId('sch-race', first.start);
    let derivation: Promise<[number, number]> | undefined;
    // as the demo seed and the scheduling job did at a start: another derivation has inserted this
    // slot and not committed yet; ours, having read it missing, waits on the row, then meets the
    // unique key (409 from the engine: it used to end the derivation, and the demo server's start)
    await db.transaction(async (tx) => {
      await store.modifyWithin(tx, 'Slot', id, () => ({
        resourceType: 'Slot',
        id,
        schedule: { reference: 'Schedule/sch-race' },
        status: 'free',
        start: first.start.toISOString(),
        end: first.end.toISOString(),
      }));
      derivation = materializeSchedule(handler, db, schedule, 3, now);
      await sleep(500);
    });
    const [created] = await (derivation as Promise<[number, number]>);
    assert.ok(created > 0, 'the other slots written');
    assert.deepEqual(
      await materializeSchedule(handler, db, schedule, 3, now),
      [0, 0],
      'nothing left to write',
    );
    const read = await fhirFetch(server.fhirBase, `/Slot/${id}`);
    assert.equal(read.body.meta.versionId, '1', 'the slot written once, by the other');
  });
});

describe('the day-before reminder, sent by the job runner when due', () => {
  it('reaches the SMTP server in the patient’s language (French in person, Arabic by video)', async () => {
    // an appointment 24 h and half a minute away: its reminder falls due 30 s from now, and the
    // platform's own job runner (no test hook) sends it; slots written as a scheduling system would
    const due = new Date(Math.ceil(Date.now() / 1000) * 1000 + 24 * 3_600_000 + 30_000);
    const people = [
      { id: 'prf', email: 'rachid@example.ma', language: 'fr', schedule: 'sch-s' },
      { id: 'pra', email: 'samira@example.ma', language: 'ar', schedule: 'sch-v' },
    ];
    const booked: string[] = [];
    for (const p of people) {
      await put({
        resourceType: 'Patient',
        id: p.id,
        name: [{ family: p.id }],
        telecom: [{ system: 'email', value: p.email }],
        communication: [
          { language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.language }] }, preferred: true },
        ],
      });
      await put({
        resourceType: 'Slot',
        id: `slot-${p.id}`,
        schedule: { reference: `Schedule/${p.schedule}` },
        status: 'free',
        start: due.toISOString(),
        end: new Date(due.getTime() + 30 * 60_000).toISOString(),
      });
      const person = await signIn(server, ['patient'], `Patient/${p.id}`);
      const res = await person.call('/api/scheduling/book', {
        method: 'POST',
        body: { slot: `Slot/slot-${p.id}` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      booked.push(res.body.id);
    }
    assert.ok(Date.now() < due.getTime() - 24 * 3_600_000, 'booked before the reminder fell due');
    const reminder = async (address: string, subject: string) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const m = await inbox.next(address, Math.max(1, deadline - Date.now()));
        if (m.subject === subject) return m;
      }
    };
    const [fr, ar] = await Promise.all([
      reminder('rachid@example.ma', 'Sahti : rappel de rendez-vous demain'),
      reminder('samira@example.ma', 'صحتي: تذكير بموعد الغد'),
    ]);
    assert.ok(Date.now() >= due.getTime() - 24 * 3_600_000, 'not sent before it was due');
    assert.match(
      fr.text,
      /^Rappel : rendez-vous avec Dr Rim Sbai le .+, Clinique Anfa\. Apportez votre CNIE\./,
    );
    assert.match(ar.text, /^تذكير: موعدك مع Dr Rim Sbai يوم .+ عبر الفيديو\. أحضر بطاقتك الوطنية\./);
    // each ran once, as a job of the runner (its completion is recorded just after the work)
    const states = async () =>
      (
        await server.platform.db.query<{ state: string }>(
          `SELECT state FROM pgboss.job WHERE name = $1 AND data->>'appointment' = ANY($2::text[])`,
          [REMINDER_JOB, booked],
        )
      ).rows.map((r) => r.state);
    for (let tries = 0; (await states()).some((s) => s !== 'completed') && tries < 50; tries++)
      await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await states(), ['completed', 'completed']);
  });
});
