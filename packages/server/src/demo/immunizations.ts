/**
 * Immunisations. Children follow Morocco's national immunisation programme (PNI) schedule, with
 * the occasional missed dose; a vaccine is only recorded from the year the PNI introduced it.
 * Adults have the campaign vaccines: COVID-19 (2021) and seasonal influenza for those at risk.
 */
import type { Immunization } from '@medplum/fhirtypes';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import { addDays, fhirDate, isOnOrBeforeReference } from './calendar.ts';
import type { ClinicalProfile } from './clinical-history.ts';
import type { DemoPatient } from './patients.ts';
import { type DemoClinician, nurseAt } from './practitioners.ts';
import type { Random } from './random.ts';
import { concept, SYSTEM, VACCINES, type VaccineKey } from './terminology.ts';

/** [days after birth, vaccine, recorded only on or after this date, girls only]. */
const PNI_SCHEDULE: ReadonlyArray<readonly [number, VaccineKey, string?, boolean?]> = [
  [0, 'bcg'],
  [0, 'hepBPediatric'],
  [0, 'bOpv'],
  [61, 'dtpHibHepB'],
  [61, 'bOpv'],
  [61, 'pcv13', '2010-10-01'],
  [61, 'rotavirus', '2010-10-01'],
  [91, 'dtpHibHepB'],
  [91, 'bOpv'],
  [91, 'rotavirus', '2010-10-01'],
  [122, 'dtpHibHepB'],
  [122, 'bOpv'],
  [122, 'ipv', '2015-01-01'],
  [122, 'pcv13', '2010-10-01'],
  [274, 'measlesRubella'],
  [365, 'pcv13', '2010-10-01'],
  [548, 'dtp'],
  [548, 'bOpv'],
  [548, 'measlesRubella'],
  [1826, 'dtp'],
  [1826, 'bOpv'],
  [4018, 'hpv9', '2022-10-01', true],
];

function addImmunization(
  builder: DemoBundleBuilder,
  patient: DemoPatient,
  vaccine: VaccineKey,
  date: string,
  doseNumber: number,
  by: DemoClinician,
): void {
  const { code, display } = VACCINES[vaccine];
  builder.add<Immunization>({
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: concept(SYSTEM.cvx, code, display),
    patient: patient.reference,
    occurrenceDateTime: date,
    primarySource: true,
    location: by.facility.location,
    performer: [{ actor: by.practitioner }],
    protocolApplied: [{ doseNumberPositiveInt: doseNumber }],
  });
}

export function addImmunizations(
  builder: DemoBundleBuilder,
  rng: Random,
  patient: DemoPatient,
  profile: ClinicalProfile,
  clinicians: readonly DemoClinician[],
): void {
  // Vaccines are given by the nurse where the patient is followed, else by their doctor.
  const vaccinator = nurseAt(clinicians, patient.home) ?? patient.doctor;

  if (patient.age < 18) {
    const doses = new Map<VaccineKey, number>();
    for (const [offset, vaccine, since, girlsOnly] of PNI_SCHEDULE) {
      if (girlsOnly && patient.gender !== 'female') continue;
      const day = addDays(patient.birthDayMs, offset + rng.int(0, 14));
      if (!isOnOrBeforeReference(day)) continue;
      const date = fhirDate(day);
      if (since && date < since) continue;
      const doseNumber = (doses.get(vaccine) ?? 0) + 1;
      doses.set(vaccine, doseNumber);
      if (rng.chance(0.04)) continue; // a missed dose: gaps are what coverage follow-up looks for
      addImmunization(builder, patient, vaccine, date, doseNumber, vaccinator);
    }
    return;
  }

  // COVID-19 campaign (from January 2021), two doses four weeks apart.
  if (rng.chance(0.6)) {
    const first = Date.parse('2021-03-01T00:00:00Z') + rng.int(0, 240) * 86_400_000;
    addImmunization(builder, patient, 'covid19', fhirDate(first), 1, vaccinator);
    addImmunization(builder, patient, 'covid19', fhirDate(addDays(first, 28)), 2, vaccinator);
  }
  // Seasonal influenza for people at risk, last autumn.
  const atRisk = patient.age >= 60 || profile.diabetes || profile.ckd5 || profile.asthma;
  if (atRisk && rng.chance(0.5)) {
    const day = Date.parse('2025-10-15T00:00:00Z') + rng.int(0, 60) * 86_400_000;
    addImmunization(builder, patient, 'influenza', fhirDate(day), 1, vaccinator);
  }
}
