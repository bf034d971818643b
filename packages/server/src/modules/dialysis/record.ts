/**
 * What the patient's shared record says that guest dialysis needs: the latest serology, ECG and
 * labs, the dialysis prescription (parameters, weekdays, usual shift), the vascular access, whether
 * medicines and allergies are recorded. Read on the platform's behalf after the caller was checked.
 */
import type {
  AllergyIntolerance,
  Extension,
  Observation,
  Procedure,
  Quantity,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import type { Weekday } from '../scheduling/calendar.ts';
import type { PatientFacts, PrescriptionFacts } from './readiness.ts';
import {
  DIALYSIS_SYSTEM,
  ECG,
  EXT,
  LABS,
  POSITIVE,
  PRESCRIPTION,
  SEROLOGY,
  SEROLOGY_KEYS,
  type Shift,
  shiftOf,
  UCUM,
  VASCULAR_ACCESS,
} from './terms.ts';

const token = (c: { system: string; code: string }) => `${c.system}|${c.code}`;
const effective = (o: Observation) => o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued ?? '';

export interface PrescriptionParams {
  durationMinutes?: number;
  bloodFlow?: number;
  dialyser?: string;
  dialysate?: string;
  anticoagulation?: string;
  dryWeightKg?: number;
}

const ext = (url: string, value: Omit<Extension, 'url'>): Extension => ({ url, ...value });
const quantity = (value: number, unit: string, code = unit): Quantity => ({
  value,
  unit,
  system: UCUM,
  code,
});

export function prescriptionExtension(p: PrescriptionParams): Extension {
  return ext(EXT.prescription, {
    extension: [
      ...(p.durationMinutes !== undefined
        ? [ext('duration', { valueQuantity: quantity(p.durationMinutes, 'min') })]
        : []),
      ...(p.bloodFlow !== undefined
        ? [ext('bloodFlow', { valueQuantity: quantity(p.bloodFlow, 'mL/min') })]
        : []),
      ...(p.dialyser ? [ext('dialyser', { valueString: p.dialyser })] : []),
      ...(p.dialysate ? [ext('dialysate', { valueString: p.dialysate })] : []),
      ...(p.anticoagulation ? [ext('anticoagulation', { valueString: p.anticoagulation })] : []),
      ...(p.dryWeightKg !== undefined
        ? [ext('dryWeight', { valueQuantity: quantity(p.dryWeightKg, 'kg') })]
        : []),
    ],
  });
}

export function prescriptionParams(sr: ServiceRequest): PrescriptionParams {
  const e = sr.extension?.find((x) => x.url === EXT.prescription);
  const one = (url: string) => e?.extension?.find((x) => x.url === url);
  const out: PrescriptionParams = {};
  const duration = one('duration')?.valueQuantity?.value;
  if (duration !== undefined) out.durationMinutes = duration;
  const flow = one('bloodFlow')?.valueQuantity?.value;
  if (flow !== undefined) out.bloodFlow = flow;
  const dry = one('dryWeight')?.valueQuantity?.value;
  if (dry !== undefined) out.dryWeightKg = dry;
  for (const k of ['dialyser', 'dialysate', 'anticoagulation'] as const) {
    const v = one(k)?.valueString;
    if (v) out[k] = v;
  }
  return out;
}

export interface DialysisProfile {
  facts: PatientFacts;
  homeDays: Weekday[];
  shift?: Shift;
  /** HBs antigen positive on the latest test: an isolation chair. */
  needsIsolation: boolean;
  prescription?: ServiceRequest;
}

export async function loadProfile(store: FhirStore, patientId: string): Promise<DialysisProfile> {
  const patient = `Patient/${patientId}`;
  const search = async <T>(type: string, query: [string, string][]) =>
    (await store.search(type, [['patient', patient], ...query])).matches as T[];
  const serology = await search<Observation>('Observation', [
    ['code', SEROLOGY_KEYS.map((k) => token(SEROLOGY[k])).join(',')],
    ['_sort', '-date'],
    ['_count', '100'],
  ]);
  const facts: PatientFacts = { serology: {}, medications: 0, allergiesRecorded: false };
  for (const key of SEROLOGY_KEYS) {
    const latest = serology
      .filter(
        (o) => o.status !== 'entered-in-error' && o.code.coding?.some((c) => c.code === SEROLOGY[key].code),
      )
      .sort((a, b) => effective(b).localeCompare(effective(a)))[0];
    if (latest)
      facts.serology[key] = {
        date: effective(latest),
        ref: `Observation/${latest.id}`,
        positive: !!latest.valueCodeableConcept?.coding?.some((c) => c.code === POSITIVE.code),
        byPatient: !!latest.performer?.some((p) => p.reference === patient),
      };
  }
  const [ecg] = await search<Observation>('Observation', [
    ['code', token(ECG)],
    ['_sort', '-date'],
    ['_count', '1'],
  ]);
  if (ecg) facts.ecg = { date: effective(ecg), ref: `Observation/${ecg.id}` };
  const [lab] = await search<Observation>('Observation', [
    ['code', Object.values(LABS).map(token).join(',')],
    ['_sort', '-date'],
    ['_count', '1'],
  ]);
  if (lab) facts.latestLab = { date: effective(lab), ref: `Observation/${lab.id}` };
  const [prescription] = await search<ServiceRequest>('ServiceRequest', [
    ['category', token(PRESCRIPTION)],
    ['status', 'active'],
    ['_sort', '-authored'],
    ['_count', '1'],
  ]);
  if (prescription) {
    const p: PrescriptionFacts = {
      ref: `ServiceRequest/${prescription.id}`,
      ...prescriptionParams(prescription),
    };
    facts.prescription = p;
  }
  const [access] = (
    await search<Procedure>('Procedure', [
      ['category', token(VASCULAR_ACCESS)],
      ['_sort', '-date'],
      ['_count', '5'],
    ])
  ).filter((x) => x.status !== 'entered-in-error');
  if (access)
    facts.access = {
      date: access.performedDateTime ?? access.performedPeriod?.start ?? '',
      ref: `Procedure/${access.id}`,
      kind:
        access.code?.coding?.find((c) => c.system === DIALYSIS_SYSTEM)?.code ??
        access.code?.text ??
        'recorded',
    };
  const count = async (type: string, query: [string, string][]) =>
    (await store.search(type, [['patient', patient], ...query, ['_summary', 'count']])).total ?? 0;
  facts.medications =
    (await count('MedicationStatement', [['status', 'active']])) +
    (await count('MedicationRequest', [['status', 'active']]));
  const allergies = await search<AllergyIntolerance>('AllergyIntolerance', [['_count', '5']]);
  facts.allergiesRecorded = allergies.some(
    (a) => a.verificationStatus?.coding?.[0]?.code !== 'entered-in-error',
  );
  const repeat = prescription?.occurrenceTiming?.repeat;
  const homeDays = (repeat?.dayOfWeek ?? ['mon', 'wed', 'fri']) as Weekday[];
  const time = repeat?.timeOfDay?.[0];
  return {
    facts,
    homeDays,
    ...(time ? { shift: shiftOf(time) } : {}),
    needsIsolation: !!facts.serology.hbv?.positive,
    ...(prescription ? { prescription } : {}),
  };
}
