/**
 * Demo care team: doctors and nurses (synthetic people, synthetic INPE numbers), each with a
 * PractitionerRole at one of the demo facilities. GPs sit where most people live, so each patient's
 * family doctor is within reach; the few specialists (nephrology, endocrinology, cardiology,
 * paediatrics) sit in university hospitals and take referrals. Some remote facilities have no demo
 * staff: they are in the facility directory only.
 */
import type { Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { INPE_SYSTEM } from '../identifiers/morocco.ts';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import { type DemoFacility, newInpe } from './facilities.ts';
import { moroccanHumanNames } from './names.ts';
import type { Random } from './random.ts';
import { distance2 } from './reference-data.ts';
import { concept, SPECIALTIES, type SpecialtyKey, SYSTEM } from './terminology.ts';

type Profession = 'doctor' | 'nurse';

/** [index in DEMO_FACILITY_SOURCE_IDS, profession, specialty]. */
const ROSTER: ReadonlyArray<readonly [number, Profession, SpecialtyKey]> = [
  [0, 'doctor', 'nephrology'], // CHU Ibn Rochd, Casablanca: dialysis unit
  [0, 'nurse', 'nephrology'],
  [0, 'doctor', 'cardiology'],
  [1, 'doctor', 'endocrinology'], // CHU Ibn Sina, Rabat
  [1, 'doctor', 'pediatrics'],
  [2, 'doctor', 'generalPractice'], // CHU Hassan II, Fès
  [2, 'doctor', 'nephrology'],
  [3, 'doctor', 'generalPractice'], // CHU Mohammed VI, Marrakech
  [3, 'doctor', 'endocrinology'],
  [4, 'doctor', 'generalPractice'], // CHU Mohammed VI, Oujda
  [5, 'doctor', 'generalPractice'], // Hôpital Hassan II, Agadir
  [5, 'doctor', 'pediatrics'],
  [6, 'doctor', 'generalPractice'], // Hôpital Mohammed V, Tanger
  [10, 'doctor', 'generalPractice'], // Laâyoune
  [12, 'doctor', 'generalPractice'], // CS Derb el Kheir, Casablanca
  [12, 'nurse', 'generalPractice'],
  [13, 'doctor', 'generalPractice'], // CS Hay El Kifah, Salé
];

export interface DemoClinician {
  practitioner: Reference<Practitioner>;
  role: Reference<PractitionerRole>;
  profession: Profession;
  specialty: SpecialtyKey;
  facility: DemoFacility;
}

export function addPractitioners(
  builder: DemoBundleBuilder,
  facilities: readonly DemoFacility[],
  rng: Random,
  usedInpe: Set<string>,
): DemoClinician[] {
  return ROSTER.map(([facilityIndex, profession, specialty]) => {
    const facility = facilities[facilityIndex];
    if (!facility) throw new Error(`roster refers to missing facility #${facilityIndex}`);
    const gender = rng.chance(profession === 'nurse' ? 0.7 : 0.5) ? 'female' : 'male';
    const names = moroccanHumanNames(
      rng,
      gender,
      profession === 'doctor' ? { latin: 'Dr', arabic: 'د.' } : undefined,
    );
    const qualification =
      profession === 'doctor'
        ? concept(SYSTEM.degree, 'MD', 'Doctor of Medicine', 'Docteur en médecine')
        : concept(SYSTEM.degree, 'RN', 'Registered Nurse', 'Infirmier diplômé d’État');

    const practitioner = builder.add<Practitioner>(
      {
        resourceType: 'Practitioner',
        identifier: [
          {
            use: 'official',
            type: concept(SYSTEM.identifierType, 'PRN', 'Provider number', 'INPE'),
            system: INPE_SYSTEM,
            value: newInpe(rng, usedInpe),
          },
        ],
        active: true,
        name: names,
        telecom: [{ system: 'phone', value: `+2126${rng.digits(8)}`, use: 'work' }],
        gender,
        qualification: [{ code: qualification }],
      },
      names[0]?.text,
    );

    const field = SPECIALTIES[specialty];
    const role = builder.add<PractitionerRole>({
      resourceType: 'PractitionerRole',
      active: true,
      practitioner,
      organization: facility.organization,
      code: [
        concept(
          SYSTEM.practitionerRole,
          profession,
          profession === 'doctor' ? 'Doctor' : 'Nurse',
          profession === 'doctor' ? 'Médecin' : 'Infirmier',
        ),
      ],
      specialty: [concept(SYSTEM.snomed, field.code, field.display, field.fr)],
      location: [facility.location],
    });

    return { practitioner, role, profession, specialty, facility };
  });
}

/** A nurse working at a facility (nurses give the vaccines), if there is one. */
export function nurseAt(
  clinicians: readonly DemoClinician[],
  facility: DemoFacility,
): DemoClinician | undefined {
  return clinicians.find((c) => c.facility === facility && c.profession === 'nurse');
}

/** The clinician nearest to a point among those matching `wanted` (by where they work). */
export function nearestClinician(
  clinicians: readonly DemoClinician[],
  latitude: number,
  longitude: number,
  wanted: (clinician: DemoClinician) => boolean,
): DemoClinician | undefined {
  let best: DemoClinician | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of clinicians) {
    if (!wanted(c)) continue;
    const d = distance2(latitude, longitude, c.facility.source.latitude, c.facility.source.longitude);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/** A doctor of a given specialty, e.g. `isDoctorIn('nephrology')`. */
export function isDoctorIn(...specialties: SpecialtyKey[]): (clinician: DemoClinician) => boolean {
  return (c) => c.profession === 'doctor' && specialties.includes(c.specialty);
}
