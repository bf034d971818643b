/**
 * The booking demo: a few hundred synthetic practitioners (synthetic names and INPE numbers) in real
 * care places of all 12 regions (OpenStreetMap, data/reference/facilities.csv; which places, and which
 * specialty where: care-places.ts), in proportion to where people live (HCP 2024), each with
 * specialty, languages, fee in MAD (synthetic, in the usual range of Moroccan private practice) and
 * weekly templates for in-person and, for some, video consultations — including shorter Ramadan
 * hours. Deterministic: the same seed, the same bundle.
 */
import type {
  Bundle,
  Location,
  Organization,
  Practitioner,
  PractitionerRole,
  Reference,
  Schedule,
} from '@medplum/fhirtypes';
import { DemoBundleBuilder } from '../../demo/bundle-builder.ts';
import { newInpe } from '../../demo/facilities.ts';
import { moroccanHumanNames } from '../../demo/names.ts';
import { deriveSeed, Random } from '../../demo/random.ts';
import { communeAt, type Facility, loadReferenceData, placeOf } from '../../demo/reference-data.ts';
import { INPE_SYSTEM } from '../../identifiers/morocco.ts';
import type { Session, WeeklyTemplate } from '../scheduling/template.ts';
import { templateExtension } from '../scheduling/template.ts';
import { FEE_URL, modeConcept, SPECIALTIES, specialtyConcept } from '../scheduling/terms.ts';
import { type CarePlaceKind, carePlaceKind, mayConsultAt } from './care-places.ts';

export const DIRECTORY_DEMO_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/demo';
export const DIRECTORY_DEMO_MARKER = 'sahti-directory-demo-v1';

/** Specialties in the proportions of a Moroccan city's practices (roughly: GPs first). */
const SPECIALTY_WEIGHTS: [string, number][] = [
  ['general-practice', 34],
  ['pediatrics', 8],
  ['gynecology-obstetrics', 8],
  ['cardiology', 6],
  ['endocrinology', 5],
  ['dermatology', 5],
  ['ent', 4],
  ['pulmonology', 4],
  ['ophthalmology', 5],
  ['psychiatry', 3],
  ['rheumatology', 3],
  ['gastroenterology', 4],
  ['neurology', 3],
  ['urology', 3],
  ['nephrology', 5],
];
/** Regions where Tamazight is widely spoken at home, by region code (HCP). */
const TAMAZIGHT_REGIONS = new Set(['02', '04', '08', '09', '10']);
/** Northern regions where Spanish is common. */
const SPANISH_REGIONS = new Set(['01', '02', '11', '12']);

const KIND_LABEL: Record<CarePlaceKind, string> = {
  hospital: 'Hôpital',
  clinic: 'Clinique',
  dialysis: 'Centre d’hémodialyse',
  health_centre: 'Centre de santé',
  practice: 'Cabinet médical',
};

