/**
 * Teleconsultation through HTTP and WebSockets: only the two parties of a video consultation get
 * its TURN credentials and its signalling channel; the patient consents before checking in; the
 * Encounter (class VR) records start, end, modes and incidents; chat is relayed and kept; documents
 * are checked by their bytes; the survey is answered once. Another patient who learns the
 * appointment's id (a busy Slot names it) cannot write into the consultation from their own record.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  bookConsultation,
  type ConsultationWorld,
  openSocket,
  rawCall,
  seedConsultationWorld,
} from './support/consultation.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const TURN_SECRET = 'test-turn-secret';
process.env.SAHTI_TURN_URLS = 'turn:127.0.0.1:3478?transport=udp';
process.env.SAHTI_TURN_SECRET = TURN_SECRET;
process.env.SAHTI_TELECONSULT_DOCUMENT_MAX_BYTES = String(64 * 1024);

let server: TestServer;
let world: ConsultationWorld;
let appointment: string;

const CONSENT = { remote: true, record: true, agree: true };
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

before(async () => {
  server = await startTestServer();
  world = await seedConsultationWorld(server);
  appointment = await bookConsultation(server, world);
});
after(() => server?.close());

/** The party gets the call's relay credentials: time-limited, derived from the shared secret. */
async function assertTurnCredentials(person: ConsultationWorld['patient']): Promise<void> {
  const res = await person.call(`/api/teleconsult/${appointment}/ice`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const turn = res.body.iceServers.find((s: { urls: string[] }) => s.urls[0].startsWith('turn:'));
  const [expiry, user] = turn.username.split(':');
  assert.ok(Number(expiry) * 1000 > Date.now(), 'expires in the future');
  assert.ok(Number(expiry) * 1000 < Date.now() + 5 * 3600_000, 'and not far away');
  assert.ok(user.startsWith(appointment));
  assert.equal(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
  assert.notEqual(turn.credential, TURN_SECRET);
}

describe('who may take part', () => {
  it('gives time-limited TURN credentials to the two parties only, never a static password; the patient once they have consented', async () => {
    await assertTurnCredentials(world.doctor);
    const beforeConsent = await world.patient.call(`/api/teleconsult/${appointment}/ice`);
    assert.equal(beforeConsent.status, 409, 'no relay for the patient before their consent');
    assert.match(beforeConsent.body.issue[0].diagnostics, /consent/);
    assert.equal((await world.otherDoctor.call(`/api/teleconsult/${appointment}/ice`)).status, 404);
    const anonymous = await fetch(`${server.url}/api/teleconsult/${appointment}/ice`);
    assert.equal(anonymous.status, 401);
    const system = await fetch(`${server.url}/api/teleconsult/${appointment}/ice`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(system.status, 404, 'a system client is no party to a call');
  });

  it('refuses the signalling channel to a third doctor, to anonymous callers and to other origins', async () => {
    await assert.rejects(
      openSocket(server, world.otherDoctor, `/api/teleconsult/${appointment}/signal`),
      /refused 404/,
    );
    await assert.rejects(
      openSocket(server, undefined, `/api/teleconsult/${appointment}/signal`),
      /refused 401/,
    );
    await assert.rejects(
      openSocket(server, world.doctor, `/api/teleconsult/${appointment}/signal`, {
        origin: 'https://evil.example',
      }),
      /refused 403/,
    );
    await assert.rejects(openSocket(server, world.patient, '/api/teleconsult/lobby'), /refused 403/);
    // the patient joins the call only once their consent is recorded (check-in)
    await assert.rejects(
      openSocket(server, world.patient, `/api/teleconsult/${appointment}/signal`),
      /refused 409/,
    );
  });

  it('refuses an in-person appointment and one far in the future', async () => {
    const inPerson = await bookConsultation(server, world, { mode: 'in-person' });
    assert.equal((await world.patient.call(`/api/teleconsult/${inPerson}/ice`)).status, 409);
    const later = await bookConsultation(server, world, { startInMinutes: 3 * 24 * 60 });
    const res = await world.patient.call(`/api/teleconsult/${later}/check-in`, {
      method: 'POST',
      body: CONSENT,
    });
    assert.equal(res.status, 409);
    assert.match(res.body.issue[0].diagnostics, /Too early/);
  });
});

describe('a consultation from check-in to survey', () => {
  it('refuses to check in without the consent, then records it with the arrival', async () => {
    const refused = await world.patient.call(`/api/teleconsult/${appointment}/check-in`, {
      method: 'POST',
      body: { remote: true, record: false, agree: true },
    });
    assert.equal(refused.status, 400);
    const lobby = await openSocket(server, world.doctor, '/api/teleconsult/lobby');
    const ok = await world.patient.call(`/api/teleconsult/${appointment}/check-in`, {
      method: 'POST',
      body: CONSENT,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const heard = await lobby.next('resource', 8000);
    assert.ok(
      ['Appointment', 'Encounter'].includes(heard.resourceType),
      'the waiting room hears of the arrival',
    );
    await lobby.close();
    const again = await world.patient.call(`/api/teleconsult/${appointment}/check-in`, {
      method: 'POST',
      body: CONSENT,
    });
    assert.equal(again.body.encounter, ok.body.encounter, 'checking in twice is harmless');
    const appt = await fhirFetch(server.fhirBase, `/Appointment/${appointment}`);
    assert.equal(appt.body.status, 'arrived');
    const consent = await world.patient.fhir(`/QuestionnaireResponse?subject=Patient/${world.patientId}`);
    const responses = consent.body.entry.map((e: { resource: any }) => e.resource);
    assert.equal(responses.length, 1);
    assert.match(responses[0].questionnaire, /teleconsultation-consent/);
    assert.equal(responses[0].encounter.reference, `Encounter/${ok.body.encounter}`);
    const encounter = await world.doctor.fhir(`/Encounter/${ok.body.encounter}`);
    assert.equal(encounter.body.class.code, 'VR');
    assert.equal(encounter.body.status, 'arrived');
    await assertTurnCredentials(world.patient);
  });

  it('relays signalling and chat between the two parties, and records the call in the Encounter', async () => {
    const doctor = await openSocket(server, world.doctor, `/api/teleconsult/${appointment}/signal`);
    assert.equal((await doctor.next('welcome')).peerPresent, false);
    const patient = await openSocket(server, world.patient, `/api/teleconsult/${appointment}/signal`);
    assert.equal((await patient.next('welcome')).peerPresent, true);
    assert.equal((await doctor.next('peer')).present, true);
    doctor.send({ type: 'signal', data: { description: { type: 'offer', sdp: 'v=0' } } });
    assert.deepEqual((await patient.next('signal')).data, { description: { type: 'offer', sdp: 'v=0' } });
    patient.send({ type: 'chat', text: 'Bonjour docteur, je vous entends mal.' });
    const chat = await doctor.next('chat');
    assert.equal(chat.from, 'patient');
    assert.equal((await patient.next('chat')).id, chat.id, 'the sender sees it confirmed');
    patient.send({ type: 'mode', mode: 'audio' });
    assert.equal((await doctor.next('mode')).mode, 'audio');
    patient.send({ type: 'incident', code: 'low-bandwidth', detail: 'outgoing 80 kbit/s' });
    patient.send({ type: 'nonsense' });
    assert.match((await patient.next('error')).text, /unknown/);
    // a third doctor's socket never got in, so nothing reached them; the chat is in the record
    const kept = await world.doctor.fhir(`/Communication/${chat.id}`);
    assert.equal(kept.body.payload[0].contentString, 'Bonjour docteur, je vous entends mal.');
    assert.equal((await world.otherDoctor.fhir(`/Communication/${chat.id}`)).status, 404);
    // documents both ways, checked by their bytes
    const up = await rawCall(
      server,
      world.doctor,
      `/api/teleconsult/${appointment}/documents?name=radio.png`,
      {
        method: 'POST',
        body: PNG,
        contentType: 'image/png',
      },
    );
    assert.equal(up.status, 201, up.bytes.toString());
    assert.equal((await patient.next('document')).id, up.json.id);
    const down = await rawCall(
      server,
      world.patient,
      `/api/teleconsult/${appointment}/documents/${up.json.id}`,
    );
    assert.equal(down.status, 200);
    assert.deepEqual(down.bytes, PNG);
    assert.equal(down.headers.get('content-type'), 'image/png');
    assert.match(down.headers.get('content-disposition') ?? '', /^attachment/);
    const fake = await rawCall(
      server,
      world.patient,
      `/api/teleconsult/${appointment}/documents?name=scan.pdf`,
      {
        method: 'POST',
        body: Buffer.from('MZ\x90\x00 not a pdf'),
        contentType: 'application/pdf',
      },
    );
    assert.equal(fake.status, 415, 'a name and a declared type do not make a PDF');
    const active = await rawCall(server, world.patient, `/api/teleconsult/${appointment}/documents`, {
      method: 'POST',
      body: Buffer.from('%PDF-1.4 1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj'),
      contentType: 'application/pdf',
    });
    assert.equal(active.status, 415);
    const big = await rawCall(server, world.patient, `/api/teleconsult/${appointment}/documents`, {
      method: 'POST',
      body: Buffer.concat([PNG, Buffer.alloc(70 * 1024)]),
      contentType: 'image/png',
    });
    assert.equal(big.status, 413);
    assert.equal(
      (await rawCall(server, world.otherDoctor, `/api/teleconsult/${appointment}/documents/${up.json.id}`))
        .status,
      404,
    );
    // the doctor ends it: both are told, the Encounter is finished with its modes and incidents
    const ended = await world.doctor.call(`/api/teleconsult/${appointment}/end`, {
      method: 'POST',
      body: {},
    });
    assert.equal(ended.status, 200);
    await patient.next('ended');
    const state = await world.patient.call(`/api/teleconsult/${appointment}`);
    assert.equal(state.status, 200);
    assert.equal(state.body.encounter.status, 'finished');
    assert.ok(state.body.encounter.period.start && state.body.encounter.period.end);
    assert.deepEqual(
      state.body.encounter.modes.map((m: { mode: string }) => m.mode),
      ['audio'],
    );
    assert.deepEqual(
      state.body.encounter.incidents.map((m: { code: string }) => m.code),
      ['low-bandwidth'],
    );
    assert.equal(state.body.documents.length, 1);
    assert.equal(state.body.chat.length, 1);
    assert.equal((await fhirFetch(server.fhirBase, `/Appointment/${appointment}`)).body.status, 'fulfilled');
    await patient.close();
    await doctor.close();
  });

  it('takes the patient’s survey once, and only the patient’s', async () => {
    const url = `/api/teleconsult/${appointment}/satisfaction`;
    assert.equal(
      (await world.doctor.call(url, { method: 'POST', body: { overall: 5, quality: 5, recommend: true } }))
        .status,
      403,
    );
    assert.equal(
      (await world.patient.call(url, { method: 'POST', body: { overall: 9, quality: 5, recommend: true } }))
        .status,
      400,
    );
    const first = await world.patient.call(url, {
      method: 'POST',
      body: { overall: 4, quality: 3, recommend: true, comment: 'Le son coupait un peu.' },
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await world.patient.call(url, {
      method: 'POST',
      body: { overall: 1, quality: 1, recommend: false },
    });
    assert.equal(second.status, 409);
    const qr = await world.patient.fhir(`/QuestionnaireResponse/${first.body.id}`);
    assert.match(qr.body.questionnaire, /teleconsultation-satisfaction/);
    const q = await world.patient.fhir('/Questionnaire/teleconsultation-satisfaction');
    assert.equal(q.status, 200);
  });
});

describe('another patient who knows the appointment’s id', () => {
  const CONSENT_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/teleconsultation-consent';
  const SATISFACTION_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/teleconsultation-satisfaction';
  const ACTIVE_PDF = '%PDF-1.4 1 0 obj << /OpenAction << /S/J#61vaScript /J#53 (app.alert(1)) >> >> endobj';
  let target: string;
  let intruder: Person;
  let intruderId: string;

  before(async () => {
    target = await bookConsultation(server, world);
    intruderId = `tc-b-${world.patientId.slice(5)}`;
    const put = await fhirFetch(server.fhirBase, `/Patient/${intruderId}`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: intruderId, name: [{ family: 'Berrada', given: ['Omar'] }] },
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    intruder = await signIn(server, ['patient'], `Patient/${intruderId}`);
  });

  it('cannot put a message “from the doctor” into its chat', async () => {
    const forged = await intruder.fhir('/Communication', {
      method: 'POST',
      body: {
        resourceType: 'Communication',
        status: 'completed',
        subject: { reference: `Patient/${intruderId}` },
        basedOn: [{ reference: `Appointment/${target}` }],
        sender: { reference: `Practitioner/${world.doctorId}` },
        sent: new Date().toISOString(),
        payload: [{ contentString: 'Votre traitement est arrêté, appelez ce numéro.' }],
      },
    });
    assert.equal(forged.status, 201, 'their own record takes it');
    for (const person of [world.patient, world.doctor]) {
      const state = await person.call(`/api/teleconsult/${target}`);
      assert.equal(state.status, 200);
      assert.deepEqual(state.body.chat, [], 'the consultation does not show it');
    }
  });

  it('cannot add a document to it, and the doctor cannot download one through it', async () => {
    const forged = await intruder.fhir('/DocumentReference', {
      method: 'POST',
      body: {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: `Patient/${intruderId}` },
        author: [{ reference: `Practitioner/${world.doctorId}` }],
        content: [
          {
            attachment: {
              contentType: 'application/pdf',
              title: 'ordonnance.pdf',
              data: Buffer.from(ACTIVE_PDF).toString('base64'),
            },
          },
        ],
        context: { related: [{ reference: `Appointment/${target}` }] },
      },
    });
    assert.equal(forged.status, 201, 'their own record takes it');
    const state = await world.doctor.call(`/api/teleconsult/${target}`);
    assert.deepEqual(state.body.documents, [], 'not listed in the consultation');
    const down = await rawCall(
      server,
      world.doctor,
      `/api/teleconsult/${target}/documents/${forged.body.id}`,
    );
    assert.equal(down.status, 404);
  });

  it('cannot record a consent for the patient, who still must consent before the call', async () => {
    const forged = await intruder.fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: {
        resourceType: 'QuestionnaireResponse',
        identifier: { system: CONSENT_SYSTEM, value: target },
        questionnaire: 'https://sahti.ma/fhir/Questionnaire/teleconsultation-consent|1',
        status: 'completed',
        subject: { reference: `Patient/${intruderId}` },
      },
    });
    assert.equal(forged.status, 403, JSON.stringify(forged.body));
    const inBundle = await intruder.fhir('', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: {
              resourceType: 'QuestionnaireResponse',
              identifier: { system: CONSENT_SYSTEM, value: target },
              status: 'completed',
              subject: { reference: `Patient/${intruderId}` },
            },
            request: { method: 'POST', url: 'QuestionnaireResponse' },
          },
        ],
      },
    });
    assert.equal(inBundle.status, 403, 'nor inside a transaction');
    const ice = await world.patient.call(`/api/teleconsult/${target}/ice`);
    assert.equal(ice.status, 409, 'no relay without the patient’s own consent');
    assert.equal((await world.patient.call(`/api/teleconsult/${target}`)).body.consent, false);
    // the patient's own consent through /fhir/R4 is refused too: it is given at check-in
    const own = await world.patient.fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: {
        resourceType: 'QuestionnaireResponse',
        identifier: { system: CONSENT_SYSTEM, value: target },
        status: 'completed',
        subject: { reference: `Patient/${world.patientId}` },
      },
    });
    assert.equal(own.status, 403);
    const checkIn = await world.patient.call(`/api/teleconsult/${target}/check-in`, {
      method: 'POST',
      body: CONSENT,
    });
    assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body));
    assert.equal((await world.patient.call(`/api/teleconsult/${target}/ice`)).status, 200);
  });

  it('the survey is written through its route only: no answers through /fhir/R4, by anyone', async () => {
    const encounter = (await world.patient.call(`/api/teleconsult/${target}`)).body.encounter.id;
    const answer = (subject: string) => ({
      resourceType: 'QuestionnaireResponse',
      identifier: { system: SATISFACTION_SYSTEM, value: encounter },
      questionnaire: 'https://sahti.ma/fhir/Questionnaire/teleconsultation-satisfaction|1',
      status: 'completed',
      subject: { reference: subject },
      item: [{ linkId: 'overall', answer: [{ valueInteger: 1 }] }],
    });
    for (let i = 0; i < 2; i++) {
      const own = await world.patient.fhir('/QuestionnaireResponse', {
        method: 'POST',
        body: answer(`Patient/${world.patientId}`),
      });
      assert.equal(own.status, 403, JSON.stringify(own.body));
    }
    const other = await intruder.fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: answer(`Patient/${intruderId}`),
    });
    assert.equal(other.status, 403, 'nor for another patient’s Encounter');
    assert.equal((await world.patient.call(`/api/teleconsult/${target}`)).body.satisfaction, false);
  });

  it('a document of the consultation written another way is checked again when downloaded', async () => {
    // the patient's own record, about this appointment, but not through the upload route
    const written = await world.patient.fhir('/DocumentReference', {
      method: 'POST',
      body: {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: `Patient/${world.patientId}` },
        content: [
          {
            attachment: {
              contentType: 'application/pdf',
              title: 'analyses.pdf',
              data: Buffer.from(ACTIVE_PDF).toString('base64'),
            },
          },
        ],
        context: { related: [{ reference: `Appointment/${target}` }] },
      },
    });
    assert.equal(written.status, 201, JSON.stringify(written.body));
    const down = await rawCall(
      server,
      world.doctor,
      `/api/teleconsult/${target}/documents/${written.body.id}`,
    );
    assert.equal(down.status, 415, 'active content is refused on the way out too');
  });

  it('PDF names written with #xx escapes are still active content; a repeated name is no name', async () => {
    const escaped = await rawCall(server, world.patient, `/api/teleconsult/${target}/documents`, {
      method: 'POST',
      body: Buffer.from(ACTIVE_PDF),
      contentType: 'application/pdf',
    });
    assert.equal(escaped.status, 415);
    const twoNames = await rawCall(
      server,
      world.patient,
      `/api/teleconsult/${target}/documents?name=a&name=b`,
      { method: 'POST', body: PNG, contentType: 'image/png' },
    );
    assert.equal(twoNames.status, 201, twoNames.bytes.toString());
    assert.equal(twoNames.json.title, 'document.png');
  });
});
