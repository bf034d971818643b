/**
 * Guest dialysis through HTTP, on both databases: a patient in Rabat plans a week in Agadir, is
 * told the hepatitis C serology is too old, adds a fresh result, sends the request with the
 * summary (IPS) ahead; the Agadir coordinator accepts (one chair and shift per session), the
 * patient confirms, sessions recorded in Agadir appear in the home nephrologist's view, and the
 * Agadir staff lose access after the stay. Plus who may do what, transfers abroad, and a chair
 * that is never booked twice, whatever the concurrency.
 */
process.env.SAHTI_DIALYSIS_FOLLOW_UP_DAYS = '0';

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addDialysisPatient,
  addPractitioner,
  addTestCentre,
  type Centre,
  inDays,
  today,
} from './support/dialysis-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let rabat: Centre;
let agadir: Centre;
let marrakech: Centre;
let paris: Centre;
let patientRef: string;
let patient: Person;
let nephrologist: Person;
let coordinator: Person; // Agadir
let nurse: Person; // Agadir
let strangerCoordinator: Person; // Marrakech
let stayId: string;

const api = (who: Person, path: string, init?: { method?: string; body?: unknown }) =>
  who.call(`/api/dialysis${path}`, init);

before(async () => {
  server = await startTestServer();
  // real commune centroids are not needed here: approximate positions only order the centres
  rabat = await addTestCentre(server, {
    name: 'Centre de Rabat (test)',
    city: 'Rabat',
    position: { latitude: 34.02, longitude: -6.84 },
  });
  agadir = await addTestCentre(server, {
    name: 'Centre d’Agadir (test)',
    city: 'Agadir',
    position: { latitude: 30.42, longitude: -9.58 },
    serologyWindowDays: 90,
  });
  marrakech = await addTestCentre(server, {
    name: 'Centre de Marrakech (test)',
    city: 'Marrakech',
    position: { latitude: 31.63, longitude: -8.0 },
  });
  paris = await addTestCentre(server, {
    name: 'Centre partenaire Paris (test)',
    city: 'Paris',
    country: 'FR',
  });
  const nephro = await addPractitioner(server, rabat.organization, 'Alami', true);
  patientRef = await addDialysisPatient(server, {
    name: 'Bennani',
    nephrologist: nephro,
    homeCentre: rabat.organization,
    hcvDaysAgo: 200,
  });
  patient = await signIn(server, ['patient'], patientRef);
  nephrologist = await signIn(server, ['doctor'], nephro);
  coordinator = await signIn(
    server,
    ['dialysis-coordinator'],
    await addPractitioner(server, agadir.organization, 'Coordination Agadir'),
  );
  nurse = await signIn(
    server,
    ['nurse'],
    await addPractitioner(server, agadir.organization, 'Infirmier Agadir'),
  );
  strangerCoordinator = await signIn(
    server,
    ['dialysis-coordinator'],
    await addPractitioner(server, marrakech.organization, 'Coordination Marrakech'),
  );
});
after(async () => server?.close());

