/**
 * Sahti demo data: a deterministic FHIR R4 transaction Bundle of synthetic patients, with their care
 * team and clinical history, placed in real Moroccan communes and facilities (data/reference).
 *
 * The same options always produce the same bundle, byte for byte (seeded PRNG, fixed reference
 * date). Generation is O(patients): benchmarks build thousands of patients with it.
 */
import type { Bundle, Organization } from '@medplum/fhirtypes';
import { DemoBundleBuilder } from './bundle-builder.ts';
import { addAllergy, addConditions, addMedications, drawProfile } from './clinical-history.ts';
import { addEncountersWithObservations } from './encounters.ts';
import { addFacilities } from './facilities.ts';
import { addImmunizations } from './immunizations.ts';
import { addPatient, CommuneSampler, type PatientContext } from './patients.ts';
import { addPractitioners } from './practitioners.ts';
import { deriveSeed, Random } from './random.ts';
import { loadReferenceData } from './reference-data.ts';
import { concept, SYSTEM } from './terminology.ts';

export { REFERENCE_DATE } from './calendar.ts';

/** Identifier system of the demo marker Organization. */
export const DEMO_MARKER_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/demo';
/**
 * Identifier value of the demo marker Organization: the server searches
 * `Organization?identifier=<DEMO_MARKER_SYSTEM>|<DEMO_MARKER>` to tell whether the demo is loaded.
 * Bump the version when the demo content changes incompatibly.
 */
export const DEMO_MARKER = 'sahti-demo-v1';

export const DEFAULT_DEMO_PATIENTS = 60;
/**
 * Chosen (by trying seeds from 2026 up) so that the default 60 patients show what a demo should:
 * Mohammed / Mohamed / Mhamed and El- / Al- spelling variants, 4 dialysis patients, 16 diabetics.
 */
export const DEFAULT_DEMO_SEED = 2040;

export interface DemoBundleOptions {
  /** Number of patients (default 60). */
  patients?: number;
  /** PRNG seed (default 2040): a different seed gives different people, same facilities. */
  seed?: number;
  /** Directory holding regions.csv, provinces.csv, communes.csv, facilities.csv (default data/reference). */
  referenceDataDir?: string;
}

/** Streams of the seeded PRNG: independent so that adding a field in one place shifts nothing else. */
const STREAM = { uuids: 0, careNetwork: 1, firstPatient: 1000 } as const;

/** Every fifteenth patient belongs to the dialysis cohort, so even a small demo has a few. */
const DIALYSIS_COHORT_EVERY = 15;

export function buildDemoBundle(options: DemoBundleOptions = {}): Bundle {
  const patientCount = options.patients ?? DEFAULT_DEMO_PATIENTS;
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(patientCount) || patientCount < 0) {
    throw new RangeError(`patients must be a non-negative integer, got ${patientCount}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);

  const data = loadReferenceData(options.referenceDataDir);
  const builder = new DemoBundleBuilder(new Random(deriveSeed(seed, STREAM.uuids)));

  builder.add<Organization>(
    {
      resourceType: 'Organization',
      identifier: [{ system: DEMO_MARKER_SYSTEM, value: DEMO_MARKER }],
      active: true,
      type: [concept(SYSTEM.organizationType, 'other', 'Other', 'Jeu de données de démonstration')],
      name: 'Sahti — données de démonstration (synthétiques)',
      alias: ['Sahti demo data (synthetic)', 'صحتي — بيانات تجريبية'],
    },
    'Sahti demo',
  );

  const careNetworkRng = new Random(deriveSeed(seed, STREAM.careNetwork));
  const usedInpe = new Set<string>();
  const facilities = addFacilities(builder, data, careNetworkRng, usedInpe);
  const clinicians = addPractitioners(builder, facilities, careNetworkRng, usedInpe);

  const ctx: PatientContext = {
    builder,
    data,
    communes: new CommuneSampler(data),
    clinicians,
    usedCnie: new Set<string>(),
  };
  for (let i = 0; i < patientCount; i++) {
    // One stream per patient: patient i is the same whether the bundle has 60 or 10,000 patients.
    const rng = new Random(deriveSeed(seed, STREAM.firstPatient + i));
    const dialysisCohort = i % DIALYSIS_COHORT_EVERY === 4;
    const patient = addPatient(ctx, rng, i, dialysisCohort);
    const profile = drawProfile(rng, patient.age, dialysisCohort);
    const conditions = addConditions(builder, rng, patient, profile);
    addAllergy(builder, rng, patient);
    addMedications(builder, rng, patient, profile, conditions);
    addEncountersWithObservations(builder, rng, patient, profile, conditions.refs, clinicians);
    addImmunizations(builder, rng, patient, profile, clinicians);
  }

  return builder.build();
}
