/**
 * The measurements recorded at a visit: vital signs (weight, blood pressure) and laboratory results
 * (glucose, HbA1c, creatinine), coded in LOINC with UCUM units. Each patient has a trajectory per
 * measure (start → end over the follow-up period, plus noise) so that series chart as trends.
 */
import type {
  Encounter,
  Observation,
  ObservationComponent,
  ObservationReferenceRange,
  Practitioner,
  Quantity,
  Reference,
} from '@medplum/fhirtypes';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import type { ClinicalProfile } from './clinical-history.ts';
import type { DemoPatient } from './patients.ts';
import type { Random } from './random.ts';
import { concept, OBSERVATIONS, SYSTEM } from './terminology.ts';

interface Trajectory {
  start: number;
  end: number;
  noise: number;
  decimals: number;
}

export interface Trajectories {
  weight: Trajectory;
  systolic: Trajectory;
  diastolic: Trajectory;
  glucose: Trajectory;
  hba1c: Trajectory;
  creatinine: Trajectory;
}

const flat = (value: number, noise: number, decimals: number): Trajectory => ({
  start: value,
  end: value,
  noise,
  decimals,
});

export function drawTrajectories(rng: Random, patient: DemoPatient, profile: ClinicalProfile): Trajectories {
  const { age } = patient;
  let weight: Trajectory;
  if (age < 18) {
    const base = age <= 10 ? 2 * age + 8 : 30 + 3.5 * (age - 10);
    weight = {
      start: base * rng.float(0.9, 1.1),
      end: base * 1.1 + rng.float(1, 4),
      noise: 0.3,
      decimals: 1,
    };
  } else {
    const base =
      (patient.gender === 'female' ? rng.float(55, 85) : rng.float(62, 95)) + (profile.diabetes ? 6 : 0);
    weight = { start: base, end: base + rng.float(profile.diabetes ? -5 : -2, 2), noise: 0.6, decimals: 1 };
  }

  let systolic: Trajectory;
  let diastolic: Trajectory;
  if (profile.hypertension) {
    // Uncontrolled at diagnosis-time follow-up, drifting towards the <140/90 target under treatment.
    systolic = { start: rng.float(150, 175), end: rng.float(126, 142), noise: 6, decimals: 0 };
    diastolic = { start: rng.float(92, 105), end: rng.float(76, 88), noise: 4, decimals: 0 };
  } else if (age < 13) {
    systolic = flat(rng.float(95, 110), 4, 0);
    diastolic = flat(rng.float(55, 70), 3, 0);
  } else {
    systolic = flat(rng.float(105, 128), 5, 0);
    diastolic = flat(rng.float(65, 82), 4, 0);
  }

  const glucose = { start: rng.float(160, 240), end: rng.float(112, 150), noise: 12, decimals: 0 };
  const hba1c = { start: rng.float(8, 10.5), end: rng.float(6.6, 7.8), noise: 0.25, decimals: 1 };
  const creatinine = profile.ckd5
    ? { start: rng.float(6.5, 9.5), end: rng.float(6.5, 9.5), noise: 0.6, decimals: 1 }
    : flat(rng.float(0.7, 1.15), 0.06, 2);
  return { weight, systolic, diastolic, glucose, hba1c, creatinine };
}

function valueAt(rng: Random, t: Trajectory, progress: number): number {
  const raw = t.start + (t.end - t.start) * progress + rng.noise(t.noise);
  const factor = 10 ** t.decimals;
  return Math.round(raw * factor) / factor;
}

function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: SYSTEM.ucum, code: unit };
}

export interface VisitContext {
  patient: DemoPatient;
  profile: ClinicalProfile;
  encounter: Reference<Encounter>;
  performer: Reference<Practitioner>;
  /** dateTime of the measurements. */
  effective: string;
  /** 0 at the first visit of the series, 1 at the last. */
  progress: number;
  visitIndex: number;
  visitCount: number;
  trajectories: Trajectories;
}

type Category = 'vital-signs' | 'laboratory';

function addObservation(
  builder: DemoBundleBuilder,
  ctx: VisitContext,
  category: Category,
  code: { code: string; display: string },
  result:
    | { valueQuantity: Quantity; referenceRange?: ObservationReferenceRange[] }
    | { component: ObservationComponent[] },
): void {
  builder.add<Observation>({
    resourceType: 'Observation',
    status: 'final',
    category: [
      concept(
        SYSTEM.observationCategory,
        category,
        category === 'vital-signs' ? 'Vital Signs' : 'Laboratory',
      ),
    ],
    code: concept(SYSTEM.loinc, code.code, code.display),
    subject: ctx.patient.reference,
    encounter: ctx.encounter,
    effectiveDateTime: ctx.effective,
    performer: [ctx.performer],
    ...result,
  });
}

/** Reference range for a lab result (adult values). */
function range(low: number, high: number, unit: string): ObservationReferenceRange[] {
  return [{ low: quantity(low, unit), high: quantity(high, unit) }];
}

export function addVisitObservations(builder: DemoBundleBuilder, rng: Random, ctx: VisitContext): void {
  const { profile, trajectories: t, progress, visitIndex, visitCount } = ctx;
  const isLast = visitIndex === visitCount - 1;
  const { bodyWeight, bloodPressure, systolic, diastolic, glucose, hba1c, creatinine } = OBSERVATIONS;

  addObservation(builder, ctx, 'vital-signs', bodyWeight, {
    valueQuantity: quantity(valueAt(rng, t.weight, progress), bodyWeight.unit),
  });

  if (ctx.patient.age >= 3) {
    addObservation(builder, ctx, 'vital-signs', bloodPressure, {
      component: [
        {
          code: concept(SYSTEM.loinc, systolic.code, systolic.display),
          valueQuantity: quantity(valueAt(rng, t.systolic, progress), 'mm[Hg]'),
        },
        {
          code: concept(SYSTEM.loinc, diastolic.code, diastolic.display),
          valueQuantity: quantity(valueAt(rng, t.diastolic, progress), 'mm[Hg]'),
        },
      ],
    });
  }

  if (profile.diabetes) {
    addObservation(builder, ctx, 'laboratory', glucose, {
      valueQuantity: quantity(valueAt(rng, t.glucose, progress), glucose.unit),
      referenceRange: range(70, 99, glucose.unit),
    });
    // HbA1c reflects three months: measured every other visit (every third monthly dialysis visit).
    const hba1cDue = profile.ckd5 ? visitIndex % 3 === 0 : visitIndex % 2 === 0 || isLast;
    if (hba1cDue) {
      addObservation(builder, ctx, 'laboratory', hba1c, {
        valueQuantity: quantity(valueAt(rng, t.hba1c, progress), hba1c.unit),
        referenceRange: range(4, 5.6, hba1c.unit),
      });
    }
  }

  // Kidney function: every dialysis session; yearly-ish (first and last visit) for other chronic patients.
  if (profile.ckd5 || ((profile.diabetes || profile.hypertension) && (visitIndex === 0 || isLast))) {
    addObservation(builder, ctx, 'laboratory', creatinine, {
      valueQuantity: quantity(valueAt(rng, t.creatinine, progress), creatinine.unit),
      referenceRange: range(0.6, 1.2, creatinine.unit),
    });
  }
}
