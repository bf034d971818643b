/**
 * Mobile units through HTTP: the coverage analysis and the planner for planners only, facility
 * edits that change the analysis, tours published as Schedules and Slots with SMS notices, and the
 * field sync — idempotent (a replay creates nothing twice), conflicts surfaced and never
 * overwritten, a CNIE already known deferred — with the abuse cases: a unit member sees no patient
 * of another unit, a device gateway writes device Observations only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Schedule } from '@medplum/fhirtypes';
import {
  addDays,
  holidaysBetween,
  localDate,
  localToInstant,
  weekdayOf,
} from '../packages/server/src/modules/scheduling/calendar.ts';
import { deriveSlots, templateOf } from '../packages/server/src/modules/scheduling/template.ts';
import { sendVisitNotices } from '../packages/server/src/modules/units/tours/notices.ts';
import { renderTemplate } from '../packages/server/src/notify/templates.ts';
import { ecgPdf, ecgStrip, photo, prescription, referral } from './support/field-records.ts';
import { whileInsertsRefused } from './support/no-write.ts';
import { type Person, signIn } from './support/people.ts';
import { clientToken, fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { FIELD, fieldVisit, seedUnitsWorld, sync, type UnitsWorld } from './support/units-world.ts';

let server: TestServer;
let world: UnitsWorld;
/** The Schedules of the tour published below, one per stop. */
const tourSchedules: Schedule[] = [];

before(async () => {
  server = await startTestServer();
  world = await seedUnitsWorld(server);
});
after(() => server?.close());

