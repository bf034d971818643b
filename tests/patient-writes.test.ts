/**
 * What a patient (or a parent acting for a child) may write in their own record, through HTTP: their
 * own entries, about themselves — never what the care team recorded (access/patient-writes.ts), a
 * booking outside the schedule, a unit's equipment check, their birth date, or who acts for them
 * while a minor. Each abuse is paired with the legitimate write beside it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { seedUnitsWorld, type UnitsWorld } from './support/units-world.ts';

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const ROLE_CODES = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const ref = (reference: string) => ({ reference });
const year = new Date().getUTCFullYear();

let server: TestServer;
let doctor: Person;
let adult: Person;
let child: Person;
let father: Person;
let mother: Person;
let stranger: Person;
let admin: Person;

const patient = (id: string, cnie: string, birthDate: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: CNIE, value: cnie }],
  name: [{ family: 'Bennani', given: [id] }],
  birthDate,
});

const hba1c = (subject: string, value: number, performer?: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  subject: ref(subject),
  ...(performer ? { performer: [ref(performer)] } : {}),
  valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});

const delegation = (id: string, forPatient: string, delegateCnie: string, code: string) => ({
  resourceType: 'RelatedPerson',
  ...(id ? { id } : {}),
  active: true,
  patient: ref(`Patient/${forPatient}`),
  identifier: [{ system: CNIE, value: delegateCnie }],
  relationship: [{ coding: [{ system: ROLE_CODES, code }] }],
});

const system = (path: string, method: string, body?: unknown) =>
  fhirFetch(server.fhirBase, path, { method, ...(body ? { body } : {}) });

before(async () => {
  server = await startTestServer();
  const world = [
    { resourceType: 'Practitioner', id: 'pw-dr', name: [{ family: 'Chraibi' }] },
    patient('pw-adult', 'PW100001', '1980-04-02'),
    patient('pw-child', 'PW100002', `${year - 12}-01-15`),
    patient('pw-father', 'PW100003', '1975-06-01'),
    patient('pw-mother', 'PW100004', '1978-09-09'),
    patient('pw-stranger', 'PW100005', '1990-02-02'),
    {
      // written by a system: an authoritative visit, which opens the doctor's care relationship
      resourceType: 'Encounter',
      id: 'pw-visit',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: ref('Patient/pw-adult'),
      participant: [{ individual: ref('Practitioner/pw-dr') }],
    },
  ];
  for (const r of world) {
    const res = await system(`/${r.resourceType}/${r.id}`, 'PUT', r);
    assert.ok(res.status < 300, JSON.stringify(res.body));
  }
  doctor = await signIn(server, ['doctor'], 'Practitioner/pw-dr');
  adult = await signIn(server, ['patient'], 'Patient/pw-adult');
  child = await signIn(server, ['patient'], 'Patient/pw-child');
  father = await signIn(server, ['patient'], 'Patient/pw-father');
  mother = await signIn(server, ['patient'], 'Patient/pw-mother');
  stranger = await signIn(server, ['patient'], 'Patient/pw-stranger');
  admin = await signIn(server, ['administrator']);
  for (const [id, cnie, code] of [
    ['pw-rel-father', 'PW100003', 'FTH'],
    ['pw-rel-mother', 'PW100004', 'MTH'],
  ]) {
    const res = await admin.fhir(`/RelatedPerson/${id}`, {
      method: 'PUT',
      body: delegation(id, 'pw-child', cnie, code),
    });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  }
});
after(() => server?.close());

describe('what the care team recorded stays theirs', () => {
  it('a patient can neither rewrite nor delete the doctor’s Observation (403), which keeps its value', async () => {
    const recorded = await doctor.fhir('/Observation', {
      method: 'POST',
      body: hba1c('Patient/pw-adult', 9.5, 'Practitioner/pw-dr'),
    });
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    const id = recorded.body.id;
    const rewritten = await adult.fhir(`/Observation/${id}`, {
      method: 'PUT',
      body: { ...recorded.body, valueQuantity: { ...recorded.body.valueQuantity, value: 5.1 } },
    });
    assert.equal(rewritten.status, 403, JSON.stringify(rewritten.body));
    assert.equal((await adult.fhir(`/Observation/${id}`, { method: 'DELETE' })).status, 403);
    const kept = await adult.fhir(`/Observation/${id}`);
    assert.equal(kept.status, 200);
    assert.equal(kept.body.valueQuantity.value, 9.5);
  });

  it('nor the doctor’s Communication, DocumentReference or Appointment', async () => {
    const written = [
      {
        resourceType: 'Communication',
        status: 'completed',
        subject: ref('Patient/pw-adult'),
        sender: ref('Practitioner/pw-dr'),
        recipient: [ref('Patient/pw-adult')],
        payload: [{ contentString: 'Votre HbA1c est élevée : reprenez rendez-vous.' }],
      },
      {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: ref('Patient/pw-adult'),
        author: [ref('Practitioner/pw-dr')],
        content: [{ attachment: { contentType: 'text/plain', data: 'Q29tcHRlIHJlbmR1' } }],
      },
      {
        resourceType: 'Appointment',
        status: 'fulfilled',
        start: '2025-03-01T09:00:00Z',
        end: '2025-03-01T09:30:00Z',
        participant: [
          { actor: ref('Patient/pw-adult'), status: 'accepted' },
          { actor: ref('Practitioner/pw-dr'), status: 'accepted' },
        ],
      },
    ];
    for (const body of written) {
      const res = await doctor.fhir(`/${body.resourceType}`, { method: 'POST', body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const path = `/${body.resourceType}/${res.body.id}`;
      const changed =
        body.resourceType === 'Appointment'
          ? { ...res.body, status: 'cancelled' }
          : { ...res.body, status: 'entered-in-error' };
      assert.equal((await adult.fhir(path, { method: 'PUT', body: changed })).status, 403, path);
      assert.equal((await adult.fhir(path, { method: 'DELETE' })).status, 403, path);
      assert.equal((await adult.fhir(path)).body.meta.versionId, '1', `${path} unchanged`);
    }
  });

  it('a patient corrects and deletes their own home reading — until the doctor has revised it', async () => {
    const mine = await adult.fhir('/Observation', {
      method: 'POST',
      body: hba1c('Patient/pw-adult', 6.1, 'Patient/pw-adult'),
    });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const path = `/Observation/${mine.body.id}`;
    const corrected = await adult.fhir(path, {
      method: 'PUT',
      body: { ...mine.body, valueQuantity: { ...mine.body.valueQuantity, value: 6.2 } },
    });
    assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
    const reviewed = await doctor.fhir(path, {
      method: 'PUT',
      body: { ...corrected.body, interpretation: [{ text: 'contrôlé' }] },
    });
    assert.equal(reviewed.status, 200, JSON.stringify(reviewed.body));
    assert.equal(
      (await adult.fhir(path, { method: 'DELETE' })).status,
      403,
      'the current version is the doctor’s',
    );
    const another = await adult.fhir('/Observation', {
      method: 'POST',
      body: hba1c('Patient/pw-adult', 6.0, 'Patient/pw-adult'),
    });
    assert.equal((await adult.fhir(`/Observation/${another.body.id}`, { method: 'DELETE' })).status, 200);
  });

  it('readings sent together in a transaction are each the patient’s to correct', async () => {
    const sent = await adult.fhir('', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [6.3, 6.4, 6.5].map((v) => ({
          resource: hba1c('Patient/pw-adult', v, 'Patient/pw-adult'),
          request: { method: 'POST', url: 'Observation' },
        })),
      },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body).slice(0, 300));
    for (const entry of sent.body.entry) {
      const path = `/${entry.response.location.split('/_history')[0]}`;
      const current = (await adult.fhir(path)).body;
      const corrected = await adult.fhir(path, {
        method: 'PUT',
        body: { ...current, valueQuantity: { ...current.valueQuantity, value: 7 } },
      });
      assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
    }
  });

  it('questionnaire answers and consents the patient gave stay theirs to change', async () => {
    const answers = await adult.fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: {
        resourceType: 'QuestionnaireResponse',
        status: 'in-progress',
        questionnaire: 'Questionnaire/pw-sleep',
        subject: ref('Patient/pw-adult'),
        author: ref('Patient/pw-adult'),
        item: [{ linkId: 'hours', answer: [{ valueInteger: 6 }] }],
      },
    });
    assert.equal(answers.status, 201, JSON.stringify(answers.body));
    const done = await adult.fhir(`/QuestionnaireResponse/${answers.body.id}`, {
      method: 'PUT',
      body: { ...answers.body, status: 'completed' },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const consent = await adult.fhir('/Consent', {
      method: 'POST',
      body: {
        resourceType: 'Consent',
        status: 'active',
        scope: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
        },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        patient: ref('Patient/pw-adult'),
        policyRule: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }],
        },
      },
    });
    assert.equal(consent.status, 201, JSON.stringify(consent.body));
    const withdrawn = await adult.fhir(`/Consent/${consent.body.id}`, {
      method: 'PUT',
      body: { ...consent.body, status: 'inactive' },
    });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
  });
});

describe('appointments a patient writes are requests', () => {
  const appointment = (status: string) => ({
    resourceType: 'Appointment',
    status,
    start: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    end: new Date(Date.now() + 7 * 86_400_000 + 1_800_000).toISOString(),
    appointmentType: { text: 'video' },
    participant: [
      { actor: ref('Patient/pw-adult'), status: 'accepted' },
      { actor: ref('Practitioner/pw-dr'), status: 'needs-action' },
    ],
  });

  it('a booking outside the schedule is refused (403); a request is accepted and the patient cancels it', async () => {
    const booked = await adult.fhir('/Appointment', { method: 'POST', body: appointment('booked') });
    assert.equal(booked.status, 403, JSON.stringify(booked.body));
    const asked = await adult.fhir('/Appointment', { method: 'POST', body: appointment('pending') });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const path = `/Appointment/${asked.body.id}`;
    const promoted = await adult.fhir(path, { method: 'PUT', body: { ...asked.body, status: 'booked' } });
    assert.equal(promoted.status, 403, 'a request does not become a booking by the patient’s hand');
    const cancelled = await adult.fhir(path, { method: 'PUT', body: { ...asked.body, status: 'cancelled' } });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  });
});

describe('a patient writes about themselves, not a mobile unit', () => {
  let units: UnitsWorld;
  let device: string;
  before(async () => {
    units = await seedUnitsWorld(server);
    const scale = await units.admin.call(`/api/units/${units.unitA}/devices`, {
      method: 'POST',
      body: { kind: 'scale', serial: 'SC-PW-1' },
    });
    device = scale.body.id;
    const done = await units.nurseA.call(`/api/units/${units.unitA}/equipment-checks`, {
      method: 'POST',
      body: { items: [{ device, present: true, working: false }] },
    });
    assert.equal(done.status, 201, JSON.stringify(done.body));
  });
  const forged = (author: string) => ({
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    questionnaire: 'Questionnaire/unit-equipment-check',
    subject: ref(`Organization/${units.unitA}`),
    author: ref(author),
    authored: new Date(Date.now() + 60_000).toISOString(),
    item: [
      {
        linkId: device,
        item: [
          { linkId: 'present', answer: [{ valueBoolean: true }] },
          { linkId: 'working', answer: [{ valueBoolean: true }] },
        ],
      },
    ],
  });

  it('a patient cannot file a unit’s equipment check in their own name (403)', async () => {
    const res = await adult.fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: forged('Patient/pw-adult'),
    });
    assert.equal(res.status, 403, JSON.stringify(res.body));
  });

  it('the unit shows its team’s last check, not a response authored by a patient', async () => {
    // as one stored before the guard's rule, or filed by a system
    const stored = await system('/QuestionnaireResponse', 'POST', forged('Patient/pw-adult'));
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    const unit = await units.gpA.call(`/api/units/${units.unitA}`);
    assert.equal(unit.status, 200);
    assert.deepEqual(unit.body.lastCheck.items, [{ device, present: true, working: false }]);
    assert.notEqual(unit.body.lastCheck.author, 'Patient/pw-adult');
  });
});

describe('birth date and delegations', () => {
  it('a child cannot make themself an adult: the birth date is refused (403), the rest of the demographics are not', async () => {
    const me = (await child.fhir('/Patient/pw-child')).body;
    const older = await child.fhir('/Patient/pw-child', {
      method: 'PUT',
      body: { ...me, birthDate: '1990-01-15' },
    });
    assert.equal(older.status, 403, JSON.stringify(older.body));
    const moved = await child.fhir('/Patient/pw-child', {
      method: 'PUT',
      body: { ...me, address: [{ city: 'Fès' }] },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.birthDate, me.birthDate);
  });

  it('the phone and email messages go to are not written through the record, by the patient or a parent acting for them (403): PUT /api/me/contact and its code', async () => {
    const record = (await system('/Patient/pw-child', 'GET')).body;
    for (const who of [child, father]) {
      const res = await who.fhir('/Patient/pw-child', {
        method: 'PUT',
        body: { ...record, telecom: [{ system: 'sms', value: '+212600000777' }] },
      });
      assert.equal(res.status, 403, JSON.stringify(res.body));
    }
    assert.deepEqual((await system('/Patient/pw-child', 'GET')).body.telecom, record.telecom);
    // the parent still corrects the rest of the child's demographics
    const moved = await father.fhir('/Patient/pw-child', {
      method: 'PUT',
      body: { ...record, address: [{ city: 'Meknès' }] },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  });

  it('a system allowed to update Patients corrects a birth date', async () => {
    const me = (await system('/Patient/pw-stranger', 'GET')).body;
    const fixed = await system('/Patient/pw-stranger', 'PUT', { ...me, birthDate: '1990-02-03' });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  });

  it('a care-giver of the patient corrects a birth date registered wrong; a doctor without them in care cannot', async () => {
    const record = (await doctor.fhir('/Patient/pw-adult')).body;
    const fixed = await doctor.fhir('/Patient/pw-adult', {
      method: 'PUT',
      body: { ...record, birthDate: '1980-04-03' },
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal(fixed.body.birthDate, '1980-04-03');
    const other = (await system('/Patient/pw-father', 'GET')).body;
    const outsider = await doctor.fhir('/Patient/pw-father', {
      method: 'PUT',
      body: { ...other, birthDate: '1975-06-02' },
    });
    assert.ok([403, 404].includes(outsider.status), JSON.stringify(outsider.body));
  });

  it('a minor cannot name who acts for them: the stranger still sees nothing', async () => {
    const res = await child.fhir('/RelatedPerson', {
      method: 'POST',
      body: delegation('', 'pw-child', 'PW100005', 'GUARD'),
    });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal((await stranger.fhir('/Patient/pw-child')).status, 404);
  });

  it('a child cannot end a parent’s delegation, nor one parent the other’s', async () => {
    assert.equal((await child.fhir('/RelatedPerson/pw-rel-father', { method: 'DELETE' })).status, 403);
    const current = (await mother.fhir('/RelatedPerson/pw-rel-father')).body;
    const ended = await mother.fhir('/RelatedPerson/pw-rel-father', {
      method: 'PUT',
      body: { ...current, active: false },
    });
    assert.equal(ended.status, 403, JSON.stringify(ended.body));
    assert.equal((await father.fhir('/Patient/pw-child')).status, 200, 'the father still acts for the child');
  });

  it('a parent still writes the child’s home readings and corrects them', async () => {
    const reading = await father.fhir('/Observation', {
      method: 'POST',
      body: hba1c('Patient/pw-child', 5.4, 'Patient/pw-father'),
    });
    assert.equal(reading.status, 201, JSON.stringify(reading.body));
    const fixed = await father.fhir(`/Observation/${reading.body.id}`, {
      method: 'PUT',
      body: { ...reading.body, valueQuantity: { ...reading.body.valueQuantity, value: 5.5 } },
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  });

  it('an adult names who helps them, and ends it', async () => {
    const named = await adult.fhir('/RelatedPerson', {
      method: 'POST',
      body: delegation('', 'pw-adult', 'PW100005', 'CHILD'),
    });
    assert.equal(named.status, 201, JSON.stringify(named.body));
    assert.equal((await stranger.fhir('/Patient/pw-adult')).status, 200);
    const ended = await adult.fhir(`/RelatedPerson/${named.body.id}`, { method: 'DELETE' });
    assert.ok(ended.status < 300, JSON.stringify(ended.body));
    assert.equal((await stranger.fhir('/Patient/pw-adult')).status, 404);
  });
});
