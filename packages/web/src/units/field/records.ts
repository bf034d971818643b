/**
 * What the field app records, as the entries of its sync bundle: each new record is a conditional
 * create on its field-record identifier (a UUID made on the device), referring to the others by
 * `urn:uuid:` until the server gives them ids. Pure (the UUID and clock are passed in).
 */
export const FIELD = 'https://sahti.ma/fhir/NamingSystem/field-record';
export const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

export interface Entry {
  fullUrl: string;
  resource: { resourceType: string } & Record<string, unknown>;
  request: { method: 'POST'; url: string; ifNoneExist: string };
}

export function newRecord(resource: Entry['resource'], uuid: string): Entry {
  return {
    fullUrl: `urn:uuid:${uuid}`,
    resource: {
      ...resource,
      identifier: [...((resource.identifier as unknown[]) ?? []), { system: FIELD, value: uuid }],
    },
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${FIELD}|${uuid}` },
  };
}

export interface Registration {
  family: string;
  given: string;
  birthDate: string;
  gender: 'female' | 'male';
  cnie?: string;
  phone?: string;
  /** A child registered under a parent: the parent's reference (Patient/… or urn:uuid:…) and name. */
  parent?: { reference: string; name: string; relationship: 'MTH' | 'FTH' };
}

export function registration(unit: string, r: Registration, uuid: () => string): Entry[] {
  const patient = newRecord(
    {
      resourceType: 'Patient',
      name: [{ family: r.family.trim(), given: [r.given.trim()] }],
      birthDate: r.birthDate,
      gender: r.gender,
      managingOrganization: { reference: `Organization/${unit}` },
      ...(r.cnie ? { identifier: [{ system: CNIE, value: r.cnie.trim().toUpperCase() }] } : {}),
      ...(r.phone ? { telecom: [{ system: 'sms', value: r.phone.trim() }] } : {}),
      ...(r.parent
        ? {
            contact: [
              {
                relationship: [
                  {
                    coding: [
                      {
                        system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
                        code: r.parent.relationship,
                      },
                    ],
                  },
                ],
                name: { text: r.parent.name },
              },
            ],
          }
        : {}),
    },
    uuid(),
  );
  const out = [patient];
  if (r.parent)
    out.push(
      newRecord(
        {
          resourceType: 'RelatedPerson',
          patient: { reference: patient.fullUrl },
          relationship: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: r.parent.relationship },
              ],
            },
          ],
          name: [{ text: r.parent.name }],
          extension: [
            {
              url: 'https://sahti.ma/fhir/StructureDefinition/parent-patient',
              valueReference: { reference: r.parent.reference },
            },
          ],
        },
        uuid(),
      ),
    );
  return out;
}

export interface Vitals {
  systolic?: number;
  diastolic?: number;
  temperature?: number;
  spo2?: number;
  weight?: number;
  glucose?: number;
  /** Device that measured, per reading kind. */
  devices?: Partial<Record<'bp' | 'temperature' | 'spo2' | 'weight' | 'glucose', string>>;
}

const vital = (code: string, display: string) => ({ coding: [{ system: LOINC, code, display }] });
const quantity = (value: number, unit: string) => ({ value, unit, system: UCUM, code: unit });

export function visit(
  unit: string,
  patient: string,
  practitioner: string | undefined,
  v: Vitals,
  at: string,
  uuid: () => string,
  stop?: string,
): Entry[] {
  const encounter = newRecord(
    {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: patient },
      serviceProvider: { reference: `Organization/${unit}` },
      ...(practitioner ? { participant: [{ individual: { reference: practitioner } }] } : {}),
      ...(stop ? { location: [{ location: { reference: stop } }] } : {}),
      period: { start: at, end: at },
    },
    uuid(),
  );
  const base = (code: { coding: { code: string }[] }, device?: string) => ({
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code,
    subject: { reference: patient },
    encounter: { reference: encounter.fullUrl },
    effectiveDateTime: at,
    ...(device ? { device: { reference: device } } : {}),
  });
  const obs: Entry['resource'][] = [];
  if (v.systolic && v.diastolic)
    obs.push({
      ...base(vital('85354-9', 'Blood pressure panel'), v.devices?.bp),
      component: [
        { code: vital('8480-6', 'Systolic'), valueQuantity: quantity(v.systolic, 'mm[Hg]') },
        { code: vital('8462-4', 'Diastolic'), valueQuantity: quantity(v.diastolic, 'mm[Hg]') },
      ],
    });
  if (v.temperature)
    obs.push({
      ...base(vital('8310-5', 'Body temperature'), v.devices?.temperature),
      valueQuantity: quantity(v.temperature, 'Cel'),
    });
  if (v.spo2)
    obs.push({ ...base(vital('59408-5', 'SpO2'), v.devices?.spo2), valueQuantity: quantity(v.spo2, '%') });
  if (v.weight)
    obs.push({
      ...base(vital('29463-7', 'Body weight'), v.devices?.weight),
      valueQuantity: quantity(v.weight, 'kg'),
    });
  if (v.glucose)
    obs.push({
      ...base(vital('2339-0', 'Glucose'), v.devices?.glucose),
      valueQuantity: quantity(v.glucose, 'mg/dL'),
    });
  return [encounter, ...obs.map((o) => newRecord(o, uuid()))];
}

export function teleExpertiseRequest(
  unit: string,
  patient: string,
  requester: string,
  input: {
    specialty: string;
    priority: 'routine' | 'urgent' | 'asap' | 'stat';
    question: string;
    findings?: string[];
  },
  at: string,
  uuid: () => string,
): Entry[] {
  const owner = { reference: `Organization/hub-${input.specialty}` };
  const request = newRecord(
    {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: input.priority,
      code: { text: `Télé-expertise : ${input.specialty}` },
      subject: { reference: patient },
      requester: { reference: requester },
      performer: [owner],
      authoredOn: at,
      note: [{ text: input.question }],
      ...(input.findings?.length
        ? { supportingInfo: input.findings.map((reference) => ({ reference })) }
        : {}),
    },
    uuid(),
  );
  const task = newRecord(
    {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      priority: input.priority,
      code: { coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/task-code', code: 'tele-expertise' }] },
      for: { reference: patient },
      focus: { reference: request.fullUrl },
      requester: { reference: requester },
      owner,
      authoredOn: at,
      description: input.question.slice(0, 120),
      extension: [
        {
          url: 'https://sahti.ma/fhir/StructureDefinition/requesting-unit',
          valueReference: { reference: `Organization/${unit}` },
        },
      ],
    },
    uuid(),
  );
  return [request, task];
}
