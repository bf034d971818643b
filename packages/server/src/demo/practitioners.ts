/**
 * Demo care team: doctors and nurses (synthetic people, synthetic INPE numbers), each with a
 * PractitionerRole at one of the demo facilities. Specialists sit in the university hospitals, GPs
 * and nurses in provincial hospitals and health centres, so every facility has someone to see.
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
  [0, 'doctor', 'nephrology'], // CHU Ibn Rochd: dialysis unit
  [0, 'nurse', 'nephrology'],
  [1, 'doctor', 'endocrinology'], // CHU Ibn Sina
  [1, 'doctor', 'pediatrics'],
  [2, 'doctor', 'nephrology'], // CHU Hassan II Fès
  [3, 'doctor', 'cardiology'], // CHU Mohammed VI Marrakech
  [4, 'doctor', 'endocrinology'], // CHU Mohammed VI Oujda
  [5, 'doctor', 'pediatrics'], // Agadir
  [6, 'doctor', 'cardiology'], // Tanger
  [7, 'doctor', 'generalPractice'], // Khouribga
  [8, 'nurse', 'generalPractice'], // Midelt
  [9, 'doctor', 'generalPractice'], // Sidi Ifni
  [10, 'doctor', 'generalPractice'], // Laâyoune
  [11, 'doctor', 'generalPractice'], // Dakhla
  [12, 'doctor', 'generalPractice'], // CS Derb el Kheir
  [13, 'nurse', 'generalPractice'], // CS Hay El Kifah
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
    const names = moroccanHumanNames(rng, gender, profession === 'doctor' ? { latin: 'Dr', arabic: 'د.' } : undefined);
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

/**
 * Who sees a patient at a facility: a clinician there with the wanted specialty, else any doctor
 * there, else anyone there. `null` if the facility has no staff.
 */
export function clinicianAt(
  clinicians: readonly DemoClinician[],
  facility: DemoFacility,
  specialty?: SpecialtyKey,
): DemoClinician | null {
  const here = clinicians.filter((c) => c.facility === facility);
  return (
    here.find((c) => c.specialty === specialty && c.profession === 'doctor') ??
    here.find((c) => c.specialty === specialty) ??
    here.find((c) => c.profession === 'doctor') ??
    here[0] ??
    null
  );
}

/** The nearest clinician (by their facility) with a specialty, e.g. a nephrologist for dialysis. */
export function nearestSpecialist(
  clinicians: readonly DemoClinician[],
  specialty: SpecialtyKey,
  latitude: number,
  longitude: number,
): DemoClinician | null {
  let best: DemoClinician | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of clinicians) {
    if (c.specialty !== specialty || c.profession !== 'doctor') continue;
    const d = distance2(latitude, longitude, c.facility.source.latitude, c.facility.source.longitude);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}
