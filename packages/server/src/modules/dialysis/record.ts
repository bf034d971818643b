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
  type SerologyKey,
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
    const latest = latestSerology(serology, key, patient);
    if (latest) facts.serology[key] = latest;
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
  const prescription = await activePrescription(store, patient);
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
  return { facts, ...rhythmOf(prescription), needsIsolation: !!facts.serology.hbv?.positive };
}

/** What a search for chairs needs: the home rhythm and whether the chair must be an isolation one. */
export type TravelNeeds = Omit<DialysisProfile, 'facts'>;

/**
 * The same rhythm and isolation answer as `loadProfile`, from two reads instead of eight: the trip
 * search runs at every keystroke of a patient planning a holiday and needs nothing else.
 */
export async function loadTravelNeeds(store: FhirStore, patientId: string): Promise<TravelNeeds> {
  const patient = `Patient/${patientId}`;
  const [prescription, hbv] = await Promise.all([
    activePrescription(store, patient),
    store.search('Observation', [
      ['patient', patient],
      ['code', token(SEROLOGY.hbv)],
      ['_sort', '-date'],
      ['_count', '20'],
    ]),
  ]);
  const latest = latestSerology(hbv.matches as Observation[], 'hbv', patient);
  return { ...rhythmOf(prescription), needsIsolation: !!latest?.positive };
}

async function activePrescription(store: FhirStore, patient: string): Promise<ServiceRequest | undefined> {
  const found = await store.search('ServiceRequest', [
    ['patient', patient],
    ['category', token(PRESCRIPTION)],
    ['status', 'active'],
    ['_sort', '-authored'],
    ['_count', '1'],
  ]);
  return found.matches[0] as ServiceRequest | undefined;
}

function rhythmOf(prescription: ServiceRequest | undefined): TravelNeeds {
  const repeat = prescription?.occurrenceTiming?.repeat;
  const homeDays = (repeat?.dayOfWeek ?? ['mon', 'wed', 'fri']) as Weekday[];
  const time = repeat?.timeOfDay?.[0];
  return {
    homeDays,
    ...(time ? { shift: shiftOf(time) } : {}),
    needsIsolation: false,
    ...(prescription ? { prescription } : {}),
  };
}

/** The latest valid result of one serology among observations (entered-in-error ones never count). */
function latestSerology(observations: Observation[], key: SerologyKey, patient: string) {
  const latest = observations
    .filter(
      (o) => o.status !== 'entered-in-error' && o.code.coding?.some((c) => c.code === SEROLOGY[key].code),
    )
    .sort((a, b) => effective(b).localeCompare(effective(a)))[0];
  if (!latest) return undefined;
  return {
    date: effective(latest),
    ref: `Observation/${latest.id}`,
    positive: !!latest.valueCodeableConcept?.coding?.some((c) => c.code === POSITIVE.code),
    byPatient: !!latest.performer?.some((p) => p.reference === patient),
  };
}
