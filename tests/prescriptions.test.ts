/**
 * E-prescriptions: a doctor signs, the pharmacist verifies without an account — valid, then
 * dispensed (a second dispensing refused, also when many pharmacies race), revoked, or tampered
 * (one character changed in the signed content, or in the signature); only the prescriber revokes,
 * only the patient and the prescriber see the code and print the PDF. A prescription may be
 * dispensed within its validity period (the prescriber's or the default), signed with the rest:
 * past it, it is expired and no pharmacy dispenses it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { bookConsultation, type ConsultationWorld, seedConsultationWorld } from './support/consultation.ts';
import { whileInsertsRefused } from './support/no-write.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let world: ConsultationWorld;
let pharmacist: Person;
process.env.SAHTI_PRESCRIPTION_VERIFY_RATE = '40';
process.env.SAHTI_PRESCRIPTION_DISPENSE_RATE = '40';

const ITEMS = [
  { code: '6118000081579', dosage: '1 comprimé 3 fois par jour si douleur', quantity: 1, durationDays: 5 },
  { code: '6118000140160', dosage: '1 comprimé matin et soir', quantity: 2, durationDays: 7 },
];

before(async () => {
  server = await startTestServer();
  world = await seedConsultationWorld(server);
  await bookConsultation(server, world); // opens the doctor's care relationship
  pharmacist = await signIn(server, ['pharmacist']);
});
after(() => server?.close());

async function prescribe(items = ITEMS): Promise<{ id: string; code: string; verifyUrl: string }> {
  const res = await world.doctor.call('/api/prescriptions', {
    method: 'POST',
    body: { patient: `Patient/${world.patientId}`, items, note: 'Revoir si fièvre persistante.' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** The MedicationRequest ids of a prescription, as the service stored them. */
const requestIds = async (prescriptionId: string): Promise<string[]> =>
  (
    await server.platform.db.query<{ request_ids: string[] }>(
      'SELECT request_ids FROM prescription WHERE id = $1::text',
      [prescriptionId],
    )
  ).rows[0].request_ids;

/** How many prescriptions the service keeps for the test's patient. */
const rows = async (): Promise<number> =>
  (
    await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM prescription WHERE patient_id = $1::text',
      [world.patientId],
    )
  ).rows[0].n;

const verify = (code: string) => fetch(`${server.url}/api/prescriptions/verify/${code}`);
/** A pharmacist, signed in with their account, records the dispensing. */
const dispense = (code: string, pharmacy = 'Pharmacie Al Amal, Rabat', by: Person = pharmacist) =>
  by.call(`/api/prescriptions/verify/${code}/dispense`, {
    method: 'POST',
    body: { pharmacy, inpe: '123456789' },
  });