describe('coverage and planner', () => {
  it('are for administrators and programme managers only', async () => {
    assert.equal((await world.gpA.call('/api/units/coverage')).status, 403);
    assert.equal((await fetch(`${server.url}/api/units/coverage`)).status, 401);
    const map = await world.manager.call('/api/units/map');
    assert.equal(map.status, 200);
    assert.equal(map.body.regions.length, 12);
    assert.ok(map.body.regions.every((r: { path: string }) => r.path.startsWith('M')));
  });

  it('measures distances on the real communes, and an added facility changes the analysis', async () => {
    const before = await world.manager.call('/api/units/coverage?thresholds=5,10,20');
    assert.equal(before.status, 200);
    assert.equal(before.body.national.population, 36_828_330);
    const irherm = before.body.communes.find((c: { code: string }) => c.code === '09.541.01.05');
    assert.ok(irherm.km > 5, 'Irherm has no OSM facility within 5 km');
    const refused = await world.manager.call('/api/units/facility-edits', {
      method: 'POST',
      body: { name: 'CSR Irherm', kind: 'health_centre', lat: 30.0755, lon: -8.5006 },
    });
    assert.equal(refused.status, 403, 'programme managers do not edit facilities');
    const bad = await world.admin.call('/api/units/facility-edits', {
      method: 'POST',
      body: { name: 'X', kind: 'spa', lat: 50, lon: 2 },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort(), [
      'kind',
      'lat',
      'lon',
      'name',
    ]);
    const added = await world.admin.call('/api/units/facility-edits', {
      method: 'POST',
      body: { name: 'CSR Irherm', kind: 'health_centre', lat: 30.0755, lon: -8.5006 },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const afterEdit = await world.manager.call('/api/units/coverage');
    const now = afterEdit.body.communes.find((c: { code: string }) => c.code === '09.541.01.05');
    assert.ok(now.km < 0.1, `the new centre is the nearest (${now.km} km)`);
    assert.ok(afterEdit.body.national.beyond[0].population < before.body.national.beyond[0].population);
    const removed = await world.admin.call(`/api/units/facility-edits/${added.body.id}`, {
      method: 'DELETE',
    });
    assert.equal(removed.status, 204);
  });

  it('plans in fast mode at once and in exact mode in the background, with field errors', async () => {
    const bad = await world.manager.call('/api/units/plans', {
      method: 'POST',
      body: { units: 0, radiusKm: 15, underservedKm: 10 },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issue[0].expression[0], 'units');
    const fast = await world.manager.call('/api/units/plans', {
      method: 'POST',
      body: { units: 20, radiusKm: 15, underservedKm: 10, mode: 'fast', unitsPerBase: 2 },
    });
    assert.equal(fast.status, 201, JSON.stringify(fast.body).slice(0, 300));
    assert.equal(fast.body.plan.stops.length, 20);
    assert.ok(fast.body.plan.provinces.every((p: { units: number }) => p.units <= 2));
    const exact = await world.manager.call('/api/units/plans', {
      method: 'POST',
      body: { units: 20, radiusKm: 15, underservedKm: 10, mode: 'exact', unitsPerBase: 2, timeLimitS: 30 },
    });
    assert.equal(exact.status, 202);
    let done: any;
    for (let i = 0; i < 120 && done?.status !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      done = (await world.manager.call(`/api/units/plans/${exact.body.id}`)).body;
    }
    assert.equal(done.status, 'done');
    assert.ok(done.plan.coveredPopulation >= fast.body.plan.coveredPopulation);
    assert.ok(fast.body.plan.coveredPopulation >= 0.995 * done.plan.coveredPopulation);
  });
});

describe('units, teams and tours', () => {
  it('shows a unit to its members and planners only, with what its team lacks', async () => {
    const seen = await world.gpA.call(`/api/units/${world.unitA}`);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body.gaps, [
      { role: 'nurse', missing: 1 },
      { role: 'assistant', missing: 1 },
    ]);
    assert.equal((await world.gpB.call(`/api/units/${world.unitA}`)).status, 404);
    const mine = await world.gpB.call('/api/units');
    assert.deepEqual(
      mine.body.units.map((u: { id: string }) => u.id),
      [world.unitB],
    );
  });

  it('names a unit in Arabic and English with FHIR’s translation extension, the Arabic in Arabic letters', async () => {
    const translations = { ar: 'الوحدة الطبية المتنقلة - تارودانت 9', en: 'Mobile medical unit Taroudant 9' };
    const made = await world.admin.call('/api/units', {
      method: 'POST',
      body: { name: 'Unité mobile Taroudant 9', baseCommune: '09.541.01.03', translations },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const org = await fhirFetch(server.fhirBase, `/Organization/${made.body.id}`);
    assert.equal(org.body.name, 'Unité mobile Taroudant 9');
    const translated = Object.fromEntries(
      org.body._name.extension.map(
        (e: { url: string; extension: { url: string; valueCode?: string; valueString?: string }[] }) => {
          assert.equal(e.url, 'http://hl7.org/fhir/StructureDefinition/translation');
          return [
            e.extension.find((x) => x.url === 'lang')?.valueCode,
            e.extension.find((x) => x.url === 'content')?.valueString,
          ];
        },
      ),
    );
    assert.deepEqual(translated, translations);
    const detail = await world.admin.call(`/api/units/${made.body.id}`);
    assert.deepEqual(detail.body._name, org.body._name, 'the screens get the translations');
    // an "Arabic" name in Latin letters, an unknown language: 400 naming the field, no unit made
    const before = (await world.admin.call('/api/units')).body.units.length;
    for (const bad of [{ ar: 'Unite mobile 9' }, { tz: 'ⵜⴰⵔⵓⴷⴰⵏⵜ' }, { en: 'x' }, 'Taroudant']) {
      const refused = await world.admin.call('/api/units', {
        method: 'POST',
        body: { name: 'Unité mobile Taroudant 10', baseCommune: '09.541.01.03', translations: bad },
      });
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.match(refused.body.issue[0].expression[0], /^translations/);
    }
    assert.equal((await world.admin.call('/api/units')).body.units.length, before);
  });

  it('keeps the equipment check of the unit’s own devices, by its members only', async () => {
    const scale = await world.admin.call(`/api/units/${world.unitA}/devices`, {
      method: 'POST',
      body: { kind: 'scale', serial: 'SC-CHECK-1' },
    });
    assert.equal(scale.status, 201, JSON.stringify(scale.body));
    const foreign = await world.admin.call(`/api/units/${world.unitB}/devices`, {
      method: 'POST',
      body: { kind: 'scale', serial: 'SC-CHECK-2' },
    });
    const check = (who: typeof world.gpA, unit: string, items: unknown[]) =>
      who.call(`/api/units/${unit}/equipment-checks`, { method: 'POST', body: { items } });
    const wrong = await check(world.gpA, world.unitA, [
      { device: foreign.body.id, present: true, working: true },
    ]);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.issue[0].expression[0], 'items[0].device', 'another unit’s device');
    assert.equal(
      (await check(world.gpB, world.unitA, [{ device: scale.body.id, present: true, working: true }])).status,
      404,
      'not a member of unit A',
    );
    const done = await check(world.nurseA, world.unitA, [
      { device: scale.body.id, present: true, working: false, note: 'écran cassé' },
    ]);
    assert.equal(done.status, 201, JSON.stringify(done.body));
    const unit = await world.gpA.call(`/api/units/${world.unitA}`);
    assert.deepEqual(unit.body.lastCheck.items, [{ device: scale.body.id, present: true, working: false }]);
  });

  it('publishes a weekly tour as Schedules with Slots, visit days proportional to population', async () => {
    const proposal = await world.manager.call(`/api/units/${world.unitA}/tour/proposal`, {
      method: 'POST',
      body: { weeks: 2 },
    });
    assert.equal(proposal.status, 200, JSON.stringify(proposal.body));
    assert.equal(proposal.body.days.length, 10);
    const visits = proposal.body.stops.map((s: { visits: number }) => s.visits);
    assert.ok(
      visits.every((v: number, i: number) => i === 0 || v <= visits[i - 1]),
      'bigger stops are visited more',
    );
    assert.equal(
      (await world.manager.call(`/api/units/${world.unitA}/tour`, { method: 'POST', body: { weeks: 1 } }))
        .status,
      403,
    );
    const published = await world.admin.call(`/api/units/${world.unitA}/tour`, {
      method: 'POST',
      body: { weeks: 1, communes: ['09.541.03.23', '09.541.03.27', '09.541.01.05'] },
    });
    assert.equal(published.status, 201, JSON.stringify(published.body).slice(0, 400));
    assert.equal(published.body.schedules.length, 3);
    assert.ok(published.body.slots > 0, 'slots derived by the booking service');
    const schedule = await fhirFetch(server.fhirBase, `/Schedule/${published.body.schedules[0].id}`);
    assert.equal(schedule.body.actor[0].reference.startsWith('Location/stop-'), true);
    const slots = await fhirFetch(server.fhirBase, `/Slot?schedule=Schedule/${schedule.body.id}&_count=1`);
    assert.ok(slots.body.entry.length > 0);
    for (const s of published.body.schedules as { id: string }[])
      tourSchedules.push((await fhirFetch(server.fhirBase, `/Schedule/${s.id}`)).body);
  });

  it('reads the published tour back as a stop per day with drives, and the team with every name', async () => {
    assert.equal(tourSchedules.length, 3, 'the tour published above');
    const unit = await world.manager.call(`/api/units/${world.unitA}`);
    assert.equal(unit.status, 200);
    const tour = unit.body.weeklyTour;
    assert.equal(tour.weeks, 1);
    assert.equal(tour.days.length, 5, 'one stop per working day');
    assert.deepEqual(
      tour.days.map((d: { day: string }) => d.day),
      ['mon', 'tue', 'wed', 'thu', 'fri'],
    );
    for (const s of tourSchedules) {
      const stop = tour.stops.find((x: { schedule: string }) => x.schedule === s.id);
      assert.ok(stop, `stop of ${s.id}`);
      assert.equal(stop.name, s.actor?.[0]?.display);
      const days = tour.days.filter((d: { stop: string }) => d.stop === stop.commune);
      assert.equal(days.length, stop.visits, 'as many days as visits');
      assert.deepEqual(
        days.map((d: { day: string }) => d.day),
        templateOf(s)?.sessions.map((x) => x.day),
      );
    }
    assert.ok(tour.days.every((d: { minutesFromBase: number }) => d.minutesFromBase > 0));
    assert.equal(
      tour.days[0].minutesFromPrevious,
      tour.days[0].minutesFromBase,
      'the first day leaves the base',
    );
    for (let i = 1; i < tour.days.length; i++)
      if (tour.days[i].stop === tour.days[i - 1].stop) assert.equal(tour.days[i].minutesFromPrevious, 0);
    assert.ok(tour.days.some((d: { minutesFromPrevious: number }) => d.minutesFromPrevious > 0));
    // each commune in both scripts (communes.csv), for a screen in French or Arabic
    assert.ok(
      [unit.body.base, ...tour.days].every(
        (x: { nameFr?: string; nameAr?: string }) =>
          x.nameFr && /[\u0600-\u06FF]/.test(x.nameAr ?? '') && !/[A-Za-z]/.test(x.nameAr ?? ''),
      ),
      JSON.stringify(tour.days.map((d: { nameAr?: string }) => d.nameAr)),
    );
    for (const member of unit.body.roster as { practitioner: string; names: unknown[] }[]) {
      const practitioner = await fhirFetch(server.fhirBase, `/${member.practitioner}`);
      assert.deepEqual(member.names, practitioner.body.name);
    }
    assert.ok(unit.body.devices.length > 0, 'the equipment registered above');
    assert.equal((await world.gpB.call(`/api/units/${world.unitA}`)).status, 404, 'not to another unit');
  });

  it('tells a member preparing the day today’s stop, or the tour’s next day and its stop', async () => {
    const unit = await world.manager.call(`/api/units/${world.unitA}`);
    const tour = unit.body.weeklyTour as {
      days: { day: string; stop: string }[];
      stops: { schedule: string; commune: string }[];
    };
    // the stop the published tour has on a local date (its Location, as the Schedule names it);
    // none on a public holiday (the tour's templates close on holidays)
    const stopOn = (date: string) => {
      if (holidaysBetween(date, date).length > 0) return undefined;
      const commune = tour.days.find((d) => d.day === weekdayOf(date))?.stop;
      const schedule = tour.stops.find((x) => x.commune === commune)?.schedule;
      return tourSchedules.find((s) => s.id === schedule)?.actor?.[0]?.reference;
    };
    // the server reads its own clock: at midnight (Morocco's) the day may turn during the request
    const asked = localDate(new Date());
    const day = await world.gpA.call(`/api/units/${world.unitA}/field-day`);
    assert.equal(day.status, 200);
    assert.ok([asked, localDate(new Date())].includes(day.body.date), `${day.body.date}, asked ${asked}`);
    const today = day.body.date as string;
    assert.equal(day.body.stop?.reference, stopOn(today), `today ${today} (${weekdayOf(today)})`);
    // whatever today is (a Friday evening, a weekend), the next working day of the tour
    let next = addDays(today, 1);
    while (!stopOn(next)) next = addDays(next, 1);
    assert.equal(day.body.next.date, next);
    assert.equal(day.body.next.stop.reference, stopOn(next));
    assert.match(day.body.next.stop.display, /\p{L}/u);
  });

  it('tells the people seen at a stop by SMS the evening before the unit comes, once, and not on a holiday', async () => {
    assert.equal(tourSchedules.length, 3, 'the tour above was published');
    const stops = tourSchedules.map((s) => s.actor![0].reference as string);
    // a villager seen at the tour's stops (one Encounter naming them all, to keep the test short)
    const visit = fieldVisit(world.unitA, { family: `Notice${randomUUID().slice(0, 4)}` });
    const now = new Date().toISOString();
    visit.entries[1].resource.period = { start: now, end: now };
    visit.entries[1].resource.location = stops.map((reference) => ({ location: { reference } }));
    const synced = await sync(world.nurseA, visit.entries);
    assert.equal(synced.status, 200, JSON.stringify(synced.body).slice(0, 400));
    const patientId = (synced.body.results[0].reference as string).split('/')[1];
    const daysOf = (s: Schedule, from: string, days: number) =>
      deriveSlots(
        templateOf(s)!,
        localToInstant(from, '00:00'),
        localToInstant(addDays(from, days), '00:00'),
      ).map((slot) => localDate(slot.start));
    const noticesOn = async (day: string) =>
      (
        await server.platform.db.query<{ stop: string }>(
          'SELECT stop FROM units_visit_notice WHERE patient_id = $1::text AND day = $2::date',
          [patientId, day],
        )
      ).rows.map((r) => r.stop);

    const today = localDate(new Date());
    const day = daysOf(tourSchedules[0], addDays(today, 2), 14)[0];
    assert.ok(day, 'the first stop has a visit day within two weeks');
    const evening = localToInstant(addDays(day, -1), '18:00');
    assert.equal(await sendVisitNotices(server.platform.db, server.platform.store, evening), 1);
    assert.deepEqual(await noticesOn(day), [stops[0]]);
    const sms = await server.platform.db.query<{ channel: string; recipient: string }>(
      'SELECT channel, recipient FROM notification_outbox WHERE patient_id = $1::text',
      [patientId],
    );
    assert.deepEqual(sms.rows, [{ channel: 'sms', recipient: '+212600000099' }]);
    // in the villager's language: the stop's Arabic name (the commune's, census list) in Arabic
    const { params } = (
      await server.platform.db.query<{ params: Record<string, string> }>(
        'SELECT params FROM notification_outbox WHERE patient_id = $1::text',
        [patientId],
      )
    ).rows[0];
    const stop = await fhirFetch(server.fhirBase, `/${stops[0]}`);
    const arabicStop = stop.body._name.extension[0].extension[1].valueString as string;
    assert.match(arabicStop, /[\u0600-\u06FF]/);
    assert.ok(renderTemplate('unit-visit', 'ar', params).body.includes(arabicStop));
    assert.ok(!renderTemplate('unit-visit', 'ar', params).body.includes(stop.body.name));
    assert.ok(renderTemplate('unit-visit', 'fr', params).body.includes(stop.body.name));
    assert.equal(await sendVisitNotices(server.platform.db, server.platform.store, evening), 0, 'once');

    // a public holiday on a tour weekday: the Slots are closed, nobody is told to wait for the unit
    const weekdayHolidays = holidaysBetween(addDays(today, 2), addDays(today, 300)).filter((h) =>
      tourSchedules.some((s) => templateOf(s)!.sessions.some((x) => x.day === weekdayOf(h.date))),
    );
    assert.ok(weekdayHolidays.length > 0, 'a holiday falls on a tour day within 300 days');
    const holiday = weekdayHolidays[0].date;
    assert.equal(
      await sendVisitNotices(
        server.platform.db,
        server.platform.store,
        localToInstant(addDays(holiday, -1), '18:00'),
      ),
      0,
    );
    assert.deepEqual(await noticesOn(holiday), []);
  });
});

describe('field sync', () => {
  it('creates a day of records once, however often it is replayed', async () => {
    const visit = fieldVisit(world.unitA, { observations: 3 });
    const batch = randomUUID();
    const first = await sync(world.nurseA, visit.entries, batch);
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 500));
    assert.equal(first.body.counts.created, 5);
    // the answer was lost: the same batch again gives the same answer, nothing written
    const again = await sync(world.nurseA, visit.entries, batch);
    assert.deepEqual(again.body.results, first.body.results);
    // a new batch with the same records (the device never saw the answer): existing, not created
    const replay = await sync(world.nurseA, visit.entries);
    assert.equal(replay.body.counts.created, 0);
    assert.equal(replay.body.counts.existing, 5);
    const patient = first.body.results[0].reference;
    const obs = await fhirFetch(server.fhirBase, `/Observation?subject=${patient}&_summary=count`);
    assert.equal(obs.body.total, 3);
    // the same bundle straight to /fhir/R4 cannot duplicate either (unique key on field records)
    const direct = await world.nurseA.fhir('', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: visit.entries.map((e) => ({ ...e, request: { method: 'POST', url: e.request.url } })),
      },
    });
    assert.equal(direct.status, 409);
  });

  it('runs again a batch left running by a process that died after its commit, creating nothing twice', async () => {
    const visit = fieldVisit(world.unitA, { family: 'Killed', observations: 2 });
    const batch = randomUUID();
    const first = await sync(world.nurseA, visit.entries, batch);
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 400));
    assert.equal(first.body.counts.created, 4);
    // the state a kill -9 between the transaction's commit and the batch's 'done' leaves behind
    await server.platform.db.query(
      `UPDATE units_sync_batch SET status = 'running', summary = NULL, finished_at = NULL WHERE id = $1::text`,
      [batch],
    );
    const retry = await sync(world.nurseA, visit.entries, batch);
    assert.equal(retry.status, 200, JSON.stringify(retry.body).slice(0, 400));
    assert.equal(retry.body.counts.created, 0);
    assert.equal(retry.body.counts.existing, 4);
    assert.deepEqual(
      retry.body.results.map((r: { reference: string }) => r.reference),
      first.body.results.map((r: { reference: string }) => r.reference),
      'the same records, found by their field identifiers',
    );
    const patients = await fhirFetch(server.fhirBase, '/Patient?family=Killed&_summary=count');
    assert.equal(patients.body.total, 1);
    // killed before its commit: the batch is 'running' and nothing was written; the retry writes it
    const unsent = fieldVisit(world.unitA, { family: 'KilledEarly' });
    const early = randomUUID();
    await server.platform.db.query(
      `INSERT INTO units_sync_batch (id, account, status)
       SELECT $1::text, account, 'running' FROM units_sync_batch WHERE id = $2::text`,
      [early, batch],
    );
    const resumed = await sync(world.nurseA, unsent.entries, early);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body).slice(0, 400));
    assert.equal(resumed.body.counts.created, unsent.entries.length);
  });

  it('lets the whole unit record for a patient one member registered, and no other unit', async () => {
    const visit = fieldVisit(world.unitA, { family: 'Oubella' });
    const res = await sync(world.nurseA, visit.entries);
    const patient = res.body.results[0].reference;
    assert.equal((await world.gpA.fhir(`/${patient}`)).status, 200, 'the GP of the same unit sees her');
    assert.equal((await world.gpB.fhir(`/${patient}`)).status, 404, 'unit B does not');
    const search = await world.gpB.fhir('/Patient?family=Oubella');
    assert.equal(search.body.total ?? search.body.entry?.length ?? 0, 0);
    const foreign = fieldVisit(world.unitB);
    foreign.entries[1].resource.subject.reference = patient;
    const write = await sync(world.gpB, foreign.entries.slice(1));
    assert.equal(write.status, 403, 'unit B cannot write into unit A’s patient');
    const gpBDay = await world.gpB.call(`/api/units/${world.unitB}/field-day`);
    assert.ok(!gpBDay.body.patients.some((p: { id: string }) => `Patient/${p.id}` === patient));
    assert.equal((await world.gpB.call(`/api/units/${world.unitA}/field-day`)).status, 404);
  });

  it('surfaces a version conflict instead of overwriting what it did not read', async () => {
    const visit = fieldVisit(world.unitA, { family: 'Amzil' });
    const res = await sync(world.nurseA, visit.entries);
    const ref = res.body.results[0].reference;
    const read = await world.nurseA.fhir(`/${ref}`);
    // edited elsewhere (the hub, the hospital) after the device read it
    const elsewhere = await world.gpA.fhir(`/${ref}`, {
      method: 'PUT',
      body: { ...read.body, telecom: [{ system: 'sms', value: '+212600000111' }] },
    });
    assert.equal(elsewhere.status, 200);
    const edit = {
      resource: { ...read.body, name: [{ family: 'Amzil', given: ['Fadma'] }] },
      request: { method: 'PUT', url: ref, ifMatch: `W/"${read.body.meta.versionId}"` },
    };
    const other = fieldVisit(world.unitA, { family: 'Naciri' });
    const out = await sync(world.nurseA, [edit, ...other.entries]);
    assert.equal(out.status, 200, JSON.stringify(out.body).slice(0, 400));
    const conflict = out.body.results.find((r: { status: string }) => r.status === 'conflict');
    assert.equal(conflict.reference, ref);
    assert.equal(conflict.yourVersion, read.body.meta.versionId);
    assert.equal(conflict.currentVersion, '2');
    assert.equal(out.body.counts.created, other.entries.length, 'the rest of the day went through');
    const now = await world.gpA.fhir(`/${ref}`);
    assert.equal(now.body.name[0].given[0], 'Fatima', 'not overwritten');
    assert.equal(now.body.telecom[0].value, '+212600000111');
  });

  it('defers a new patient whose CNIE already has a record, with what refers to her', async () => {
    await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: {
        resourceType: 'Patient',
        identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'JT123456' }],
        name: [{ family: 'Known' }],
      },
    });
    const visit = fieldVisit(world.unitA, { cnie: 'JT123456' });
    const out = await sync(world.nurseA, visit.entries);
    assert.equal(out.status, 200);
    assert.equal(out.body.counts.deferred, visit.entries.length);
    assert.equal(out.body.counts.created, 0);
  });
});

