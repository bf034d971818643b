/**
 * A patient's problem list: chronic conditions, allergies and long-term medication. Prevalences are
 * loosely age-dependent and deliberately higher than in the population, so that a 60-patient demo
 * has enough diabetic, hypertensive and dialysis patients to show trends and care pathways.
 */
import type { AllergyIntolerance, Condition, MedicationStatement, Reference } from '@medplum/fhirtypes';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import { addDays, daysAgo, fhirDate } from './calendar.ts';
import type { DemoPatient } from './patients.ts';
import type { Random } from './random.ts';
import {
  ALLERGIES,
  CONDITIONS,
  type ConditionKey,
  concept,
  MEDICINES,
  type Medicine,
  ORAL_ROUTE,
  SYSTEM,
} from './terminology.ts';

export interface ClinicalProfile {
  diabetes: boolean;
  hypertension: boolean;
  /** End-stage kidney disease on haemodialysis. */
  ckd5: boolean;
  asthma: boolean;
  hyperlipidemia: boolean;
}

export function drawProfile(rng: Random, age: number, dialysisCohort: boolean): ClinicalProfile {
  const ckd5 = dialysisCohort && age >= 25;
  // Diabetes and hypertension are the leading causes of end-stage kidney disease.
  const diabetes = age >= 35 && rng.chance(ckd5 ? 0.5 : 0.15 + (age - 35) * 0.006);
  const hypertension =
    age >= 30 && rng.chance(ckd5 ? 0.9 : 0.12 + (age - 30) * 0.009 + (diabetes ? 0.15 : 0));
  const hyperlipidemia = age >= 40 && (diabetes || hypertension) && rng.chance(0.4);
  const asthma = age >= 3 && rng.chance(0.08);
  return { diabetes, hypertension, ckd5, asthma, hyperlipidemia };
}

export type ConditionRefs = Partial<Record<ConditionKey, Reference<Condition>>>;

/** Onset day of a condition, never before the age at which it plausibly starts. */
function onsetDay(rng: Random, patient: DemoPatient, key: ConditionKey): number {
  const earliestAge = { diabetesType2: 30, hypertension: 28, ckdStage5: 22, asthma: 2, hyperlipidemia: 35 }[
    key
  ];
  const maxYears = { diabetesType2: 15, hypertension: 20, ckdStage5: 6, asthma: 30, hyperlipidemia: 10 }[key];
  const years = Math.max(1, Math.min(maxYears, patient.age - earliestAge));
  return daysAgo(rng.int(400, Math.max(400, Math.round(years * 365))));
}

