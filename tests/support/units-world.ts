/**
 * A mobile-unit world for integration tests: an administrator, a programme manager, two units
 * (A and B) each with a GP and a nurse, a cardiologist and a dermatologist of the hub, and helpers
 * to build a field device's sync bundle (conditional creates on field-record identifiers).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Person, signIn } from './people.ts';
import { fhirFetch, type TestServer } from './server.ts';

export const FIELD = 'https://sahti.ma/fhir/NamingSystem/field-record';
export const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';

export interface UnitsWorld {
  admin: Person;
  manager: Person;
  unitA: string;
  unitB: string;
  gpA: Person;
  nurseA: Person;
  gpB: Person;
  gpAId: string;
  nurseAId: string;
  gpBId: string;
  cardiologistId: string;
  cardiologist: Person;
  dermatologist: Person;
}

export async function seedUnitsWorld(server: TestServer): Promise<UnitsWorld> {
  const tag = randomBytes(3).toString('hex');
  const ids = {
    gpA: `gpa-${tag}`,
    nurseA: `nua-${tag}`,
    gpB: `gpb-${tag}`,
    cardio: `car-${tag}`,
    derm: `der-${tag}`,
  };
  for (const [key, id] of Object.entries(ids)) {
    const res = await fhirFetch(server.fhirBase, `/Practitioner/${id}`, {
      method: 'PUT',
      body: { resourceType: 'Practitioner', id, name: [{ family: key, given: ['Test'] }] },
    });
    assert.ok(res.status < 300);
  }
  const admin = await signIn(server, ['administrator']);
  const manager = await signIn(server, ['programme-manager']);
  const unit = async (name: string, commune: string) => {
    const res = await admin.call('/api/units', { method: 'POST', body: { name, baseCommune: commune } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const unitA = await unit(`Unité A ${tag}`, '09.541.01.03');
  const unitB = await unit(`Unité B ${tag}`, '09.541.01.05');
  for (const [u, members] of [
    [
      unitA,
      [
        { practitioner: `Practitioner/${ids.gpA}`, role: 'gp' },
        { practitioner: `Practitioner/${ids.nurseA}`, role: 'nurse' },
      ],
    ],
    [unitB, [{ practitioner: `Practitioner/${ids.gpB}`, role: 'gp' }]],
  ] as const) {
    const res = await admin.call(`/api/units/${u}/roster`, { method: 'PUT', body: { members } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  for (const [id, specialty] of [
    [ids.cardio, 'cardiology'],
    [ids.derm, 'dermatology'],
  ]) {
    const res = await fhirFetch(server.fhirBase, `/PractitionerRole/hub-${id}`, {
      method: 'PUT',
      body: {
        resourceType: 'PractitionerRole',
        id: `hub-${id}`,
        active: true,
        practitioner: { reference: `Practitioner/${id}` },
        organization: { reference: `Organization/hub-${specialty}` },
      },
    });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  }
  return {
    admin,
    manager,
    unitA,
    unitB,
    gpA: await signIn(server, ['doctor'], `Practitioner/${ids.gpA}`),
    nurseA: await signIn(server, ['nurse'], `Practitioner/${ids.nurseA}`),
    gpB: await signIn(server, ['doctor'], `Practitioner/${ids.gpB}`),
    gpAId: ids.gpA,
    nurseAId: ids.nurseA,
    gpBId: ids.gpB,
    cardiologistId: ids.cardio,
    cardiologist: await signIn(server, ['hub-specialist'], `Practitioner/${ids.cardio}`),
    dermatologist: await signIn(server, ['hub-specialist'], `Practitioner/${ids.derm}`),
  };
}

export interface FieldVisit {
  patient: string;
  encounter: string;
  entries: any[];
}

/** A new record as the field app sends it: a conditional create on its field-record identifier. */
export const fieldRecord = (resource: any, uuid = randomUUID()) => ({
  fullUrl: `urn:uuid:${uuid}`,
  resource: { ...resource, identifier: [...(resource.identifier ?? []), { system: FIELD, value: uuid }] },
  request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${FIELD}|${uuid}` },
});

/** A new patient registered in the field, an Encounter and `observations` vital signs. */
export function fieldVisit(
  unit: string,
  options: { cnie?: string; family?: string; observations?: number; gp?: string } = {},
): FieldVisit {
  const patient = fieldRecord({
    resourceType: 'Patient',
    name: [{ family: options.family ?? 'Ait Brahim', given: ['Fatima'] }],
    gender: 'female',
    birthDate: '1971-03-02',
    managingOrganization: { reference: `Organization/${unit}` },
    ...(options.cnie ? { identifier: [{ system: CNIE, value: options.cnie }] } : {}),
    telecom: [{ system: 'sms', value: '+212600000099' }],
  });
  const encounter = fieldRecord({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: patient.fullUrl },
    serviceProvider: { reference: `Organization/${unit}` },
    ...(options.gp ? { participant: [{ individual: { reference: options.gp } }] } : {}),
    period: { start: '2026-11-30T09:00:00Z', end: '2026-11-30T09:20:00Z' },
  });
  const observations = Array.from({ length: options.observations ?? 2 }, (_, i) =>
    fieldRecord({
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] },
      subject: { reference: patient.fullUrl },
      encounter: { reference: encounter.fullUrl },
      effectiveDateTime: `2026-11-30T09:${String(5 + i).padStart(2, '0')}:00Z`,
      valueQuantity: { value: 37 + i / 10, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
    }),
  );
  return {
    patient: patient.fullUrl,
    encounter: encounter.fullUrl,
    entries: [patient, encounter, ...observations],
  };
}

/** A tele-expertise request of the unit's GP: ServiceRequest + Task owned by a hub specialty. */
export function teleExpertise(
  unit: string,
  gp: string,
  patient: string,
  specialty: string,
  priority = 'routine',
) {
  const request = fieldRecord({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    code: { text: `Tele-expertise: ${specialty}` },
    subject: { reference: patient },
    requester: { reference: gp },
    performer: [{ reference: `Organization/hub-${specialty}` }],
    note: [{ text: 'Souffle systolique, dyspnée d’effort. Avis ?' }],
    priority,
  });
  const task = fieldRecord({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority,
    code: { coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/task-code', code: 'tele-expertise' }] },
    for: { reference: patient },
    focus: { reference: request.fullUrl },
    requester: { reference: gp },
    owner: { reference: `Organization/hub-${specialty}` },
    authoredOn: new Date().toISOString(),
    description: `Tele-expertise ${specialty}`,
    extension: [
      {
        url: 'https://sahti.ma/fhir/StructureDefinition/requesting-unit',
        valueReference: { reference: `Organization/${unit}` },
      },
    ],
  });
  return [request, task];
}

export const bundleOf = (entries: any[]) => ({ resourceType: 'Bundle', type: 'transaction', entry: entries });
export const sync = (person: Person, entries: any[], batch = randomUUID()) =>
  person.call('/api/units/sync', { method: 'POST', body: { batch, bundle: bundleOf(entries) } });