describe('writing a prescription', () => {
  it('is signed with the prescriber’s key, the JWS kept in a Provenance targeting the requests', async () => {
    const rx = await prescribe();
    assert.match(rx.code, /^[0-9A-Z]{32}$/);
    assert.ok(rx.verifyUrl.endsWith(`/verify/${rx.code}`));
    const requests = await world.patient.fhir(`/MedicationRequest?subject=Patient/${world.patientId}`);
    const mine = requests.body.entry.map((e: { resource: any }) => e.resource);
    assert.equal(mine.length, 2);
    assert.equal(mine[0].requester.reference, `Practitioner/${world.doctorId}`);
    const provenance = await world.doctor.fhir(`/Provenance?target=MedicationRequest/${mine[0].id}`);
    const p = provenance.body.entry[0].resource;
    assert.equal(p.signature[0].sigFormat, 'application/jose');
    const jws = Buffer.from(p.signature[0].data, 'base64').toString();
    const [header] = jws.split('.');
    assert.equal(JSON.parse(Buffer.from(header, 'base64url').toString()).alg, 'ES256');
    assert.equal(p.agent[0].who.reference, `Practitioner/${world.doctorId}`);
    // the private key is sealed at rest
    const key = await server.platform.db.query<{ private_jwk: string }>(
      'SELECT private_jwk FROM prescriber_key',
    );
    assert.equal(key.rows.length, 1);
    assert.match(key.rows[0].private_jwk, /^v1\./);
    assert.ok(!key.rows[0].private_jwk.includes('"d"'));
  });

  it('publishes the prescriber’s public key, with which anyone checks the Provenance’s JWS outside Sahti', async () => {
    await prescribe();
    const requests = await world.patient.fhir(`/MedicationRequest?subject=Patient/${world.patientId}`);
    const request = requests.body.entry[0].resource;
    const provenance = (await world.patient.fhir(`/Provenance?target=MedicationRequest/${request.id}`)).body
      .entry[0].resource;
    const jws = Buffer.from(provenance.signature[0].data, 'base64').toString();
    const { kid } = decodeProtectedHeader(jws);
    // no account: a pharmacy's or an insurer's own software
    const res = await fetch(`${server.url}/api/prescriptions/keys/${kid}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /public/);
    const set = await res.json();
    assert.equal(set.practitioner, provenance.signature[0].who.reference, 'the key is the signer’s');
    assert.deepEqual(Object.keys(set.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(set));
    assert.equal(protectedHeader.kid, kid);
    const signed = JSON.parse(new TextDecoder().decode(payload));
    assert.ok(JSON.stringify(signed).includes(request.id), 'the signed content names the request');
    // one character of the signed content changed: the published key refuses it
    const [h, p, sig] = jws.split('.');
    const original = Buffer.from(p, 'base64url').toString();
    const altered = original.replace('6118000081579', '6118000081578');
    assert.notEqual(altered, original);
    await assert.rejects(
      compactVerify(`${h}.${Buffer.from(altered).toString('base64url')}.${sig}`, createLocalJWKSet(set)),
    );
    assert.equal((await fetch(`${server.url}/api/prescriptions/keys/${'A'.repeat(43)}`)).status, 404);
    const malformed = await fetch(`${server.url}/api/prescriptions/keys/not-a-key-id`);
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).resourceType, 'OperationOutcome');
  });

  it('refuses a patient outside the doctor’s care, non-doctors, and medicines not on the list', async () => {
    const body = { patient: `Patient/${world.patientId}`, items: ITEMS };
    assert.equal((await world.otherDoctor.call('/api/prescriptions', { method: 'POST', body })).status, 404);
    assert.equal((await world.patient.call('/api/prescriptions', { method: 'POST', body })).status, 403);
    const invented = { ...body, items: [{ ...ITEMS[0], code: '6118999999999' }] };
    const res = await world.doctor.call('/api/prescriptions', { method: 'POST', body: invented });
    assert.equal(res.status, 400);
    assert.match(res.body.issue[0].diagnostics, /items\[0\]\.code/);
  });

  it('writes nothing when any part fails: the requests, their signature and the prescription are one transaction', async () => {
    const count = async (type: string, param: string) =>
      (await world.doctor.fhir(`/${type}?${param}=Patient/${world.patientId}&_summary=count`)).body.total;
    const before = { requests: await count('MedicationRequest', 'subject'), rows: await rows() };
    // a note the record refuses (a control character is not a FHIR string): 400, nothing kept
    const refused = await world.doctor.call('/api/prescriptions', {
      method: 'POST',
      body: { patient: `Patient/${world.patientId}`, items: ITEMS, note: 'Revoir\u0007 si fièvre' },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.resourceType, 'OperationOutcome');
    // the prescription's own row refused after the requests were written: they roll back with it
    await whileInsertsRefused(server, 'prescription', async () => {
      const failed = await world.doctor.call('/api/prescriptions', {
        method: 'POST',
        body: { patient: `Patient/${world.patientId}`, items: ITEMS },
      });
      assert.equal(failed.status, 500);
    });
    assert.equal(await count('MedicationRequest', 'subject'), before.requests);
    assert.equal(await rows(), before.rows);
    // and the next one is written whole
    await prescribe();
    assert.equal(await count('MedicationRequest', 'subject'), before.requests + ITEMS.length);
    assert.equal(await rows(), before.rows + 1);
  });

  it('lets the patient and the prescriber list it with its code, print it in French and Arabic', async () => {
    const rx = await prescribe();
    const list = await world.patient.call('/api/prescriptions');
    assert.equal(list.status, 200);
    const found = list.body.find((p: { id: string }) => p.id === rx.id);
    assert.equal(found.code, rx.code);
    assert.equal(found.status, 'active');
    for (const lang of ['fr', 'ar']) {
      const res = await fetch(`${server.url}/api/prescriptions/${rx.id}/pdf?lang=${lang}`, {
        headers: { cookie: world.patient.cookie },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
      assert.ok(bytes.length > 5000);
    }
    const other = await fetch(`${server.url}/api/prescriptions/${rx.id}/pdf`, {
      headers: { cookie: world.otherDoctor.cookie },
    });
    assert.equal(other.status, 404);
  });
});

describe('validity: how long a pharmacy may dispense it', () => {
  const DAY = 86_400_000;
  const request = async (rxId: string) =>
    (await world.patient.fhir(`/MedicationRequest?subject=Patient/${world.patientId}&_count=200`)).body.entry
      .map((e: { resource: any }) => e.resource)
      .find((r: any) => r.identifier?.[0]?.value === rxId);

  it('runs for the default or for the days the prescriber chose, and the pharmacist sees until when', async () => {
    const usual = await prescribe([ITEMS[0]]);
    const usualRequest = await request(usual.id);
    const period = usualRequest.dispenseRequest.validityPeriod;
    assert.equal(period.start, usualRequest.authoredOn);
    assert.equal(Date.parse(period.end) - Date.parse(period.start), 90 * DAY, 'the default is 90 days');
    const seen = await (await verify(usual.code)).json();
    assert.equal(seen.status, 'valid');
    assert.equal(seen.validUntil, period.end);

    const week = await world.doctor.call('/api/prescriptions', {
      method: 'POST',
      body: { patient: `Patient/${world.patientId}`, items: [ITEMS[1]], validityDays: 7 },
    });
    assert.equal(week.status, 201, JSON.stringify(week.body));
    const weekRequest = await request(week.body.id);
    const weekPeriod = weekRequest.dispenseRequest.validityPeriod;
    assert.equal(Date.parse(weekPeriod.end) - Date.parse(weekPeriod.start), 7 * DAY);
    const listed = (await world.patient.call('/api/prescriptions')).body.find(
      (p: { id: string }) => p.id === week.body.id,
    );
    assert.equal(listed.status, 'active');
    assert.equal(listed.validUntil, weekPeriod.end);
  });

  it('refuses a validity that is not 1 to 365 whole days, and writes nothing', async () => {
    const before = (await world.patient.call('/api/prescriptions')).body.length;
    for (const validityDays of [0, 366, 2.5, '30', -1, null]) {
      const res = await world.doctor.call('/api/prescriptions', {
        method: 'POST',
        body: { patient: `Patient/${world.patientId}`, items: [ITEMS[0]], validityDays },
      });
      assert.equal(res.status, 400, `validityDays ${JSON.stringify(validityDays)}`);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(res.body.issue[0].diagnostics, /validityDays/);
    }
    assert.equal((await world.patient.call('/api/prescriptions')).body.length, before);
  });

  it('is signed: a later end, or none, makes the prescription tampered', async () => {
    for (const change of [
      (r: any) => ({
        ...r,
        dispenseRequest: {
          ...r.dispenseRequest,
          validityPeriod: {
            ...r.dispenseRequest.validityPeriod,
            end: new Date(Date.now() + 400 * DAY).toISOString(),
          },
        },
      }),
      (r: any) => ({ ...r, dispenseRequest: { ...r.dispenseRequest, validityPeriod: undefined } }),
    ]) {
      const rx = await prescribe([ITEMS[0]]);
      const r = await request(rx.id);
      const put = await fhirFetch(server.fhirBase, `/MedicationRequest/${r.id}`, {
        method: 'PUT',
        body: change(r),
      });
      assert.equal(put.status, 200);
      assert.equal((await (await verify(rx.code)).json()).status, 'tampered');
      assert.equal((await dispense(rx.code)).status, 409);
    }
  });

  /** A prescription written as a draft (as a mobile unit's GP does offline) with its own validity, then signed. */
  async function signedDraft(period: { start: string; end: string }) {
    const id = randomUUID();
    const written = await world.doctor.fhir('/MedicationRequest', {
      method: 'POST',
      body: {
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'order',
        identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/prescription', value: id }],
        groupIdentifier: { system: 'https://sahti.ma/fhir/NamingSystem/prescription', value: id },
        medicationCodeableConcept: {
          coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/medicament-ma', code: ITEMS[0].code }],
        },
        subject: { reference: `Patient/${world.patientId}` },
        requester: { reference: `Practitioner/${world.doctorId}` },
        authoredOn: period.start,
        dosageInstruction: [{ text: ITEMS[0].dosage }],
        dispenseRequest: {
          validityPeriod: period,
          quantity: { value: 1, unit: 'boîte' },
          expectedSupplyDuration: { value: 5, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
        },
      },
    });
    assert.equal(written.status, 201, JSON.stringify(written.body).slice(0, 300));
    return world.doctor.fhir('/MedicationRequest/$sign', {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'prescription', valueString: id }] },
    });
  }

  it('says expired once its validity is over, and no pharmacy dispenses it', async () => {
    // long enough for the draft, the signature and the first verification on a loaded machine
    const end = new Date(Date.now() + 10_000).toISOString();
    const signed = await signedDraft({ start: new Date(Date.now() - DAY).toISOString(), end });
    assert.equal(signed.status, 200, JSON.stringify(signed.body).slice(0, 300));
    const code = signed.body.parameter.find((p: { name: string }) => p.name === 'code').valueString;
    const id = signed.body.parameter.find((p: { name: string }) => p.name === 'prescription').valueString;
    const before = await (await verify(code)).json();
    assert.equal(before.status, 'valid');
    assert.equal(before.validUntil, end, 'the validity written with the draft is the one signed');
    await sleep(Math.max(0, Date.parse(end) - Date.now()) + 200);
    const after = await (await verify(code)).json();
    assert.equal(after.status, 'expired');
    assert.equal(after.items.length, 1, 'the pharmacist still sees what it was');
    const refused = await dispense(code);
    assert.equal(refused.status, 409);
    const outcome = refused.body;
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assert.match(outcome.issue[0].diagnostics, /expired/);
    assert.equal((await (await verify(code)).json()).status, 'expired', 'the refusal recorded no dispensing');
    const listed = (await world.patient.call('/api/prescriptions')).body.find(
      (p: { id: string }) => p.id === id,
    );
    assert.equal(listed.status, 'expired');
    const pdf = await fetch(`${server.url}/api/prescriptions/${id}/pdf?lang=ar`, {
      headers: { cookie: world.patient.cookie },
    });
    assert.equal(pdf.status, 200, 'the patient can still print it, marked expired');
  });

  it('refuses to sign a draft whose validity is over, or a period that is not one', async () => {
    const late = await signedDraft({
      start: new Date(Date.now() - 10 * DAY).toISOString(),
      end: new Date(Date.now() - DAY).toISOString(),
    });
    assert.equal(late.status, 422, JSON.stringify(late.body).slice(0, 300));
    assert.match(late.body.issue[0].diagnostics, /validity ended/);
    const inverted = await world.doctor.fhir('/MedicationRequest', {
      method: 'POST',
      body: {
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'order',
        identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/prescription', value: randomUUID() }],
        medicationCodeableConcept: {
          coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/medicament-ma', code: ITEMS[0].code }],
        },
        subject: { reference: `Patient/${world.patientId}` },
        requester: { reference: `Practitioner/${world.doctorId}` },
        dosageInstruction: [{ text: ITEMS[0].dosage }],
        dispenseRequest: {
          validityPeriod: { start: new Date().toISOString(), end: new Date(Date.now() - DAY).toISOString() },
          quantity: { value: 1 },
          expectedSupplyDuration: { value: 5, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
        },
      },
    });
    assert.equal(inverted.status, 400, JSON.stringify(inverted.body).slice(0, 300));
  });
});

describe('a pharmacist attached to a pharmacy', () => {
  let attached: Person;
  const put = async (resource: Record<string, unknown>) => {
    const res = await fhirFetch(server.fhirBase, `/${resource.resourceType}/${resource.id}`, {
      method: 'PUT',
      body: resource,
    });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  };
  const role = (active: boolean) => ({
    resourceType: 'PractitionerRole',
    id: 'ph-role',
    active,
    practitioner: { reference: 'Practitioner/ph-1' },
    organization: { reference: 'Organization/ph-org' },
    location: [{ reference: 'Location/ph-loc' }],
    code: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'pharmacist' }] },
    ],
  });

  before(async () => {
    await put({
      resourceType: 'Organization',
      id: 'ph-org',
      active: true,
      name: 'Pharmacie Ibn Sina',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/inpe', value: '987654321' }],
    });
    await put({
      resourceType: 'Location',
      id: 'ph-loc',
      status: 'active',
      name: 'Pharmacie Ibn Sina',
      address: { city: 'Fès', country: 'MA' },
    });
    await put({ resourceType: 'Practitioner', id: 'ph-1', name: [{ family: 'Berrada', given: ['Nadia'] }] });
    await put(role(true));
    attached = await signIn(server, ['pharmacist'], 'Practitioner/ph-1');
  });

  it('sees the pharmacy their account dispenses for; others see none, non-pharmacists are refused', async () => {
    const mine = await attached.call('/api/prescriptions/pharmacies');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, [{ name: 'Pharmacie Ibn Sina', city: 'Fès', inpe: '987654321' }]);
    assert.deepEqual((await pharmacist.call('/api/prescriptions/pharmacies')).body, []);
    const doctor = await world.doctor.call('/api/prescriptions/pharmacies');
    assert.equal(doctor.status, 403);
    assert.equal(doctor.body.resourceType, 'OperationOutcome');
    const anonymous = await fetch(`${server.url}/api/prescriptions/pharmacies`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).resourceType, 'OperationOutcome');
  });

  it('dispenses for that pharmacy without typing it; another name or INPE is refused and changes nothing', async () => {
    const rx = await prescribe([ITEMS[0]]);
    for (const body of [{ pharmacy: 'Pharmacie du Centre' }, { inpe: '123456789' }]) {
      const refused = await attached.call(`/api/prescriptions/verify/${rx.code}/dispense`, {
        method: 'POST',
        body,
      });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.resourceType, 'OperationOutcome');
    }
    assert.equal((await (await verify(rx.code)).json()).status, 'valid', 'the refusals changed nothing');
    const done = await attached.call(`/api/prescriptions/verify/${rx.code}/dispense`, {
      method: 'POST',
      body: {},
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await (await verify(rx.code)).json()).dispensedBy, 'Pharmacie Ibn Sina');
    const ids = await requestIds(rx.id);
    const dispensed = await fhirFetch(
      server.fhirBase,
      `/MedicationDispense?prescription=MedicationRequest/${ids[0]}`,
    );
    const record = dispensed.body.entry[0].resource;
    assert.equal(record.location.reference, 'Location/ph-loc');
    assert.equal(record.location.display, 'Pharmacie Ibn Sina (INPE 987654321)');
    assert.equal(record.performer[0].actor.reference, 'Practitioner/ph-1');
  });

  it('cannot attach themselves to a pharmacy, and an ended role attaches no one', async () => {
    const self = { ...role(true), id: 'ph-role-self', practitioner: { reference: 'Practitioner/ph-1' } };
    for (const person of [attached, pharmacist]) {
      assert.equal((await person.fhir('/PractitionerRole', { method: 'POST', body: self })).status, 403);
      assert.equal(
        (await person.fhir('/PractitionerRole/ph-role', { method: 'PUT', body: role(true) })).status,
        403,
      );
    }
    await put(role(false));
    try {
      assert.deepEqual((await attached.call('/api/prescriptions/pharmacies')).body, []);
      const rx = await prescribe([ITEMS[1]]);
      const untyped = await attached.call(`/api/prescriptions/verify/${rx.code}/dispense`, {
        method: 'POST',
        body: {},
      });
      assert.equal(untyped.status, 400, 'no longer attached: the pharmacy is typed again');
    } finally {
      await put(role(true));
    }
  });
});

describe('verifying at the pharmacy, without an account', () => {
  it('says valid, shows only what the pharmacist needs, and never the code of another', async () => {
    const rx = await prescribe();
    const verifications = async () =>
      (
        await server.platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_trail
            WHERE patient_id = $1::text AND content->>'outcomeDesc' = 'prescription verified by its code'`,
          [world.patientId],
        )
      ).rows[0].n;
    await new Promise((r) => setTimeout(r, 300)); // the audit writer batches every 50 ms
    const earlier = await verifications();
    const res = await verify(rx.code.toLowerCase().replace(/(.{4})/g, '$1-'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json();
    assert.equal(body.status, 'valid');
    assert.equal(body.items.length, 2);
    assert.deepEqual(body.patient, { initials: 'S. A.', birthYear: '1986' });
    assert.ok(!JSON.stringify(body).includes('Amrani'), 'the patient is not named on the public page');
    // the read by whoever holds the code is in the patient's audit trail, as any read of their record
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await verifications(), earlier + 1);
    assert.equal((await verify('0'.repeat(32))).status, 404);
    assert.equal((await verify('not-a-code')).status, 404);
  });

  it('dispenses once: a second dispensing is refused', async () => {
    const rx = await prescribe();
    const first = await dispense(rx.code);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await dispense(rx.code, 'Pharmacie du Centre');
    assert.equal(second.status, 409);
    const body = await (await verify(rx.code)).json();
    assert.equal(body.status, 'dispensed');
    assert.equal(body.dispensedBy, 'Pharmacie Al Amal, Rabat');
    const ids = await requestIds(rx.id);
    const dispensed = await world.patient.fhir(
      `/MedicationDispense?prescription=${ids.map((id) => `MedicationRequest/${id}`).join(',')}`,
    );
    assert.equal(dispensed.body.entry.length, 2);
    const requests = await world.patient.fhir(`/MedicationRequest?_id=${ids.join(',')}&status=completed`);
    assert.equal(requests.body.entry.length, 2);
  });

  it('is recorded by a signed-in pharmacist only, who is named in the record and the audit', async () => {
    const rx = await prescribe([ITEMS[1]]);
    const anonymous = await fetch(`${server.url}/api/prescriptions/verify/${rx.code}/dispense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pharmacy: 'Pharmacie Al Amal, Rabat' }),
    });
    assert.equal(anonymous.status, 401, 'holding the paper is not enough');
    assert.equal((await anonymous.json()).resourceType, 'OperationOutcome');
    for (const someone of [world.patient, world.doctor]) {
      const refused = await dispense(rx.code, 'Pharmacie Al Amal, Rabat', someone);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.resourceType, 'OperationOutcome');
    }
    assert.equal((await (await verify(rx.code)).json()).status, 'valid', 'the refusals changed nothing');
    const done = await dispense(rx.code);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const row = await server.platform.db.query<{ request_ids: string[]; dispensed_by: any }>(
      'SELECT request_ids, dispensed_by FROM prescription WHERE id = $1::text',
      [rx.id],
    );
    const by = row.rows[0].dispensed_by;
    const ids = row.rows[0].request_ids;
    const recorded = typeof by === 'string' ? JSON.parse(by) : by;
    assert.match(recorded.pharmacist.name, /^pharmacist \d+$/, 'the pharmacist who recorded it');
    const dispensed = await fhirFetch(
      server.fhirBase,
      `/MedicationDispense?prescription=MedicationRequest/${ids[0]}`,
    );
    const record = dispensed.body.entry[0].resource;
    assert.match(record.performer[0].actor.display, /^pharmacist /);
    assert.equal(record.location.display, 'Pharmacie Al Amal, Rabat (INPE 123456789)');
    // a pharmacist reads no record through FHIR: dispensing is all their account does
    assert.equal((await pharmacist.fhir(`/Patient/${world.patientId}`)).status, 403);
    assert.equal((await pharmacist.fhir(`/MedicationRequest/${ids[0]}`)).status, 403);
  });

  it('is marked dispensed only together with its record: a write the record refuses changes nothing', async () => {
    const rx = await prescribe([ITEMS[0]]);
    // a control character is not a FHIR string: the MedicationDispense naming this pharmacy is refused
    const refused = await dispense(rx.code, 'Pharmacie\u0001 Al Amal');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.resourceType, 'OperationOutcome');
    assert.equal((await (await verify(rx.code)).json()).status, 'valid', 'not marked dispensed');
    const ids = await requestIds(rx.id);
    const request = await fhirFetch(server.fhirBase, `/MedicationRequest/${ids[0]}`);
    assert.equal(request.body.status, 'active', 'the request was not completed');
    const done = await dispense(rx.code);
    assert.equal(done.status, 200, 'the pharmacist dispenses it once the name is right');
    const dispensed = await fhirFetch(
      server.fhirBase,
      `/MedicationDispense?prescription=MedicationRequest/${ids[0]}`,
    );
    assert.equal(dispensed.body.entry.length, 1);
  });

  it('dispenses once under a race of pharmacies', async () => {
    const rx = await prescribe([ITEMS[0]]);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => dispense(rx.code, `Pharmacie ${i + 1}`)),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
    const ids = await requestIds(rx.id);
    const dispensed = await fhirFetch(
      server.fhirBase,
      `/MedicationDispense?prescription=MedicationRequest/${ids[0]}`,
    );
    assert.equal(dispensed.body.entry.length, 1, 'one MedicationDispense, not eight');
  });

  it('says revoked once the prescriber withdraws it, which no one else can do', async () => {
    const rx = await prescribe();
    const url = `/api/prescriptions/${rx.id}/revoke`;
    assert.equal(
      (await world.otherDoctor.call(url, { method: 'POST', body: { reason: 'erreur' } })).status,
      404,
    );
    assert.equal((await world.patient.call(url, { method: 'POST', body: { reason: 'erreur' } })).status, 404);
    assert.equal(
      (await world.doctor.call(url, { method: 'POST', body: { reason: 'Erreur de posologie' } })).status,
      200,
    );
    assert.equal((await (await verify(rx.code)).json()).status, 'revoked');
    assert.equal((await dispense(rx.code)).status, 409);
    const dispensedOne = await prescribe([ITEMS[0]]);
    await dispense(dispensedOne.code);
    const late = await world.doctor.call(`/api/prescriptions/${dispensedOne.id}/revoke`, {
      method: 'POST',
      body: { reason: 'trop tard' },
    });
    assert.equal(late.status, 409);
  });

  it('is revoked only together with its cancelled requests: a reason the record refuses changes nothing', async () => {
    const rx = await prescribe([ITEMS[0]]);
    const url = `/api/prescriptions/${rx.id}/revoke`;
    const refused = await world.doctor.call(url, {
      method: 'POST',
      body: { reason: 'erreur\u0001 de dose' },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.resourceType, 'OperationOutcome');
    assert.equal((await (await verify(rx.code)).json()).status, 'valid', 'not revoked');
    const done = await world.doctor.call(url, { method: 'POST', body: { reason: 'Erreur de dose' } });
    assert.equal(done.status, 200);
    const ids = await requestIds(rx.id);
    const request = await fhirFetch(server.fhirBase, `/MedicationRequest/${ids[0]}`);
    assert.equal(request.body.status, 'cancelled');
    assert.equal(request.body.statusReason.text, 'Erreur de dose');
  });

  it('says tampered when one character of the signed content changes, and refuses to dispense it', async () => {
    const rx = await prescribe();
    const list = await world.patient.fhir(`/MedicationRequest?subject=Patient/${world.patientId}&_count=100`);
    const request = list.body.entry
      .map((e: { resource: any }) => e.resource)
      .find((r: any) => r.identifier?.[0]?.value === rx.id);
    const text: string = request.dosageInstruction[0].text;
    const altered = { ...request, dosageInstruction: [{ text: text.replace('1', '4') }] };
    assert.equal(altered.dosageInstruction[0].text.length, text.length);
    const put = await fhirFetch(server.fhirBase, `/MedicationRequest/${request.id}`, {
      method: 'PUT',
      body: altered,
    });
    assert.equal(put.status, 200);
    const body = await (await verify(rx.code)).json();
    assert.equal(body.status, 'tampered');
    assert.equal(body.items, undefined, 'nothing of an altered prescription is shown');
    assert.equal((await dispense(rx.code)).status, 409);
  });

  it('says tampered when the signature itself is altered', async () => {
    const rx = await prescribe([ITEMS[1]]);
    const row = await server.platform.db.query<{ provenance_id: string }>(
      'SELECT provenance_id FROM prescription WHERE id = $1::text',
      [rx.id],
    );
    const provenance = (await fhirFetch(server.fhirBase, `/Provenance/${row.rows[0].provenance_id}`)).body;
    const jws = Buffer.from(provenance.signature[0].data, 'base64').toString();
    const [h, payload, sig] = jws.split('.');
    const flipped = `${h}.${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    provenance.signature[0].data = Buffer.from(flipped).toString('base64');
    assert.equal(
      (await fhirFetch(server.fhirBase, `/Provenance/${provenance.id}`, { method: 'PUT', body: provenance }))
        .status,
      200,
    );
    assert.equal((await (await verify(rx.code)).json()).status, 'tampered');
  });

  it('throttles a burst of guesses from one address (429)', async () => {
    const statuses = [];
    for (let i = 0; i < 45; i++) statuses.push((await verify('Z'.repeat(32))).status);
    assert.ok(statuses.includes(429), 'guessing is throttled');
    assert.ok(statuses.every((s) => s === 404 || s === 429));
  });
});
