/**
 * A small guest-dialysis world for tests: centres (Rabat, Agadir, Marrakech, Paris) whose guest
 * chairs have four-hour slots all day every day (so a stay can start today whatever the hour),
 * patients with a complete dialysis record (or one with an old hepatitis C serology), their home
 * nephrologist, and the staff of the centres — written through the FHIR API as a system client.
 */
import assert from 'node:assert/strict';
import type { Bundle, Schedule } from '@medplum/fhirtypes';
import { DemoBundleBuilder } from '../../packages/server/src/demo/bundle-builder.ts';
import { Random } from '../../packages/server/src/demo/random.ts';
import { chairExtension } from '../../packages/server/src/modules/dialysis/centres.ts';
import {
  addCentre,
  type CentreRefs,
  chairTemplate,
} from '../../packages/server/src/modules/dialysis/network.ts';
import { prescriptionExtension } from '../../packages/server/src/modules/dialysis/record.ts';
import {
  ECG,
  haemodialysisConcept,
  LABS,
  NEGATIVE,
  PRESCRIPTION,
  SEROLOGY,
  VASCULAR_ACCESS,
} from '../../packages/server/src/modules/dialysis/terms.ts';
import { addDays, localDate, weekdayOf } from '../../packages/server/src/modules/scheduling/calendar.ts';
import { materializeSchedules } from '../../packages/server/src/modules/scheduling/materialize.ts';
import { templateExtension } from '../../packages/server/src/modules/scheduling/template.ts';
import { fhirFetch, type TestServer } from './server.ts';

/** Four-hour slots around the clock (5 a day), so that a stay starting today always has one. */
export const ALL_DAY: [string, string][] = [
  ['00:00', '04:00'],
  ['04:30', '08:30'],
  ['09:00', '13:00'],
  ['13:30', '17:30'],
  ['19:00', '23:00'],
];
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const today = () => localDate(new Date());
/**
 * A rhythm whose next session at home is tomorrow (and the two after, two days apart): a stay
 * starting today then needs its first session tomorrow at the latest, never later today — so the
 * tests pass at any hour, when today's last shift has already begun.
 */
export const rhythmFromTomorrow = () => [1, 3, 5].map((n) => weekdayOf(addDays(today(), n)));
export const inDays = (n: number) => addDays(today(), n);

async function post(server: TestServer, bundle: Bundle): Promise<Bundle> {
  const res = await fhirFetch(server.fhirBase, '/', { method: 'POST', body: bundle });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
  return res.body as Bundle;
}

const idIn = (bundle: Bundle, response: Bundle, fullUrl: string | undefined): string => {
  const i = bundle.entry?.findIndex((e) => e.fullUrl === fullUrl) ?? -1;
  const r = response.entry?.[i]?.resource;
  return `${r?.resourceType}/${r?.id}`;
};

export interface Centre {
  organization: string;
  service: string;
  location: string;
  schedules: string[];
}

let seed = 1;

/** A centre with `chairs` guest chairs (standard unless said), slots derived for `days` days. */
export async function addTestCentre(
  server: TestServer,
  options: {
    name: string;
    city: string;
    country?: string;
    position?: { latitude: number; longitude: number };
    chairs?: {
      kind: 'standard' | 'isolation';
      label: string;
      shifts?: [string, string][];
      days?: readonly string[];
    }[];
    serologyWindowDays?: number;
    minNoticeDays?: number;
    languages?: string[];
    days?: number;
  },
): Promise<Centre> {
  const builder = new DemoBundleBuilder(new Random(seed++));
  const refs: CentreRefs = addCentre(builder, {
    name: options.name,
    address: { city: options.city, country: options.country ?? 'MA' },
    ...(options.position ? { position: options.position } : {}),
    languages: options.languages ?? ['ary', 'ar', 'fr'],
    coverages: ['cnss', 'cnops', 'self-pay'],
    price: { value: 900, currency: 'MAD' },
    serologyWindowDays: options.serologyWindowDays ?? 90,
    labsWindowDays: 60,
    minNoticeDays: options.minNoticeDays ?? 0,
    chairs: [],
  });
  const chairs = options.chairs ?? [
    { kind: 'standard', label: 'Fauteuil 1' },
    { kind: 'standard', label: 'Fauteuil 2' },
  ];
  for (const chair of chairs) {
    builder.add<Schedule>({
      resourceType: 'Schedule',
      active: true,
      serviceType: [haemodialysisConcept()],
      actor: [refs.service, refs.location],
      extension: [
        chairExtension(chair.kind, chair.label),
        templateExtension(chairTemplate((chair.days ?? EVERY_DAY) as never, chair.shifts ?? ALL_DAY)),
      ],
    });
  }
  const bundle = builder.build();
  const response = await post(server, bundle);
  const schedules = (response.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Schedule => r?.resourceType === 'Schedule');
  await materializeSchedules(server.platform.handler, server.platform.db, schedules, options.days ?? 9);
  return {
    organization: idIn(bundle, response, refs.organization.reference),
    service: idIn(bundle, response, refs.service.reference),
    location: idIn(bundle, response, refs.location.reference),
    schedules: schedules.map((s) => `Schedule/${s.id}`),
  };
}

