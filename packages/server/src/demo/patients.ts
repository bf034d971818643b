/**
 * Demo patients: synthetic people living in real communes. Where a patient lives is drawn in
 * proportion to the commune's 2024 census population (HCP RGPH 2024), so the demo is as urban and
 * as Casablanca-heavy as the country.
 */
import type { Patient, Reference } from '@medplum/fhirtypes';
import { CNIE_SYSTEM, isValidCnie } from '../identifiers/morocco.ts';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import { ageAtReference, daysAgo, fhirDate } from './calendar.ts';
import type { DemoFacility } from './facilities.ts';
import { DOUARS, moroccanHumanNames, STREETS } from './names.ts';
import { type DemoClinician, isDoctorIn, nearestClinician } from './practitioners.ts';
import type { Random } from './random.ts';
import { type Commune, placeOf, type ReferenceData } from './reference-data.ts';
import { concept, SYSTEM } from './terminology.ts';

/**
 * CNIE prefix letters by region of issue. The letters are tied to the issuing city (e.g. A/AB Rabat,
 * B* Casablanca, J Agadir, K Tanger); this table is an approximation, only plausibility matters.
 */
const CNIE_PREFIXES: Record<string, readonly string[]> = {
  '01': ['K', 'KB', 'L', 'LC', 'R'], // Tanger, Tétouan, Al Hoceima
  '02': ['F', 'FA', 'FB', 'S'], // Oujda, Nador
  '03': ['C', 'CD', 'D', 'DA', 'T'], // Fès, Meknès, Taza
  '04': ['A', 'AB', 'AE', 'G', 'GK'], // Rabat, Salé, Kénitra
  '05': ['I', 'IA', 'Q'], // Béni Mellal, Khénifra
  '06': ['B', 'BE', 'BH', 'BJ', 'BK', 'M', 'N'], // Casablanca, Settat, El Jadida
  '07': ['E', 'EE', 'H'], // Marrakech, Safi
  '08': ['U', 'UA', 'V'], // Errachidia, Ouarzazate
  '09': ['J', 'JA', 'JB'], // Agadir
  '10': ['JE', 'JF'], // Guelmim
  '11': ['SH', 'SJ'], // Laâyoune
  '12': ['SL'], // Dakhla
};

export interface DemoPatient {
  reference: Reference<Patient>;
  index: number;
  gender: 'male' | 'female';
  birthDayMs: number;
  age: number;
  commune: Commune;
  /** Where the patient is followed: the facility of their doctor. */
  home: DemoFacility;
  /** Family doctor: the nearest GP (or, for a child, the nearest GP or paediatrician). */
  doctor: DemoClinician;
}

/** Communes weighted by population, as a cumulative table: drawing one is a binary search. */
export class CommuneSampler {
  readonly #communes: Commune[];
  readonly #cumulative: number[] = [];

  constructor(data: ReferenceData) {
    // Only communes with a centroid: a patient is matched to the nearest doctor by distance.
    this.#communes = data.communes.filter((c) => c.latitude !== undefined && c.population > 0);
    let total = 0;
    for (const commune of this.#communes) {
      total += commune.population;
      this.#cumulative.push(total);
    }
  }

  draw(rng: Random): Commune {
    const target = rng.next() * (this.#cumulative[this.#cumulative.length - 1] ?? 0);
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    const commune = this.#communes[lo];
    if (!commune) throw new Error('no communes to draw from');
    return commune;
  }
}

/** Age in years: about a quarter children, half working-age adults, a quarter 60 and over. */
function drawAge(rng: Random, adultOnly: boolean): number {
  if (adultOnly) return rng.int(30, 75);
  const u = rng.next();
  if (u < 0.25) return rng.int(1, 17);
  if (u < 0.75) return rng.int(18, 59);
  return rng.int(60, 90);
}

function newCnie(rng: Random, regionCode: string, used: Set<string>): string {
  const prefixes = CNIE_PREFIXES[regionCode] ?? ['A'];
  let value = `${rng.pick(prefixes)}${rng.int(1, 9)}${rng.digits(5)}`;
  while (used.has(value)) value = `${rng.pick(prefixes)}${rng.int(1, 9)}${rng.digits(5)}`;
  if (!isValidCnie(value)) throw new Error(`generated CNIE ${value} is not valid`);
  used.add(value);
  return value;
}

export interface PatientContext {
  builder: DemoBundleBuilder;
  data: ReferenceData;
  communes: CommuneSampler;
  clinicians: readonly DemoClinician[];
  usedCnie: Set<string>;
}

export function addPatient(ctx: PatientContext, rng: Random, index: number, adultOnly: boolean): DemoPatient {
  const gender = rng.chance(0.5) ? 'female' : 'male';
  const targetAge = drawAge(rng, adultOnly);
  // Birthday somewhere in the year after the target age, so the age at the reference date is exact.
  const birthDayMs = daysAgo(targetAge * 365.25 + rng.int(20, 340));
  const age = ageAtReference(birthDayMs);
  const commune = ctx.communes.draw(rng);
  const child = age < 16;
  const nearest = nearestClinician(
    ctx.clinicians,
    commune.latitude ?? 0,
    commune.longitude ?? 0,
    child ? isDoctorIn('generalPractice', 'pediatrics') : isDoctorIn('generalPractice'),
  );
  if (!nearest) throw new Error('the demo roster has no general practitioner');
  const home = nearest.facility;
  // A child is seen by the paediatrician when the facility has one.
  const doctor =
    (child && ctx.clinicians.find((c) => c.facility === home && isDoctorIn('pediatrics')(c))) || nearest;

  const names = moroccanHumanNames(rng, gender);
  const line = commune.urban ? `${rng.int(1, 180)}, ${rng.pick(STREETS)}` : rng.pick(DOUARS);
  const languages = [concept(SYSTEM.bcp47, 'ar-MA', 'Arabic (Morocco)', 'Darija')];
  if (rng.chance(0.35)) languages.push(concept(SYSTEM.bcp47, 'fr', 'French', 'Français'));

  const reference = ctx.builder.add<Patient>(
    {
      resourceType: 'Patient',
      identifier: [
        {
          use: 'official',
          type: concept(SYSTEM.identifierType, 'NI', 'National unique individual identifier', 'CNIE'),
          system: CNIE_SYSTEM,
          value: newCnie(rng, commune.regionCode, ctx.usedCnie),
        },
      ],
      active: true,
      name: names,
      telecom: [{ system: 'phone', value: `+2126${rng.digits(8)}`, use: 'mobile' }],
      gender,
      birthDate: fhirDate(birthDayMs),
      address: [
        { use: 'home', type: 'physical', line: [line], ...placeOf(ctx.data, commune), country: 'MA' },
      ],
      communication: languages.map((language, i) => (i === 0 ? { language, preferred: true } : { language })),
      generalPractitioner: [doctor.practitioner],
      managingOrganization: home.organization,
    },
    names[0]?.text,
  );

  return { reference, index, gender, birthDayMs, age, commune, home, doctor };
}