export function addConditions(
  builder: DemoBundleBuilder,
  rng: Random,
  patient: DemoPatient,
  profile: ClinicalProfile,
): { refs: ConditionRefs; onsets: Partial<Record<ConditionKey, number>> } {
  const wanted: ConditionKey[] = [];
  if (profile.diabetes) wanted.push('diabetesType2');
  if (profile.hypertension) wanted.push('hypertension');
  if (profile.ckd5) wanted.push('ckdStage5');
  if (profile.asthma) wanted.push('asthma');
  if (profile.hyperlipidemia) wanted.push('hyperlipidemia');

  const refs: ConditionRefs = {};
  const onsets: Partial<Record<ConditionKey, number>> = {};
  for (const key of wanted) {
    const condition = CONDITIONS[key];
    const onset = onsetDay(rng, patient, key);
    onsets[key] = onset;
    refs[key] = builder.add<Condition>(
      {
        resourceType: 'Condition',
        clinicalStatus: concept(SYSTEM.conditionClinical, 'active', 'Active'),
        verificationStatus: concept(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
        category: [concept(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item')],
        code: concept(SYSTEM.snomed, condition.code, condition.display, condition.fr),
        subject: patient.reference,
        onsetDateTime: fhirDate(onset),
        recordedDate: fhirDate(addDays(onset, rng.int(0, 20))),
        recorder: patient.doctor.practitioner,
      },
      condition.fr,
    );
  }
  return { refs, onsets };
}

export function addAllergy(builder: DemoBundleBuilder, rng: Random, patient: DemoPatient): void {
  if (!rng.chance(0.15)) return;
  // Children: mostly food allergies; adults: any.
  const choices = patient.age < 12 ? ALLERGIES.filter((a) => a.category === 'food') : ALLERGIES;
  const allergy = rng.pick(choices);
  const recorded = daysAgo(rng.int(60, Math.max(90, patient.age * 300)));
  builder.add<AllergyIntolerance>({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: concept(SYSTEM.allergyClinical, 'active', 'Active'),
    verificationStatus: concept(SYSTEM.allergyVerification, 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: [allergy.category],
    criticality: allergy.reaction.code === '39579001' ? 'high' : 'low',
    code: concept(SYSTEM.snomed, allergy.code, allergy.display, allergy.fr),
    patient: patient.reference,
    recordedDate: fhirDate(recorded),
    recorder: patient.doctor.practitioner,
    reaction: [
      {
        manifestation: [concept(SYSTEM.snomed, allergy.reaction.code, allergy.reaction.display)],
        severity: allergy.reaction.code === '39579001' ? 'severe' : 'mild',
      },
    ],
  });
}

/** Long-term treatments, each linked to the condition it treats. */
export function addMedications(
  builder: DemoBundleBuilder,
  rng: Random,
  patient: DemoPatient,
  profile: ClinicalProfile,
  conditions: { refs: ConditionRefs; onsets: Partial<Record<ConditionKey, number>> },
): void {
  const plan: Array<[Medicine, ConditionKey]> = [];
  if (profile.diabetes) {
    // Metformin is contraindicated in end-stage kidney disease: those patients are on insulin.
    if (profile.ckd5) plan.push([MEDICINES.insulinGlargine, 'diabetesType2']);
    else {
      plan.push([MEDICINES.metformin, 'diabetesType2']);
      if (rng.chance(0.4)) plan.push([MEDICINES.gliclazide, 'diabetesType2']);
      else if (rng.chance(0.2)) plan.push([MEDICINES.insulinGlargine, 'diabetesType2']);
    }
  }
  if (profile.hypertension) {
    const first = rng.pick([MEDICINES.amlodipine, MEDICINES.losartan, MEDICINES.enalapril]);
    plan.push([first, 'hypertension']);
    if (rng.chance(0.3) && first !== MEDICINES.amlodipine) plan.push([MEDICINES.amlodipine, 'hypertension']);
  }
  if (profile.hyperlipidemia) plan.push([MEDICINES.atorvastatin, 'hyperlipidemia']);
  if (profile.ckd5) {
    plan.push([MEDICINES.epoetinAlfa, 'ckdStage5']);
    plan.push([MEDICINES.calciumCarbonate, 'ckdStage5']);
  }
  if (profile.asthma) {
    plan.push([MEDICINES.salbutamol, 'asthma']);
    if (rng.chance(0.5)) plan.push([MEDICINES.beclometasone, 'asthma']);
  }

  for (const [medicine, conditionKey] of plan) {
    const reason = conditions.refs[conditionKey];
    const start = addDays(conditions.onsets[conditionKey] ?? daysAgo(365), rng.int(0, 60));
    builder.add<MedicationStatement>({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: concept(SYSTEM.atc, medicine.atc, medicine.display, medicine.text),
      subject: patient.reference,
      effectivePeriod: { start: fhirDate(start) },
      dateAsserted: fhirDate(addDays(start, rng.int(0, 30))),
      informationSource: patient.doctor.practitioner,
      ...(reason ? { reasonReference: [reason] } : {}),
      dosage: [
        {
          text: medicine.dosage,
          timing: { repeat: { frequency: medicine.perDay, period: 1, periodUnit: 'd' } },
          ...(medicine.oral ? { route: concept(SYSTEM.snomed, ORAL_ROUTE.code, ORAL_ROUTE.display) } : {}),
        },
      ],
    });
  }
}
