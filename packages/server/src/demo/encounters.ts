/**
 * Visits and the measurements taken at them. Chronic patients get a series of dated follow-ups
 * whose readings drift towards control under treatment (with noise), so trend charts have a shape;
 * dialysis patients get monthly sessions; everybody else a check-up or two.
 */
import type { Condition, Encounter, Reference } from '@medplum/fhirtypes';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import { addDays, daysAgo, fhirDateTime } from './calendar.ts';
import type { ClinicalProfile, ConditionRefs } from './clinical-history.ts';
import type { DemoFacility } from './facilities.ts';
import type { DemoPatient } from './patients.ts';
import { type DemoClinician, isDoctorIn, nearestClinician } from './practitioners.ts';
import type { Random } from './random.ts';
import { concept, ENCOUNTER_TYPES, SYSTEM } from './terminology.ts';
import { addVisitObservations, drawTrajectories } from './vital-signs.ts';

interface Visit {
  dayMs: number;
  minutes: number;
  durationMinutes: number;
  clinician: DemoClinician;
  type: (typeof ENCOUNTER_TYPES)[keyof typeof ENCOUNTER_TYPES];
}

/** Evenly spread visit days over a span ending shortly before the reference date, with jitter. */
function spreadDays(rng: Random, count: number, spanDays: number): number[] {
  const start = daysAgo(spanDays);
  const step = count > 1 ? spanDays / count : 0;
  return Array.from({ length: count }, (_, i) =>
    addDays(start, i * step + rng.int(0, Math.max(0, Math.floor(step / 3)))),
  );
}

function planVisits(
  rng: Random,
  patient: DemoPatient,
  profile: ClinicalProfile,
  clinicians: readonly DemoClinician[],
): Visit[] {
  const lat = patient.commune.latitude ?? 0;
  const lon = patient.commune.longitude ?? 0;
  const at = (dayMs: number, clinician: DemoClinician, type: Visit['type'], durationMinutes = 20): Visit => ({
    dayMs,
    minutes: rng.int(96, 192) * 5, // 08:00–16:00, on five-minute slots
    durationMinutes,
    clinician,
    type,
  });

  if (profile.ckd5) {
    // Monthly nephrology review, recorded at a dialysis session.
    const nephrologist = nearestClinician(clinicians, lat, lon, isDoctorIn('nephrology')) ?? patient.doctor;
    return spreadDays(rng, rng.int(6, 9), 270).map((day) =>
      at(day, nephrologist, ENCOUNTER_TYPES.hemodialysis, 240),
    );
  }
  if (profile.diabetes || profile.hypertension) {
    // Follow-up with the family doctor; the second visit is a referral to the nearest specialist.
    const specialist =
      nearestClinician(clinicians, lat, lon, isDoctorIn(profile.diabetes ? 'endocrinology' : 'cardiology')) ??
      patient.doctor;
    return spreadDays(rng, rng.int(4, 8), rng.int(560, 700)).map((day, i) =>
      at(
        day,
        i === 1 ? specialist : patient.doctor,
        i === 0 ? ENCOUNTER_TYPES.checkUp : ENCOUNTER_TYPES.followUp,
        i === 1 ? 30 : 20,
      ),
    );
  }
  return spreadDays(rng, rng.int(1, 2), rng.int(90, 700)).map((day) =>
    at(day, patient.doctor, ENCOUNTER_TYPES.checkUp),
  );
}

function addEncounter(
  builder: DemoBundleBuilder,
  patient: DemoPatient,
  visit: Visit,
  reasons: Reference<Condition>[],
): Reference<Encounter> {
  const facility: DemoFacility = visit.clinician.facility;
  return builder.add<Encounter>({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: SYSTEM.actCode, code: 'AMB', display: 'ambulatory' },
    type: [concept(SYSTEM.snomed, visit.type.code, visit.type.display, visit.type.fr)],
    subject: patient.reference,
    participant: [
      {
        type: [concept(SYSTEM.participationType, 'PPRF', 'primary performer')],
        individual: visit.clinician.practitioner,
      },
    ],
    period: {
      start: fhirDateTime(visit.dayMs, visit.minutes),
      end: fhirDateTime(visit.dayMs, visit.minutes + visit.durationMinutes),
    },
    ...(reasons.length > 0 ? { reasonReference: reasons } : {}),
    location: [{ location: facility.location }],
    serviceProvider: facility.organization,
  });
}

/** Adds the patient's encounters and, at each, the observations that visit would record. */
export function addEncountersWithObservations(
  builder: DemoBundleBuilder,
  rng: Random,
  patient: DemoPatient,
  profile: ClinicalProfile,
  conditions: ConditionRefs,
  clinicians: readonly DemoClinician[],
): void {
  const visits = planVisits(rng, patient, profile, clinicians);
  const trajectories = drawTrajectories(rng, patient, profile);
  const reasons = Object.values(conditions).filter(
    (ref): ref is NonNullable<typeof ref> => ref !== undefined,
  );
  visits.forEach((visit, i) => {
    const encounter = addEncounter(builder, patient, visit, reasons);
    const progress = visits.length > 1 ? i / (visits.length - 1) : 0;
    addVisitObservations(builder, rng, {
      patient,
      profile,
      encounter,
      performer: visit.clinician.practitioner,
      effective: fhirDateTime(visit.dayMs, visit.minutes + 10),
      progress,
      visitIndex: i,
      visitCount: visits.length,
      trajectories,
    });
  });
}