describe('field clinical records: ECG, PDF, photo, prescription, referral', () => {
  const ANDOL = '6118000081579';
  const GELUPRANE = '6118000040439';
  let ecg: string;
  let camera: string;
  let foreignEcg: string;
  let facility: string;
  const familyCount = async (family: string) =>
    (await fhirFetch(server.fhirBase, `/Patient?family=${family}&_summary=count`)).body.total as number;

  before(async () => {
    const device = async (unit: string, kind: string) => {
      const res = await world.admin.call(`/api/units/${unit}/devices`, {
        method: 'POST',
        body: { kind, serial: `${kind}-${randomUUID().slice(0, 6)}` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    ecg = await device(world.unitA, 'ecg');
    camera = await device(world.unitA, 'camera');
    foreignEcg = await device(world.unitB, 'ecg');
    // a hospital of the directory in the unit's region (Souss-Massa), near its base
    const id = `chp-${randomUUID().slice(0, 8)}`;
    await fhirFetch(server.fhirBase, `/Organization/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Organization', id, active: true, name: 'Hôpital provincial Mokhtar Soussi' },
    });
    await fhirFetch(server.fhirBase, `/Location/${id}`, {
      method: 'PUT',
      body: {
        resourceType: 'Location',
        id,
        status: 'active',
        name: 'Hôpital provincial Mokhtar Soussi',
        address: { city: 'Taroudant', district: 'Taroudant', state: 'Souss-Massa', country: 'MA' },
        position: { latitude: 30.47, longitude: -8.88 },
        managingOrganization: { reference: `Organization/${id}` },
      },
    });
    facility = `Organization/${id}`;
  });

  it('keeps the facilities and the medicines list in the day the app prepares offline', async () => {
    const day = await world.gpA.call(`/api/units/${world.unitA}/field-day`);
    assert.equal(day.status, 200);
    const hospital = day.body.facilities.find((f: { organization: string }) => f.organization === facility);
    assert.ok(hospital, 'the region’s hospital is offered');
    assert.ok(hospital.km > 5 && hospital.km < 30, `${hospital.km} km from El Guerdane`);
    assert.ok(day.body.medicines.some((m: { code: string }) => m.code === ANDOL));
  });

  it('syncs an ECG strip, an ECG PDF, a photo, a signed prescription and a referral, once', async () => {
    const family = `Ecg${randomUUID().slice(0, 6)}`;
    const visit = fieldVisit(world.unitA, { family, gp: `Practitioner/${world.gpAId}`, observations: 1 });
    const gp = `Practitioner/${world.gpAId}`;
    const entries = [
      ...visit.entries,
      ecgStrip(visit, ecg, 2, '0.1 0.2 0.5 0.6 -0.1 0.0 E 0.3'),
      ...ecgPdf(visit, ecg, gp),
      photo(visit, camera),
      ...prescription(visit, gp, [ANDOL, GELUPRANE]),
      referral(visit, gp, facility),
    ];
    const first = await sync(world.gpA, entries);
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 600));
    assert.equal(first.body.counts.created, entries.length);
    assert.deepEqual(
      first.body.prescriptions.map((p: { status: string }) => p.status),
      ['signed'],
    );
    const patient = first.body.results[0].reference;

    // readable afterwards through the FHIR API by the unit's team
    const ecgs = await world.nurseA.fhir(`/Observation?subject=${patient}&code=http://loinc.org|11524-6`);
    assert.equal(ecgs.body.entry.length, 2);
    const strip = ecgs.body.entry.find((e: any) => e.resource.valueSampledData).resource;
    assert.equal(strip.valueSampledData.dimensions, 2);
    assert.equal(strip.device.reference, ecg);
    const fromPdf = ecgs.body.entry.find((e: any) => e.resource.derivedFrom).resource;
    const pdf = await world.nurseA.fhir(`/${fromPdf.derivedFrom[0].reference}`);
    assert.equal(pdf.body.content[0].attachment.contentType, 'application/pdf');
    assert.ok(pdf.body.author.some((a: { reference: string }) => a.reference === ecg));
    const media = await world.nurseA.fhir(`/Media?subject=${patient}`);
    assert.equal(media.body.entry.length, 1);
    assert.equal(media.body.entry[0].resource.device.reference, camera);
    assert.match(media.body.entry[0].resource.encounter.reference, /^Encounter\//);
    const referrals = await world.nurseA.fhir(`/ServiceRequest?subject=${patient}`);
    assert.equal(referrals.body.entry.length, 1);
    assert.equal(referrals.body.entry[0].resource.performer[0].reference, facility);
    assert.equal(referrals.body.entry[0].resource.priority, 'urgent');
    const requests = await world.gpA.fhir(`/MedicationRequest?subject=${patient}`);
    assert.deepEqual(
      requests.body.entry.map((e: any) => e.resource.status),
      ['active', 'active'],
      'signed and activated once synchronised',
    );
    // the prescription of the e-prescription service: its code verifies, like one written online
    const listed = await world.gpA.call(`/api/prescriptions?patient=${patient}`);
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].items.length, 2);
    const verified = await fetch(`${server.url}/api/prescriptions/verify/${listed.body[0].code}`);
    assert.equal((await verified.json()).status, 'valid');

    // replayed in a new batch (the answer was lost): nothing created, nothing signed twice
    const replay = await sync(world.gpA, entries);
    assert.equal(replay.status, 200, JSON.stringify(replay.body).slice(0, 400));
    assert.equal(replay.body.counts.created, 0);
    assert.equal(replay.body.counts.existing, entries.length);
    assert.equal(replay.body.prescriptions[0].status, 'signed');
    assert.equal((await world.gpA.call(`/api/prescriptions?patient=${patient}`)).body.length, 1);
    const provenances = await world.gpA.fhir(
      `/Provenance?target=${requests.body.entry[0].resource.resourceType}/${requests.body.entry[0].resource.id}`,
    );
    assert.equal(provenances.body.entry.length, 1, 'one signature');
    assert.equal(await familyCount(family), 1);
  });

  it('refuses a nurse’s prescription with 403, and writes nothing of the day', async () => {
    const family = `Rx${randomUUID().slice(0, 6)}`;
    const visit = fieldVisit(world.unitA, { family });
    const nurse = `Practitioner/${world.nurseAId}`;
    const entries = [...visit.entries, ...prescription(visit, nurse, [ANDOL])];
    const res = await sync(world.nurseA, entries);
    assert.equal(res.status, 403, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(res.body.issue[0].diagnostics, /Only the unit’s GP writes its field prescriptions/);
    assert.equal(await familyCount(family), 0);
    // nor in the GP's name, nor straight to /fhir/R4
    const again = fieldVisit(world.unitA, { family });
    const forged = await sync(world.nurseA, [
      ...again.entries,
      ...prescription(again, `Practitioner/${world.gpAId}`, [ANDOL]),
    ]);
    assert.equal(forged.status, 403, JSON.stringify(forged.body).slice(0, 300));
    // her own patient, straight to /fhir/R4: refused the same way
    const seen = await sync(world.nurseA, fieldVisit(world.unitA).entries);
    const patient = seen.body.results[0].reference;
    const direct = await world.nurseA.fhir('/MedicationRequest', {
      method: 'POST',
      body: {
        ...prescription({ patient, encounter: seen.body.results[1].reference }, nurse, [ANDOL])[0].resource,
        status: 'active',
      },
    });
    assert.equal(direct.status, 403, JSON.stringify(direct.body));
    assert.equal((await world.gpA.fhir(`/MedicationRequest?subject=${patient}`)).body.entry?.length ?? 0, 0);
    assert.equal(await familyCount(family), 0);
  });

  it('takes a field prescription from the unit’s GP only: not a doctor off the roster, its nurse, another unit’s GP', async () => {
    const family = `Gp${randomUUID().slice(0, 6)}`;
    const offRoster = `doc-${randomUUID().slice(0, 6)}`;
    await fhirFetch(server.fhirBase, `/Practitioner/${offRoster}`, {
      method: 'PUT',
      body: { resourceType: 'Practitioner', id: offRoster, name: [{ family: 'Outsider', given: ['Dr'] }] },
    });
    const outsider = await signIn(server, ['doctor'], `Practitioner/${offRoster}`);
    const medicationRequests = async () =>
      (await fhirFetch(server.fhirBase, '/MedicationRequest?_summary=count')).body.total as number;
    const before = await medicationRequests();
    const attempts: [string, Person, string][] = [
      ['a doctor off the roster', outsider, `Practitioner/${offRoster}`],
      ['the unit’s nurse', world.nurseA, `Practitioner/${world.nurseAId}`],
      ['the GP of another unit', world.gpB, `Practitioner/${world.gpBId}`],
      ['a hub specialist', world.cardiologist, `Practitioner/${world.cardiologistId}`],
    ];
    for (const [who, person, requester] of attempts) {
      const visit = fieldVisit(world.unitA, { family });
      const res = await sync(person, [...visit.entries, ...prescription(visit, requester, [ANDOL])]);
      assert.equal(res.status, 403, `${who}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(res.body.issue[0].diagnostics, /Only the unit’s GP writes its field prescriptions/, who);
    }
    // an existing consultation of the unit, named by reference: refused the same way to another unit's GP
    const seen = await sync(
      world.gpA,
      fieldVisit(world.unitA, { family: `Seen${randomUUID().slice(0, 6)}` }).entries,
    );
    assert.equal(seen.status, 200);
    const existing = { patient: seen.body.results[0].reference, encounter: seen.body.results[1].reference };
    const other = await sync(world.gpB, prescription(existing, `Practitioner/${world.gpBId}`, [ANDOL]));
    assert.equal(other.status, 403, JSON.stringify(other.body).slice(0, 300));
    assert.equal(await familyCount(family), 0, 'nothing of a refused day was written');
    assert.equal(await medicationRequests(), before, 'no prescription written');
    // the unit's GP: accepted and signed
    const mine = await sync(world.gpA, prescription(existing, `Practitioner/${world.gpAId}`, [ANDOL]));
    assert.equal(mine.status, 200, JSON.stringify(mine.body).slice(0, 300));
    assert.deepEqual(
      mine.body.prescriptions.map((p: { status: string }) => p.status),
      ['signed'],
    );
    assert.equal(await medicationRequests(), before + 1);

    // a GP who left the unit (their role made inactive) prescribes for it no more
    const unitC = await world.admin.call('/api/units', {
      method: 'POST',
      body: { name: `Unité C ${randomUUID().slice(0, 4)}`, baseCommune: '09.541.01.03' },
    });
    const roster = (members: unknown[]) =>
      world.admin.call(`/api/units/${unitC.body.id}/roster`, { method: 'PUT', body: { members } });
    assert.equal((await roster([{ practitioner: `Practitioner/${offRoster}`, role: 'gp' }])).status, 200);
    const visitC = fieldVisit(unitC.body.id, { family });
    const asGp = await sync(outsider, [
      ...visitC.entries,
      ...prescription(visitC, `Practitioner/${offRoster}`, [ANDOL]),
    ]);
    assert.equal(asGp.status, 200, JSON.stringify(asGp.body).slice(0, 300));
    assert.equal((await roster([])).status, 200);
    const left = fieldVisit(unitC.body.id, { family: `Left${randomUUID().slice(0, 6)}` });
    const afterLeaving = await sync(outsider, [
      ...left.entries,
      ...prescription(left, `Practitioner/${offRoster}`, [ANDOL]),
    ]);
    assert.equal(afterLeaving.status, 403, JSON.stringify(afterLeaving.body).slice(0, 300));
    assert.equal(await medicationRequests(), before + 2);
  });

  it('refuses a unit’s prescription from a doctor off its roster on every path: /fhir/R4, a transaction Bundle (403, nothing written)', async () => {
    const offRoster = `doc-${randomUUID().slice(0, 6)}`;
    await fhirFetch(server.fhirBase, `/Practitioner/${offRoster}`, {
      method: 'PUT',
      body: { resourceType: 'Practitioner', id: offRoster, name: [{ family: 'Direct', given: ['Dr'] }] },
    });
    const outsider = await signIn(server, ['doctor'], `Practitioner/${offRoster}`);
    const seen = await sync(
      world.gpA,
      fieldVisit(world.unitA, { family: `Dir${randomUUID().slice(0, 6)}` }).entries,
    );
    assert.equal(seen.status, 200, JSON.stringify(seen.body).slice(0, 300));
    const visit = { patient: seen.body.results[0].reference, encounter: seen.body.results[1].reference };
    // a booked appointment opens the outsider's care relationship with the patient: they may read and
    // write the record, so a refusal below is the unit's rule, not the record's access
    const booked = await fhirFetch(server.fhirBase, '/Appointment', {
      method: 'POST',
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start: new Date().toISOString(),
        end: new Date(Date.now() + 20 * 60_000).toISOString(),
        participant: [
          { actor: { reference: visit.patient }, status: 'accepted' },
          { actor: { reference: `Practitioner/${offRoster}` }, status: 'accepted' },
        ],
      },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body).slice(0, 300));
    assert.equal((await outsider.fhir(`/${visit.patient}`)).status, 200, 'the outsider sees the patient');
    const requests = async () =>
      (await fhirFetch(server.fhirBase, `/MedicationRequest?subject=${visit.patient}&_summary=count`)).body
        .total as number;
    const draft = (requester: string) => prescription(visit, requester, [ANDOL])[0].resource;

    const direct = await outsider.fhir('/MedicationRequest', {
      method: 'POST',
      body: draft(`Practitioner/${offRoster}`),
    });
    assert.equal(direct.status, 403, JSON.stringify(direct.body).slice(0, 300));
    assert.equal(direct.body.resourceType, 'OperationOutcome');
    assert.match(direct.body.issue[0].diagnostics, /Only the unit’s GP writes its field prescriptions/);
    const bundled = await outsider.fhir('', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: `urn:uuid:${randomUUID()}`,
            resource: draft(`Practitioner/${offRoster}`),
            request: { method: 'POST', url: 'MedicationRequest' },
          },
        ],
      },
    });
    assert.equal(bundled.status, 403, JSON.stringify(bundled.body).slice(0, 300));
    assert.equal(bundled.body.resourceType, 'OperationOutcome');
    assert.equal(await requests(), 0, 'nothing written');
    // nor by editing the unit's draft into their own name
    const gpDraft = await world.gpA.fhir('/MedicationRequest', {
      method: 'POST',
      body: draft(`Practitioner/${world.gpAId}`),
    });
    assert.equal(
      gpDraft.status,
      201,
      `the unit’s GP directly: ${JSON.stringify(gpDraft.body).slice(0, 300)}`,
    );
    const taken = await outsider.fhir(`/MedicationRequest/${gpDraft.body.id}`, {
      method: 'PUT',
      body: { ...gpDraft.body, requester: { reference: `Practitioner/${offRoster}` } },
    });
    assert.equal(taken.status, 403, JSON.stringify(taken.body).slice(0, 300));
    // nor by slipping a request in the GP's name into the GP's prescription (their $sign finds
    // the prescription's requests by its id, and would sign it with their key)
    const slipped = await outsider.fhir('/MedicationRequest', {
      method: 'POST',
      body: {
        ...draft(`Practitioner/${world.gpAId}`),
        status: 'active',
        encounter: undefined,
        identifier: gpDraft.body.identifier,
        groupIdentifier: gpDraft.body.groupIdentifier,
      },
    });
    assert.equal(slipped.status, 403, JSON.stringify(slipped.body).slice(0, 300));
    assert.match(slipped.body.issue[0].diagnostics, /own name/);
    assert.equal(await requests(), 1);
    // the GP signs the draft they wrote directly
    const signed = await world.gpA.fhir('/MedicationRequest/$sign', {
      method: 'POST',
      body: {
        resourceType: 'Parameters',
        parameter: [{ name: 'prescription', valueString: gpDraft.body.groupIdentifier.value }],
      },
    });
    assert.equal(signed.status, 200, JSON.stringify(signed.body).slice(0, 300));
    // a prescription of the outsider's own, at no unit's consultation, is theirs to write
    const elsewhere = await outsider.fhir('/MedicationRequest', {
      method: 'POST',
      body: { ...draft(`Practitioner/${offRoster}`), encounter: undefined },
    });
    assert.equal(elsewhere.status, 201, JSON.stringify(elsewhere.body).slice(0, 300));
  });

  it('answers a finished batch again from its record, even after its device left the unit', async () => {
    const device = await world.admin.call(`/api/units/${world.unitA}/devices`, {
      method: 'POST',
      body: { kind: 'ecg', serial: `ecg-${randomUUID().slice(0, 6)}` },
    });
    assert.equal(device.status, 201);
    const visit = fieldVisit(world.unitA, { family: `Moved${randomUUID().slice(0, 6)}` });
    const entries = [...visit.entries, ecgStrip(visit, device.body.id)];
    const batch = randomUUID();
    const first = await sync(world.gpA, entries, batch);
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 300));
    // the ECG goes to unit B
    const read = await fhirFetch(server.fhirBase, `/${device.body.id}`);
    const moved = await fhirFetch(server.fhirBase, `/${device.body.id}`, {
      method: 'PUT',
      body: { ...read.body, owner: { reference: `Organization/${world.unitB}` } },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body).slice(0, 300));
    const again = await sync(world.gpA, entries, batch);
    assert.equal(again.status, 200, JSON.stringify(again.body).slice(0, 300));
    assert.deepEqual(again.body.results, first.body.results);
    // a new batch naming it is refused: the cached answer is the only thing a replay gets
    const fresh = await sync(world.gpA, entries);
    assert.equal(fresh.status, 403);
    assert.match(fresh.body.issue[0].diagnostics, /Not a device of your unit/);
    // another account replaying the batch id gets no answer of it
    const stranger = await sync(world.gpB, entries, batch);
    assert.equal(stranger.status, 409);
  });

  it('refuses a prescription off the medicines list, an oversized photo, a bad ECG and another unit’s device', async () => {
    const family = `Bad${randomUUID().slice(0, 6)}`;
    const gp = `Practitioner/${world.gpAId}`;
    const attempt = async (extra: (v: ReturnType<typeof fieldVisit>) => unknown[]) => {
      const visit = fieldVisit(world.unitA, { family });
      return sync(world.gpA, [...visit.entries, ...extra(visit)]);
    };
    const offList = await attempt((v) => prescription(v, gp, ['0000000000000']));
    assert.equal(offList.status, 400, JSON.stringify(offList.body).slice(0, 300));
    assert.match(offList.body.issue[0].diagnostics, /choose a medicine from the list/);
    // 2.5 MB of JPEG: refused with the size and the limit
    const big = Buffer.alloc(2.5 * 1024 * 1024, 7);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const oversized = await attempt((v) => [photo(v, camera, big.toString('base64'))]);
    assert.equal(oversized.status, 400);
    assert.match(oversized.body.issue[0].diagnostics, /2\.5 MB: at most 2\.0 MB/);
    assert.match(oversized.body.issue[0].expression[0], /content\.data$/);
    const notImage = await attempt((v) => [
      photo(v, camera, Buffer.from('hello world, not a jpeg').toString('base64')),
    ]);
    assert.equal(notImage.status, 400);
    // a sync carries new records as conditional creates and edits as PUT with If-Match, nothing else:
    // a PUT without If-Match would overwrite what changed elsewhere, or create under a chosen id
    const reshaped = (entry: { resource: { resourceType: string } }, request: Record<string, string>) => {
      const id = randomUUID();
      return { fullUrl: `urn:uuid:${id}`, resource: { ...entry.resource, id }, request };
    };
    const camPhoto = (v: ReturnType<typeof fieldVisit>) => photo(v, camera);
    for (const [how, request] of [
      ['PUT without If-Match', (id: string) => ({ method: 'PUT', url: `Media/${id}` })],
      ['plain POST', () => ({ method: 'POST', url: 'Media' })],
      ['PATCH', (id: string) => ({ method: 'PATCH', url: `Media/${id}`, ifMatch: 'W/"1"' })],
      ['DELETE', (id: string) => ({ method: 'DELETE', url: `Media/${id}` })],
      [
        'a condition on another identifier',
        () => ({ method: 'POST', url: 'Media', ifNoneExist: `identifier=${FIELD}|${randomUUID()}` }),
      ],
    ] as const) {
      const res = await attempt((v) => [reshaped(camPhoto(v), request(randomUUID()))]);
      assert.equal(res.status, 400, `${how}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.match(res.body.issue[0].expression[0], /\.request/, how);
    }
    // the same checks whatever the method: a photo or an ECG sent as an edit (PUT with If-Match),
    // or another unit's device named that way
    const asPut = (entry: { resource: { resourceType: string } }) => {
      const id = randomUUID();
      return reshaped(entry, {
        method: 'PUT',
        url: `${entry.resource.resourceType}/${id}`,
        ifMatch: 'W/"1"',
      });
    };
    const disguised = await attempt((v) => [
      asPut(photo(v, camera, Buffer.from('<html><script>alert(1)</script></html>').toString('base64'))),
    ]);
    assert.equal(disguised.status, 400, JSON.stringify(disguised.body).slice(0, 300));
    const foreignByPut = await attempt((v) => [asPut(ecgStrip(v, foreignEcg))]);
    assert.equal(foreignByPut.status, 403, JSON.stringify(foreignByPut.body).slice(0, 300));
    const ragged = await attempt((v) => [ecgStrip(v, ecg, 3, '0.1 0.2 0.3 0.4')]);
    assert.equal(ragged.status, 400);
    assert.match(ragged.body.issue[0].diagnostics, /whole rows of 3 leads/);
    const foreign = await attempt((v) => [ecgStrip(v, foreignEcg)]);
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.issue[0].diagnostics, /Not a device of your unit/);
    const nowhere = await attempt((v) => [referral(v, gp, 'Organization/no-such-hospital')]);
    assert.equal(nowhere.status, 400);
    assert.equal(await familyCount(family), 0, 'nothing of any refused day was written');
  });
});

describe('device gateway', () => {
  it('writes readings of its unit’s devices for the unit’s patients, and nothing else', async () => {
    const device = await world.admin.call(`/api/units/${world.unitA}/devices`, {
      method: 'POST',
      body: { kind: 'bp-monitor', serial: 'BP-1' },
    });
    assert.equal(device.status, 201);
    const otherDevice = await world.admin.call(`/api/units/${world.unitB}/devices`, {
      method: 'POST',
      body: { kind: 'scale', serial: 'SC-9' },
    });
    const gateway = await world.admin.call(`/api/units/${world.unitA}/gateways`, {
      method: 'POST',
      body: {},
    });
    assert.equal(gateway.status, 201);
    const token = await clientToken(
      server.url,
      gateway.body.clientId,
      gateway.body.secret,
      'system/Observation.c',
    );
    const visit = fieldVisit(world.unitA, { family: 'Gateway' });
    const synced = await sync(world.nurseA, visit.entries);
    const patient = synced.body.results[0].reference;
    const reading = (id: string, dev = device.body.id, subject = patient) => ({
      resource: {
        resourceType: 'Observation',
        status: 'final',
        identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/device-gateway-reading', value: id }],
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        subject: { reference: subject },
        device: { reference: dev },
        effectiveDateTime: '2026-11-30T10:00:00Z',
        valueQuantity: { value: 142, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
    });
    const post = (entries: unknown[]) =>
      fetch(`${server.url}/api/units/gateway/readings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: entries }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const id = randomUUID();
    const first = await post([
      reading(id),
      reading(randomUUID(), otherDevice.body.id),
      reading(randomUUID(), device.body.id, 'Patient/p-elsewhere'),
    ]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.match(first.body.entry[0].response.status, /^201/);
    assert.match(first.body.entry[1].response.status, /^422/);
    assert.match(first.body.entry[2].response.status, /^422/);
    const again = await post([reading(id)]);
    assert.match(again.body.entry[0].response.status, /^200/, 'a replayed reading is not written twice');
    // straight to /fhir/R4: only device Observations, never anything else
    const asGateway = (path: string, body: unknown) =>
      fhirFetch(server.fhirBase, path, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${token}` },
      });
    const noDevice = await asGateway('/Observation', {
      ...reading(randomUUID()).resource,
      device: undefined,
    });
    assert.equal(noDevice.status, 403);
    const patientWrite = await asGateway('/Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Forged' }],
    });
    assert.equal(patientWrite.status, 403);
    // a reading of its own device for a patient the unit does not have in care: refused there too
    const theirs = fieldVisit(world.unitB, { family: 'HorsUnite' });
    const elsewhere = (await sync(world.gpB, theirs.entries)).body.results[0].reference;
    const outsider = await asGateway(
      '/Observation',
      reading(randomUUID(), device.body.id, elsewhere).resource,
    );
    assert.equal(outsider.status, 403, JSON.stringify(outsider.body));
    const inBundle = await asGateway('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          ...reading(randomUUID(), device.body.id, elsewhere),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    assert.equal(inBundle.status, 403, JSON.stringify(inBundle.body).slice(0, 300));
    const direct = await asGateway('/Observation', reading(randomUUID()).resource);
    assert.equal(direct.status, 201, 'its own patient, straight to /fhir/R4: written');
    const read = await fhirFetch(server.fhirBase, `/${patient}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(read.status, 403, 'and reads nothing');
  });

  it('registers the client and its unit together, or neither', async () => {
    const clients = async () =>
      Number(
        (
          await server.platform.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM auth_client WHERE client_id LIKE 'gateway-%'`,
          )
        ).rows[0]?.n,
      );
    const before = await clients();
    await whileInsertsRefused(server, 'units_gateway', async () => {
      const failed = await world.admin.call(`/api/units/${world.unitA}/gateways`, {
        method: 'POST',
        body: {},
      });
      assert.equal(failed.status, 500);
    });
    assert.equal(await clients(), before, 'no gateway client left tied to no unit');
    const registered = await world.admin.call(`/api/units/${world.unitA}/gateways`, {
      method: 'POST',
      body: {},
    });
    assert.equal(registered.status, 201);
    assert.equal(await clients(), before + 1);
  });
});