/** A practitioner working at an organisation (with a nephrology specialty when said). */
export async function addPractitioner(
  server: TestServer,
  organization: string,
  name: string,
  nephrology = false,
): Promise<string> {
  const res = await fhirFetch(server.fhirBase, '/', {
    method: 'POST',
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001',
          resource: { resourceType: 'Practitioner', name: [{ family: name }] },
          request: { method: 'POST', url: 'Practitioner' },
        },
        {
          resource: {
            resourceType: 'PractitionerRole',
            active: true,
            practitioner: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' },
            organization: { reference: organization },
            ...(nephrology
              ? {
                  specialty: [
                    {
                      coding: [
                        { system: 'http://snomed.info/sct', code: '394589003', display: 'Nephrology' },
                      ],
                    },
                  ],
                }
              : {}),
          },
          request: { method: 'POST', url: 'PractitionerRole' },
        },
      ],
    },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
  return `Practitioner/${res.body.entry[0].resource.id}`;
}

/**
 * A haemodialysis patient with a complete record (prescription Mon/Wed/Fri midday, fistula,
 * medicines, no known allergy, labs, ECG, serology), followed by `nephrologist` (a care team).
 * `hcvDaysAgo` makes the hepatitis C serology as old as wanted; `hbsPositive` asks for isolation.
 */
export async function addDialysisPatient(
  server: TestServer,
  options: {
    name: string;
    nephrologist: string;
    homeCentre: string;
    hcvDaysAgo?: number;
    hbsPositive?: boolean;
    email?: string;
  },
): Promise<string> {
  const subject = { reference: 'urn:uuid:00000000-0000-4000-8000-00000000000a' };
  const lab = (coding: object, daysAgo: number, value: object, category = 'laboratory') => ({
    resourceType: 'Observation',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] },
    ],
    code: { coding: [coding] },
    subject,
    effectiveDateTime: inDays(-daysAgo),
    ...value,
  });
  const negative = { valueCodeableConcept: { coding: [NEGATIVE] } };
  const positive = {
    valueCodeableConcept: {
      coding: [{ system: 'http://snomed.info/sct', code: '10828004', display: 'Positive' }],
    },
  };
  const resources: object[] = [
    {
      resourceType: 'Patient',
      name: [{ family: options.name, given: ['Test'] }],
      gender: 'female',
      birthDate: '1970-01-01',
      telecom: [{ system: 'email', value: options.email ?? `${options.name.toLowerCase()}@example.ma` }],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr' }] }, preferred: true }],
    },
    {
      resourceType: 'CareTeam',
      status: 'active',
      subject,
      participant: [
        { member: { reference: options.nephrologist } },
        { member: { reference: options.homeCentre } },
      ],
    },
    {
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '433146000', display: 'Chronic kidney disease stage 5' },
        ],
      },
      subject,
    },
    {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
        ],
      },
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '716186003', display: 'No known allergy (situation)' },
        ],
      },
      patient: subject,
    },
    {
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: { text: 'Carbonate de calcium 500 mg' },
      subject,
      effectiveDateTime: inDays(-100),
    },
    {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [{ coding: [PRESCRIPTION] }],
      code: haemodialysisConcept(),
      subject,
      authoredOn: inDays(-30),
      occurrenceTiming: {
        repeat: {
          frequency: 3,
          period: 1,
          periodUnit: 'wk',
          dayOfWeek: rhythmFromTomorrow(),
          timeOfDay: ['09:00:00'],
        },
      },
      extension: [
        prescriptionExtension({
          durationMinutes: 240,
          bloodFlow: 300,
          dialyser: 'high-flux 1.8 m²',
          dialysate: 'K 2 / Ca 1.5',
          anticoagulation: 'heparin',
          dryWeightKg: 64,
        }),
      ],
    },
    {
      resourceType: 'Procedure',
      status: 'completed',
      category: { coding: [VASCULAR_ACCESS] },
      code: {
        coding: [{ system: VASCULAR_ACCESS.system, code: 'av-fistula', display: 'Arteriovenous fistula' }],
      },
      subject,
      performedDateTime: '2020-01-10',
    },
    lab(SEROLOGY.hbv, 10, options.hbsPositive ? positive : negative),
    lab(SEROLOGY.hcv, options.hcvDaysAgo ?? 10, negative),
    lab(SEROLOGY.hiv, 10, negative),
    lab(ECG, 100, { valueString: 'normal' }, 'procedure'),
    lab(LABS.haemoglobin, 5, {
      valueQuantity: { value: 11, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
    }),
  ];
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource, i) => ({
      ...(i === 0 ? { fullUrl: subject.reference } : {}),
      resource: resource as never,
      request: { method: 'POST', url: (resource as { resourceType: string }).resourceType },
    })),
  };
  const response = await post(server, bundle);
  return `Patient/${response.entry?.[0]?.resource?.id}`;
}