/** A patient of Rabat, approved by their nephrologist, whose request for today and tomorrow at `centre` is sent. */
async function sendStay(centre: Centre, name: string, transferAbroad = false) {
  const nephro = await addPractitioner(server, rabat.organization, `Nephro ${name}`, true);
  const ref = await addDialysisPatient(server, {
    name,
    nephrologist: nephro,
    homeCentre: rabat.organization,
  });
  const p = await signIn(server, ['patient'], ref);
  const n = await signIn(server, ['doctor'], nephro);
  const draft = await api(p, '/stays', {
    method: 'POST',
    body: { service: centre.service, arrival: today(), departure: inDays(1) },
  });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  assert.equal((await api(n, `/stays/${draft.body.id}/approve`, { method: 'POST', body: {} })).status, 200);
  const sent = await api(p, `/stays/${draft.body.id}/send`, {
    method: 'POST',
    body: { shareSummary: true, ...(transferAbroad ? { transferAbroad } : {}) },
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  return { ref, id: draft.body.id as string, patient: p, nephrologist: n };
}

describe('a patient in Rabat plans a week in Agadir', () => {
  let plan: { date: string; shift: string; start: string }[];

  it('the search finds Agadir first, with a session plan at the patient’s rhythm', async () => {
    const res = await api(patient, `/search?destination=Agadir&arrival=${today()}&departure=${inDays(6)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const first = res.body.results[0];
    assert.equal(first.service, agadir.service);
    assert.ok(first.sessions.length >= 2, JSON.stringify(first.sessions));
    assert.ok(first.distanceKm < 50);
    plan = first.sessions;
    // in the patient's language: Agadir speaks French, not Spanish
    const asked = (language: string) =>
      api(
        patient,
        `/search?destination=Agadir&arrival=${today()}&departure=${inDays(6)}&language=${language}`,
      );
    assert.equal((await asked('fr')).body.results[0]?.service, agadir.service);
    const spanish = await asked('es');
    assert.equal(spanish.status, 200);
    assert.ok(!spanish.body.results.some((r: { service: string }) => r.service === agadir.service));
    const bad = await api(patient, '/search?destination=&arrival=yesterday');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort(), [
      'arrival',
      'departure',
      'destination',
    ]);
  });

  it('is told the hepatitis C serology is too old and the nephrologist has not approved yet', async () => {
    const draft = await api(patient, '/stays', {
      method: 'POST',
      body: {
        service: agadir.service,
        arrival: today(),
        departure: inDays(6),
        sessions: plan.map(({ date, shift }) => ({ date, shift })),
      },
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    stayId = draft.body.id;
    const hcv = draft.body.readiness.find((i: { key: string }) => i.key === 'serology-hcv');
    assert.equal(hcv.status, 'expired');
    assert.equal(hcv.blocking, true);
    const sent = await api(patient, `/stays/${stayId}/send`, {
      method: 'POST',
      body: { shareSummary: true },
    });
    assert.equal(sent.status, 409);
    const blocking = sent.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort();
    assert.deepEqual(blocking, ['approval', 'serology-hcv']);
    assert.match(
      sent.body.issue.find((i: { expression: string[] }) => i.expression[0] === 'serology-hcv').diagnostics,
      /too old/,
    );
  });

  it('only the home nephrologist approves; a coordinator of another centre does not even see the stay', async () => {
    assert.equal(
      (await api(strangerCoordinator, `/stays/${stayId}/approve`, { method: 'POST', body: {} })).status,
      404,
    );
    assert.equal((await api(strangerCoordinator, `/stays/${stayId}`)).status, 404);
    assert.equal(
      (await api(coordinator, `/stays/${stayId}`)).status,
      404,
      'a draft is not addressed to the destination yet',
    );
    assert.equal((await api(patient, `/stays/${stayId}/approve`, { method: 'POST', body: {} })).status, 403);
    const ok = await api(nephrologist, `/stays/${stayId}/approve`, {
      method: 'POST',
      body: { note: 'Apte au voyage' },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.approval.note, 'Apte au voyage');
  });

  it('adds a fresh result and sends the request with the summary ahead', async () => {
    const added = await api(patient, '/results', {
      method: 'POST',
      body: { test: 'hcv', date: today(), result: 'negative', lab: 'Labo Agdal' },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const noConsent = await api(patient, `/stays/${stayId}/send`, { method: 'POST', body: {} });
    assert.equal(noConsent.status, 400);
    assert.equal(noConsent.body.issue[0].expression[0], 'shareSummary');
    assert.equal(
      (await api(nephrologist, `/stays/${stayId}/send`, { method: 'POST', body: { shareSummary: true } }))
        .status,
      403,
    );
    const sent = await api(patient, `/stays/${stayId}/send`, {
      method: 'POST',
      body: { shareSummary: true },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.state, 'sent');
    const again = await api(patient, `/stays/${stayId}/send`, {
      method: 'POST',
      body: { shareSummary: true },
    });
    assert.equal(again.status, 409);
  });

  it('the Agadir coordinator sees the request and reads the summary under the patient’s consent, nothing more', async () => {
    const inbox = await api(coordinator, '/stays');
    assert.ok(inbox.body.incoming.some((s: { id: string }) => s.id === stayId));
    const other = await api(strangerCoordinator, '/stays');
    assert.ok(!other.body.incoming.some((s: { id: string }) => s.id === stayId));
    assert.equal((await api(strangerCoordinator, `/stays/${stayId}/summary`)).status, 404);
    const summary = await api(coordinator, `/stays/${stayId}/summary`);
    assert.equal(summary.status, 200);
    // the stay's view and the centre's list are reads of the patient's data: in their access log
    const countReads = async () => {
      await new Promise((r) => setTimeout(r, 300)); // the audit writer batches every 50 ms
      const rows = await server.platform.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_trail WHERE patient_id = $1::text AND content->>'outcomeDesc' = 'guest dialysis stay'`,
        [patientRef.slice(8)],
      );
      return rows.rows[0].n;
    };
    const before = await countReads();
    assert.equal((await api(coordinator, `/stays/${stayId}`)).status, 200);
    assert.equal((await api(coordinator, '/stays')).status, 200);
    assert.ok((await countReads()) >= before + 2, 'the view and the list are audited');
    assert.equal(summary.body.resourceType, 'Bundle');
    assert.equal(summary.body.type, 'document');
    const composition = summary.body.entry[0].resource;
    assert.equal(composition.type.coding[0].code, '60591-5');
    const codes = composition.section.map(
      (s: { code: { coding: { code: string }[] } }) => s.code.coding[0].code,
    );
    for (const code of ['11450-4', '48765-2', '10160-0', '30954-2', 'haemodialysis-summary'])
      assert.ok(codes.includes(code), code);
    // the summary sent ahead cannot be changed afterwards, not even by its patient
    const sent = await patient.fhir(`/DocumentReference?subject=${patientRef}&type=http://loinc.org|60591-5`);
    const document = sent.body.entry?.find(
      (e: { resource: { context?: { related?: { reference: string }[] } } }) =>
        e.resource.context?.related?.some((r) => r.reference === `ServiceRequest/${stayId}`),
    )?.resource;
    assert.ok(document, 'the patient reads the summary sent');
    const altered = await patient.fhir(`/DocumentReference/${document.id}`, {
      method: 'PUT',
      body: { ...document, description: 'changé après envoi' },
    });
    assert.equal(altered.status, 403, JSON.stringify(altered.body).slice(0, 200));
    // the record itself stays closed before the stay is accepted
    assert.equal((await coordinator.fhir(`/${patientRef}`)).status, 404);
    const task = await coordinator.fhir(`/Task?owner=${agadir.organization}`);
    assert.equal(task.body.entry.length, 1, 'the Task addressed to the centre is readable');
    // …but writing it directly (accepting past the checks, or gaining a referral's access) is refused
    const direct = await coordinator.fhir(`/Task/${task.body.entry[0].resource.id}`, {
      method: 'PUT',
      body: { ...task.body.entry[0].resource, status: 'accepted' },
    });
    assert.equal(direct.status, 403);
  });

  it('only the destination’s deciders accept, with a chair and shift per session, and the whole series is booked', async () => {
    const capacity = await api(coordinator, `/stays/${stayId}/capacity`);
    assert.equal(capacity.status, 200);
    const wanted = (await api(coordinator, `/stays/${stayId}`)).body.wanted as { date: string }[];
    const sessions = wanted.map((w) => ({
      slot: capacity.body.slots.find((s: { date: string }) => s.date === w.date).slot,
    }));
    assert.equal(
      (await api(nurse, `/stays/${stayId}/accept`, { method: 'POST', body: { sessions } })).status,
      403,
    );
    assert.equal(
      (await api(patient, `/stays/${stayId}/accept`, { method: 'POST', body: { sessions } })).status,
      403,
    );
    assert.equal(
      (await api(strangerCoordinator, `/stays/${stayId}/accept`, { method: 'POST', body: { sessions } }))
        .status,
      404,
    );
    const accepted = await api(coordinator, `/stays/${stayId}/accept`, {
      method: 'POST',
      body: { sessions },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.state, 'accepted');
    assert.equal(accepted.body.sessions.length, sessions.length);
    assert.ok(accepted.body.sessions.every((s: { status: string }) => s.status === 'proposed'));
    for (const { slot } of sessions)
      assert.equal((await fhirFetch(server.fhirBase, `/${slot}`)).body.status, 'busy');
    // a booked chair cannot be freed by hand (a second acceptance would book it), nor its Schedule
    // changed by a person: not the centre's coordinator, nor another centre's
    const booked = (await fhirFetch(server.fhirBase, `/${sessions[0].slot}`)).body;
    for (const writer of [coordinator, strangerCoordinator]) {
      const freed = await writer.fhir(`/${sessions[0].slot}`, {
        method: 'PUT',
        body: { ...booked, status: 'free' },
      });
      assert.equal(freed.status, 403, JSON.stringify(freed.body).slice(0, 200));
    }
    const chair = (await fhirFetch(server.fhirBase, `/${booked.schedule.reference}`)).body;
    const closed = await strangerCoordinator.fhir(`/${booked.schedule.reference}`, {
      method: 'PUT',
      body: { ...chair, active: false },
    });
    assert.equal(closed.status, 403);
    assert.equal((await fhirFetch(server.fhirBase, `/${sessions[0].slot}`)).body.status, 'busy');
    const relations = await patient.call(`/api/care/relations?patient=${patientRef}`);
    const stay = relations.body.relations.find((r: { source: string }) => r.source === 'dialysis-stay');
    assert.equal(stay.actor, agadir.organization);
    assert.equal(stay.active, true);
    assert.equal(
      relations.body.relations.filter((r: { source: string }) => r.source === 'referral').length,
      0,
    );
  });

  it('the patient confirms, the Agadir nurse records a session, the home nephrologist sees it', async () => {
    const confirmed = await api(patient, `/stays/${stayId}/confirm`, { method: 'POST' });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.ok(confirmed.body.sessions.every((s: { status: string }) => s.status === 'booked'));
    const first = confirmed.body.sessions[0].appointment;
    assert.equal(
      (await api(nurse, `/stays/${stayId}/sessions/${first}/check-in`, { method: 'POST' })).status,
      200,
    );
    const record = {
      preWeightKg: 66.2,
      postWeightKg: 64.1,
      preBp: { systolic: 150, diastolic: 85 },
      postBp: { systolic: 130, diastolic: 78 },
      ultrafiltrationMl: 2100,
      durationMinutes: 240,
      incidents: ['Crampes en fin de séance'],
      medicines: [{ name: 'Époétine alfa 4000 UI', dose: '1 injection IV' }],
    };
    assert.equal(
      (await api(coordinator, `/stays/${stayId}/sessions/${first}/record`, { method: 'POST', body: record }))
        .status,
      403,
    );
    const recorded = await api(nurse, `/stays/${stayId}/sessions/${first}/record`, {
      method: 'POST',
      body: record,
    });
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    const home = await api(nephrologist, `/stays/${stayId}`);
    assert.equal(home.body.role, 'home');
    assert.equal(home.body.sessions[0].record.postWeightKg, 64.1);
    assert.deepEqual(home.body.sessions[0].record.incidents, ['Crampes en fin de séance']);
    const procedures = await nephrologist.fhir(
      `/Procedure?patient=${patientRef}&based-on=ServiceRequest/${stayId}`,
    );
    assert.equal(procedures.body.entry.length, 1);
    const followed = await api(nephrologist, '/stays');
    assert.ok(followed.body.followed.some((s: { id: string }) => s.id === stayId));
  });

  it('the end-of-stay letter closes the stay; the Agadir staff lose access after it', async () => {
    assert.equal(
      (await nurse.fhir(`/${patientRef}`)).status,
      200,
      'during the stay the centre reads the record',
    );
    const done = await api(nurse, `/stays/${stayId}/complete`, {
      method: 'POST',
      body: { summary: 'Séances bien tolérées.', recommendations: 'Surveiller la kaliémie.' },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.state, 'completed');
    assert.ok(done.body.letter.sections.some((s: { title: string }) => s.title === 'Recommandations'));
    // SAHTI_DIALYSIS_FOLLOW_UP_DAYS=0 in this test: the stay is over, so is the access
    assert.equal((await nurse.fhir(`/${patientRef}`)).status, 404);
    assert.equal((await nephrologist.fhir(`/${patientRef}`)).status, 200);
    const letters = await nephrologist.fhir(`/Composition?patient=${patientRef}`);
    assert.equal(letters.body.entry.length, 1);
  });
});

describe('a chair is never double-booked', () => {
  /** A patient of Rabat whose request to `centre` is sent, ready to be accepted. */
  const sentStay = async (centre: Centre, name: string) => (await sendStay(centre, name)).id;

  it('parallel acceptances on the last free chair: exactly one wins, the others get 409 and book nothing', async () => {
    const dakhla = await addTestCentre(server, {
      name: 'Centre de Dakhla (test)',
      city: 'Dakhla',
      position: { latitude: 23.7, longitude: -15.9 },
      chairs: [{ kind: 'standard', label: 'Dernier fauteuil' }],
      days: 3,
    });
    const dakhlaCoordinator = await signIn(
      server,
      ['dialysis-coordinator'],
      await addPractitioner(server, dakhla.organization, 'Coordination Dakhla'),
    );
    const stays: string[] = [];
    for (const name of ['Alaoui', 'Berrada', 'Chraibi', 'Doukkali']) stays.push(await sentStay(dakhla, name));
    const capacity = await api(dakhlaCoordinator, `/stays/${stays[0]}/capacity`);
    // tomorrow's chair: it replaces the home session the patient misses (a session today alone, bookable
    // in the small hours, would leave four sessions over eight days and is rightly refused)
    const slot = capacity.body.slots.find((s: { date: string }) => s.date === inDays(1)).slot;
    const results = await Promise.all(
      stays.map((id) =>
        api(dakhlaCoordinator, `/stays/${id}/accept`, { method: 'POST', body: { sessions: [{ slot }] } }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, 409, 409, 409],
      JSON.stringify(results.map((r) => r.body)),
    );
    const booked = await fhirFetch(server.fhirBase, `/Appointment?slot=${slot}&status=proposed,booked`);
    assert.equal(booked.body.entry?.length, 1);
    const losers = results.flatMap((r, i) => (r.status === 409 ? [stays[i]] : []));
    for (const id of losers) assert.equal((await api(dakhlaCoordinator, `/stays/${id}`)).body.state, 'sent');
    // a later, sequential acceptance on the same chair and shift is refused the same way
    const late = await api(dakhlaCoordinator, `/stays/${losers[0]}/accept`, {
      method: 'POST',
      body: { sessions: [{ slot }] },
    });
    assert.equal(late.status, 409);
    // cancelling the winner frees the chair: the next acceptance takes it
    const winner = stays[results.findIndex((r) => r.status === 200)];
    assert.equal(
      (await api(dakhlaCoordinator, `/stays/${winner}/cancel`, { method: 'POST', body: { reason: 'test' } }))
        .status,
      200,
    );
    assert.equal((await fhirFetch(server.fhirBase, `/${slot}`)).body.status, 'free');
    const next = await api(dakhlaCoordinator, `/stays/${losers[0]}/accept`, {
      method: 'POST',
      body: { sessions: [{ slot }] },
    });
    assert.equal(next.status, 200, JSON.stringify(next.body));
  });
});

describe('a reminder before a document expires', () => {
  it('a serology that expires during the stay is scheduled for a reminder when the request is sent, and the patient gets it', async () => {
    const nephro = await addPractitioner(server, rabat.organization, 'Nephro Rappel', true);
    const ref = await addDialysisPatient(server, {
      name: 'Rappel',
      nephrologist: nephro,
      homeCentre: rabat.organization,
      hcvDaysAgo: 86, // Agadir's window is 90 days: valid on arrival, expired before departure
    });
    const p = await signIn(server, ['patient'], ref);
    const n = await signIn(server, ['doctor'], nephro);
    const draft = await api(p, '/stays', {
      method: 'POST',
      body: { service: agadir.service, arrival: today(), departure: inDays(6) },
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const hcv = draft.body.readiness.find((i: { key: string }) => i.key === 'serology-hcv');
    assert.ok(hcv.validUntil > today() && hcv.validUntil <= inDays(6), JSON.stringify(hcv));
    assert.equal((await api(n, `/stays/${draft.body.id}/approve`, { method: 'POST', body: {} })).status, 200);
    const sent = await api(p, `/stays/${draft.body.id}/send`, {
      method: 'POST',
      body: { shareSummary: true },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const db = server.platform.db;
    const jobs = await db.query<{ id: string; item: string }>(
      `SELECT id, data->>'item' AS item FROM pgboss.job
        WHERE name = 'dialysis.expiry-reminder' AND data->>'stay' = $1::text`,
      [draft.body.id],
    );
    assert.deepEqual(
      jobs.rows.map((j) => j.item),
      ['serology-hcv'],
      'only the document that expires before departure',
    );
    // due 14 days before the expiry, so already: at the latest a minute after sending. Bring it forward.
    await db.query('UPDATE pgboss.job SET start_after = now() WHERE id = $1::uuid', [jobs.rows[0].id]);
    const patientId = ref.slice('Patient/'.length);
    let templates: string[] = [];
    for (let i = 0; i < 60 && !templates.includes('dialysis-document-expiring'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      templates = (
        await db.query<{ template: string }>(
          'SELECT template FROM notification_outbox WHERE patient_id = $1::text',
          [patientId],
        )
      ).rows.map((r) => r.template);
    }
    assert.ok(templates.includes('dialysis-document-expiring'), JSON.stringify(templates));
  });
});

describe('transfers abroad and declines', () => {
  it('a request to a centre abroad needs the explicit transfer consent and is flagged in the audit and the register', async () => {
    const nephro = await addPractitioner(server, rabat.organization, 'Nephro Paris', true);
    const ref = await addDialysisPatient(server, {
      name: 'Tazi',
      nephrologist: nephro,
      homeCentre: rabat.organization,
    });
    const p = await signIn(server, ['patient'], ref);
    const n = await signIn(server, ['doctor'], nephro);
    const found = await api(p, `/search?destination=Paris&arrival=${today()}&departure=${inDays(2)}`);
    assert.equal(found.body.results[0]?.service, paris.service, JSON.stringify(found.body));
    assert.equal(found.body.results[0].abroad, true);
    const draft = await api(p, '/stays', {
      method: 'POST',
      body: { service: paris.service, arrival: today(), departure: inDays(2) },
    });
    await api(n, `/stays/${draft.body.id}/approve`, { method: 'POST', body: {} });
    const refused = await api(p, `/stays/${draft.body.id}/send`, {
      method: 'POST',
      body: { shareSummary: true },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.issue[0].expression[0], 'transferAbroad');
    const sent = await api(p, `/stays/${draft.body.id}/send`, {
      method: 'POST',
      body: { shareSummary: true, transferAbroad: true },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const register = await server.platform.db.query<{ abroad: boolean; country: string }>(
      'SELECT abroad, country FROM dial_transfer WHERE stay_id = $1::text',
      [draft.body.id],
    );
    assert.deepEqual(register.rows, [{ abroad: true, country: 'FR' }]);
    await new Promise((r) => setTimeout(r, 300)); // the audit writer batches every 50 ms
    const audit = await server.platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_trail WHERE patient_id = $1::text AND content->>'outcomeDesc' LIKE 'cross-border transfer%'`,
      [ref.slice(8)],
    );
    assert.equal(audit.rows[0].n, 1);
    const consent = await p.fhir(`/Consent?patient=${ref}`);
    assert.ok(
      consent.body.entry[0].resource.policy.some((x: { uri: string }) => x.uri.includes('law-09-08')),
    );
  });

  /** A patient of Rabat whose stay of two days at Paris is sent, the transfer abroad consented. */
  const sentToParis = (name: string) => sendStay(paris, name, true);

  it('every read of the record by the centre abroad is flagged and registered (law 09-08), reads at home are not', async () => {
    const stay = await sentToParis('Lahlou');
    const parisDoctor = await signIn(
      server,
      ['doctor'],
      await addPractitioner(server, paris.organization, 'Néphrologue Paris'),
    );
    const parisCoordinator = await signIn(
      server,
      ['dialysis-coordinator'],
      await addPractitioner(server, paris.organization, 'Coordination Paris'),
    );
    // before acceptance: the summary sent ahead, and nothing else
    assert.equal((await api(parisDoctor, `/stays/${stay.id}/summary`)).status, 200);
    assert.equal((await parisDoctor.fhir(`/Patient/${stay.ref.slice(8)}`)).status, 404);
    const capacity = await api(parisCoordinator, `/stays/${stay.id}/capacity`);
    const slot = capacity.body.slots.find((s: { date: string }) => s.date === inDays(1))?.slot;
    const accepted = await api(parisCoordinator, `/stays/${stay.id}/accept`, {
      method: 'POST',
      body: { sessions: [{ slot }] },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    // during the stay the Paris staff read the record like any centre in care…
    assert.equal((await parisDoctor.fhir(`/Patient/${stay.ref.slice(8)}`)).status, 200);
    assert.equal((await parisDoctor.fhir(`/Observation?patient=${stay.ref}`)).status, 200);
    // …the home nephrologist too, in Morocco
    assert.equal((await stay.nephrologist.fhir(`/Observation?patient=${stay.ref}`)).status, 200);
    const db = server.platform.db;
    const parisRef = (
      await db.query<{ fhir_user: string }>('SELECT fhir_user FROM auth_account WHERE login = $1::text', [
        parisDoctor.login,
      ])
    ).rows[0]?.fhir_user;
    let register: { event: string; recipient: string; abroad: boolean; country: string }[] = [];
    for (let i = 0; i < 40; i++) {
      register = (
        await db.query<{ event: string; recipient: string; abroad: boolean; country: string }>(
          `SELECT event, recipient, abroad, country FROM dial_transfer
            WHERE stay_id = $1::text AND event LIKE 'record-%' ORDER BY at`,
          [stay.id],
        )
      ).rows;
      if (register.length >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // the summary (read), the stay's screens the coordinator used (read), the Patient (read), the search
    const events = register.map((r) => r.event);
    assert.ok(events.includes('record-read') && events.includes('record-search'), JSON.stringify(register));
    assert.ok(register.every((r) => r.abroad && r.country === 'FR'));
    assert.ok(
      register.some((r) => r.recipient === parisRef),
      JSON.stringify(register),
    );
    const homeReads = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dial_transfer t JOIN auth_account a ON a.fhir_user = t.recipient
        WHERE t.stay_id = $1::text AND a.login = $2::text`,
      [stay.id, stay.nephrologist.login],
    );
    assert.equal(homeReads.rows[0].n, 0);
    await new Promise((r) => setTimeout(r, 300)); // the audit writer batches every 50 ms
    const flagged = await db.query<{ desc: string }>(
      `SELECT content->>'outcomeDesc' AS desc FROM audit_trail
        WHERE patient_id = $1::text AND content->>'outcomeDesc' LIKE 'cross-border transfer%'`,
      [stay.ref.slice(8)],
    );
    // the sending, then one per read from Paris
    assert.ok(flagged.rows.length >= 1 + register.length, JSON.stringify(flagged.rows));
    assert.ok(
      flagged.rows.some((r) =>
        r.desc.includes('search of Observation from Centre partenaire Paris (test), FR'),
      ),
    );
  });

  it('a consent withdrawn after sending hides the checks and the summary from the destination', async () => {
    const stay = await sentToParis('Sqalli');
    const parisCoordinator = await signIn(
      server,
      ['dialysis-coordinator'],
      await addPractitioner(server, paris.organization, 'Coordination Paris 2'),
    );
    const before = await api(parisCoordinator, `/stays/${stay.id}`);
    assert.equal(before.status, 200);
    assert.ok(before.body.readiness?.length > 0);
    assert.equal(before.body.hasSummary, true);
    const consents = await stay.patient.fhir(`/Consent?patient=${stay.ref}&status=active`);
    const consent = consents.body.entry.find((e: { resource: { policy?: { uri: string }[] } }) =>
      e.resource.policy?.some((x) => x.uri.includes('law-09-08')),
    ).resource;
    const withdrawn = await stay.patient.fhir(`/Consent/${consent.id}`, {
      method: 'PUT',
      body: { ...consent, status: 'inactive' },
    });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    const after = await api(parisCoordinator, `/stays/${stay.id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.readiness, undefined);
    assert.equal(after.body.hasSummary, false);
    assert.equal(after.body.sharingWithdrawn, true);
    assert.equal((await api(parisCoordinator, `/stays/${stay.id}/summary`)).status, 403);
    // the patient still sees their own checks
    const own = await api(stay.patient, `/stays/${stay.id}`);
    assert.ok(own.body.readiness?.length > 0);
  });

  it('a declined request tells the patient why, and the centre can no longer read the summary', async () => {
    const { ref, id, patient: p } = await sendStay(agadir, 'Idrissi');
    const bad = await api(coordinator, `/stays/${id}/decline`, {
      method: 'POST',
      body: { reason: 'because' },
    });
    assert.equal(bad.status, 400);
    const declined = await api(coordinator, `/stays/${id}/decline`, {
      method: 'POST',
      body: { reason: 'no-capacity', text: 'Complet pendant les vacances scolaires' },
    });
    assert.equal(declined.status, 200);
    const seen = await api(p, `/stays/${id}`);
    assert.equal(seen.body.state, 'declined');
    assert.deepEqual(seen.body.decline, {
      reason: 'no-capacity',
      text: 'Complet pendant les vacances scolaires',
    });
    assert.equal((await api(coordinator, `/stays/${id}/summary`)).status, 403);
    const outbox = await server.platform.db.query<{ template: string }>(
      'SELECT template FROM notification_outbox WHERE patient_id = $1::text ORDER BY created_at',
      [ref.slice(8)],
    );
    assert.deepEqual(
      outbox.rows.map((r) => r.template),
      ['dialysis-request-sent', 'dialysis-stay-declined'],
    );
  });

  it('an HBs antigen positive patient is offered isolation chairs only', async () => {
    const nephro = await addPractitioner(server, rabat.organization, 'Nephro HBV', true);
    const ref = await addDialysisPatient(server, {
      name: 'Kettani',
      nephrologist: nephro,
      homeCentre: rabat.organization,
      hbsPositive: true,
    });
    const p = await signIn(server, ['patient'], ref);
    const noIsolation = await api(p, `/search?destination=Agadir&arrival=${today()}&departure=${inDays(3)}`);
    assert.equal(noIsolation.body.chairKind, 'isolation');
    assert.ok(!noIsolation.body.results.some((r: { service: string }) => r.service === agadir.service));
    const withIsolation = await addTestCentre(server, {
      name: 'Centre d’Inezgane (test)',
      city: 'Inezgane',
      position: { latitude: 30.35, longitude: -9.54 },
      chairs: [{ kind: 'isolation', label: 'Isolement' }],
    });
    const found = await api(p, `/search?destination=Agadir&arrival=${today()}&departure=${inDays(3)}`);
    assert.equal(found.body.results[0].service, withIsolation.service);
  });
});

describe('the International Patient Summary', () => {
  it('Patient/$summary is a document Bundle whose references all resolve inside it, read with the caller’s access', async () => {
    const res = await fhirFetch(server.fhirBase, `/${patientRef}/$summary`);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    const bundle = res.body;
    const urls = new Set(bundle.entry.map((e: { fullUrl: string }) => e.fullUrl));
    const refs: string[] = [];
    const walk = (n: unknown) => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object')
        for (const [k, v] of Object.entries(n))
          k === 'reference' && typeof v === 'string' ? refs.push(v) : walk(v);
    };
    walk(bundle.entry.map((e: { resource: unknown }) => e.resource));
    assert.ok(refs.length > 5);
    for (const r of refs) assert.ok(urls.has(r), `unresolved ${r}`);
    const validated = await fhirFetch(server.fhirBase, '/Bundle/$validate', { method: 'POST', body: bundle });
    assert.equal(validated.status, 200, JSON.stringify(validated.body).slice(0, 500));
    assert.equal((await strangerCoordinator.fhir(`/${patientRef}/$summary`)).status, 404);
    assert.equal((await nephrologist.fhir(`/${patientRef}/$summary?language=ar`)).status, 200);
  });
});