function weighted(rng: Random, weights: [string, number][]): string {
  const total = weights.reduce((n, [, w]) => n + w, 0);
  let x = rng.int(0, total - 1);
  for (const [key, w] of weights) {
    if (x < w) return key;
    x -= w;
  }
  return weights[0][0];
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const days = (list: readonly string[], start: string, end: string): Session[] =>
  list.map((day) => ({ day: day as Session['day'], start, end }));

function inPersonTemplate(rng: Random, slotMinutes: number): WeeklyTemplate {
  const saturday = rng.chance(0.4);
  return {
    slotMinutes,
    sessions: [
      ...days(WEEKDAYS, '09:00', '12:30'),
      ...days(
        WEEKDAYS.filter(() => rng.chance(0.8)),
        '14:30',
        '18:00',
      ),
      ...(saturday ? days(['sat'], '09:00', '12:30') : []),
    ],
    ramadanSessions: [
      ...days(WEEKDAYS, '10:00', '15:00'),
      ...(saturday ? days(['sat'], '10:00', '13:00') : []),
    ],
    exceptions: [],
    closedOnHolidays: true,
  };
}

function videoTemplate(rng: Random): WeeklyTemplate {
  const evenings = WEEKDAYS.filter(() => rng.chance(0.5));
  return {
    slotMinutes: 20,
    sessions: days(evenings.length ? evenings : ['tue', 'thu'], '18:30', '20:30'),
    // during Ramadan, after the evening meal
    ramadanSessions: days(evenings.length ? evenings : ['tue', 'thu'], '21:30', '23:00'),
    exceptions: [],
    closedOnHolidays: true,
  };
}

export interface DirectoryDemoOptions {
  practitioners?: number;
  seed?: number;
}

export function buildDirectoryDemo(options: DirectoryDemoOptions = {}): Bundle {
  const data = loadReferenceData();
  const count = options.practitioners ?? 240;
  const seed = options.seed ?? 2026;
  const builder = new DemoBundleBuilder(new Random(deriveSeed(seed, 0)));
  const rng = new Random(deriveSeed(seed, 1));
  const usedInpe = new Set<string>();
  builder.add({
    resourceType: 'Organization',
    identifier: [{ system: DIRECTORY_DEMO_SYSTEM, value: DIRECTORY_DEMO_MARKER }],
    name: 'Sahti — annuaire de démonstration',
    active: true,
  } as Organization);
  // the places practitioners sit, by region: care places a physician consults at (care-places.ts),
  // one per name (the map has some twice)
  const byRegion = new Map<string, Facility[]>();
  const named = new Set<string>();
  for (const f of data.facilities) {
    const key = `${f.region}|${f.name.trim().toLowerCase()}`;
    if (!carePlaceKind(f) || named.has(key)) continue;
    named.add(key);
    const list = byRegion.get(f.region) ?? [];
    list.push(f);
    byRegion.set(f.region, list);
  }
  const regions = [...data.regions.values()].filter((r) => byRegion.has(r.nameFr));
  const population = regions.reduce((n, r) => n + r.population, 0);
  const facilityRefs = new Map<
    string,
    { organization: Reference<Organization>; location: Reference<Location> }
  >();
  const facilityFor = (f: Facility) => {
    const known = facilityRefs.get(f.sourceId);
    if (known) return known;
    const commune = communeAt(data, f.latitude, f.longitude);
    const address = {
      use: 'work' as const,
      type: 'physical' as const,
      ...placeOf(data, commune),
      country: 'MA',
    };
    const organization = builder.add<Organization>(
      {
        resourceType: 'Organization',
        active: true,
        identifier: [{ system: INPE_SYSTEM, value: newInpe(rng, usedInpe) }],
        name: f.name,
        address: [address],
      },
      f.name,
    );
    const location = builder.add<Location>(
      {
        resourceType: 'Location',
        status: 'active',
        name: f.name,
        description: `${KIND_LABEL[carePlaceKind(f) ?? 'practice']} — ${commune.nameFr}`,
        address,
        position: { latitude: f.latitude, longitude: f.longitude },
        managingOrganization: organization,
        extension: [{ url: 'https://sahti.ma/fhir/StructureDefinition/osm-id', valueString: f.sourceId }],
      },
      f.name,
    );
    const refs = { organization, location };
    facilityRefs.set(f.sourceId, refs);
    return refs;
  };

  for (const region of regions) {
    const share = Math.max(4, Math.round((count * region.population) / population));
    const facilities = (byRegion.get(region.nameFr) ?? [])
      .slice()
      .sort((a, b) => a.sourceId.localeCompare(b.sourceId));
    const places = facilities.slice(0, Math.min(facilities.length, Math.max(3, Math.ceil(share / 3))));
    // the next of the region's places, in turn, where a physician of this specialty consults
    const placeFor = (specialty: string, turn: number) =>
      places
        .map((_, k) => places[(turn + k) % places.length])
        .concat(facilities)
        .find((f) => mayConsultAt(specialty, f));
    for (let i = 0; i < share; i++) {
      let specialty = weighted(rng, SPECIALTY_WEIGHTS);
      let facility = placeFor(specialty, i);
      if (!facility) {
        specialty = 'general-practice';
        facility = placeFor(specialty, i) ?? places[i % places.length];
      }
      const { organization, location } = facilityFor(facility);
      const gender = rng.chance(0.5) ? 'female' : 'male';
      const languages = ['ary', 'ar'];
      if (rng.chance(0.85)) languages.push('fr');
      if (TAMAZIGHT_REGIONS.has(region.code) && rng.chance(0.55)) languages.push('zgh');
      if (rng.chance(0.25)) languages.push('en');
      if (SPANISH_REGIONS.has(region.code) && rng.chance(0.3)) languages.push('es');
      const names = moroccanHumanNames(rng, gender, { latin: 'Dr', arabic: 'د.' });
      const practitioner = builder.add<Practitioner>(
        {
          resourceType: 'Practitioner',
          active: true,
          identifier: [{ system: INPE_SYSTEM, value: newInpe(rng, usedInpe) }],
          name: names,
          gender,
          communication: languages.map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
          qualification: [{ code: specialtyConcept(specialty) }],
        },
        names[0].text,
      );
      const general = specialty === 'general-practice';
      const fee = general ? 150 + 50 * rng.int(0, 2) : 250 + 50 * rng.int(0, 5);
      const role = builder.add<PractitionerRole>({
        resourceType: 'PractitionerRole',
        active: true,
        practitioner,
        organization,
        location: [location],
        code: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
                code: 'doctor',
                display: 'Doctor',
              },
            ],
          },
        ],
        specialty: [specialtyConcept(specialty)],
        extension: [{ url: FEE_URL, valueMoney: { value: fee, currency: 'MAD' } }],
      });
      const schedule = (mode: 'in-person' | 'video', template: WeeklyTemplate) =>
        builder.add<Schedule>({
          resourceType: 'Schedule',
          active: true,
          serviceType: [modeConcept(mode)],
          specialty: [specialtyConcept(specialty)],
          actor: [role, practitioner, ...(mode === 'in-person' ? [location] : [])],
          comment: mode === 'video' ? 'Téléconsultation' : `Consultation au cabinet — ${facility.name}`,
          extension: [templateExtension(template)],
        });
      schedule('in-person', inPersonTemplate(rng, general ? 15 : rng.pick([20, 30])));
      if (rng.chance(0.35)) schedule('video', videoTemplate(rng));
    }
  }
  return builder.build();
}

export const DEMO_SPECIALTY_KEYS = SPECIALTIES.map((s) => s.key);
