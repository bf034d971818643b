/**
 * The guest-dialysis demo: a network of haemodialysis centres in real named facilities of the
 * Moroccan cities of the issue (OpenStreetMap, data/reference/facilities.csv; the commune of each
 * from HCP 2024 centroids) and synthetic partner centres abroad (named as demo, without coordinates),
 * each with guest chairs on Mon/Wed/Fri, Tue/Thu/Sat or every day; a synthetic dialysis patient in
 * Rabat whose hepatitis C serology is too old, with her home nephrologist and home centre; and the
 * staff of the Agadir centre. Capacities, prices, rules and languages are synthetic.
 */
import type {
  AllergyIntolerance,
  Bundle,
  CareTeam,
  Condition,
  MedicationStatement,
  Observation,
  Patient,
  Practitioner,
  PractitionerRole,
  Procedure,
  Reference,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { DemoBundleBuilder } from '../../demo/bundle-builder.ts';
import { moroccanHumanNames } from '../../demo/names.ts';
import { deriveSeed, Random } from '../../demo/random.ts';
import { communeAt, loadReferenceData, placeOf } from '../../demo/reference-data.ts';
import { CONDITIONS, MEDICINES } from '../../demo/terminology.ts';
import { CNIE_SYSTEM, INPE_SYSTEM } from '../../identifiers/morocco.ts';
import { addDays, localDate } from '../scheduling/calendar.ts';
import { addCentre, type CentreRefs, type CentreSpec, type ChairSpec } from './network.ts';
import { prescriptionExtension } from './record.ts';
import {
  ECG,
  haemodialysisConcept,
  LABS,
  NEGATIVE,
  PRESCRIPTION,
  SEROLOGY,
  SNOMED,
  UCUM,
  VASCULAR_ACCESS,
} from './terms.ts';

export const DIALYSIS_DEMO_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/demo';
export const DIALYSIS_DEMO_MARKER = 'sahti-dialysis-demo-v1';
export const DEMO_DIALYSIS_PATIENT_CNIE = 'AD900101';
export const DEMO_DESTINATION_LOGIN = 'dialyse.agadir@demo.sahti.ma';
export const DEMO_HOME_NEPHROLOGIST_LOGIN = 'nephro.rabat@demo.sahti.ma';
/** The patient whose stay in Agadir began yesterday (a session recorded, today's and later ones booked). */
export const DEMO_STAY_IN_PROGRESS_CNIE = 'AD900102';
/** The patient whose stay in Agadir ended weeks ago (letter sent, the centre's access over). */
export const DEMO_STAY_ENDED_CNIE = 'AD900103';

const MWF = ['mon', 'wed', 'fri'] as const;
const TTS = ['tue', 'thu', 'sat'] as const;
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const guestChairs = (isolation = true): ChairSpec[] => [
  { kind: 'standard', label: 'Fauteuil 1', days: MWF },
  { kind: 'standard', label: 'Fauteuil 2', days: TTS },
  { kind: 'standard', label: 'Fauteuil 3', days: ALL },
  ...(isolation ? [{ kind: 'isolation' as const, label: 'Fauteuil isolement', days: ALL }] : []),
];

/** [OSM id, languages beyond ary/ar/fr]: real facilities of the issue's cities (the units' details are synthetic). */
const MOROCCAN: [string, string[]][] = [
  ['way/152610307', ['en']], // CHU Ibn Sina, Rabat — the demo patient's home centre
  ['way/789801885', []], // Centre de dialyse Guich Oudaya, Rabat
  ['way/435627815', ['en']], // Centre d'Hémodialyse 2 Mars, Casablanca
  ['node/4486728186', []], // Centre de rein Moulay Youssef, Casablanca
  ['way/46791011', ['en', 'zgh']], // Hôpital Ibn Zohr, Marrakech
  ['way/150782355', ['en', 'zgh']], // CHU Mohammed VI, Marrakech
  ['way/398750216', ['en', 'zgh']], // Hôpital Hassan II, Agadir — the demo destination
  ['way/713395167', ['zgh']], // Hemodialysis center Aït Melloul
  ['node/11510958381', []], // Hôpital Moulay Ismaïl, Meknès
  ['way/606825183', ['en']], // Centre de dialyse Saada, Fès
  ['node/5054002323', []], // Centre d'hémodialyse Moulay Driss, Fès
  ['way/475665966', ['es', 'en']], // Hôpital Mohammed VI, Tanger
  ['way/320122141', []], // Centre de dialyse Al Hakim Alaoui, Oujda
  ['way/311290860', ['es']], // Hôpital Moulay Hassan Ben Mehdi, Laâyoune
  ['way/251776350', ['es']], // Hôpital Hassan II, Dakhla
  ['way/454489832', []], // Centre de dialyse Al Amal, Kénitra
  ['way/322202376', []], // Centre d'hémodialyse Moulay Abdellah, El Jadida
  ['way/150999624', ['es']], // Centre de dialyse Arrayane, Tétouan
  ['way/1262670772', ['zgh']], // Centre d'hémodialyse, Guelmim
  ['node/6002715286', ['zgh']], // Centre de dialyse Oasis, Taroudant
];

/** Partner centres abroad: synthetic (no real centre is named), in cities where Moroccans travel. */
const ABROAD: [string, string, string[], 'EUR'][] = [
  ['Paris', 'FR', ['fr', 'en', 'ar'], 'EUR'],
  ['Lyon', 'FR', ['fr', 'en'], 'EUR'],
  ['Marseille', 'FR', ['fr', 'ar'], 'EUR'],
  ['Montpellier', 'FR', ['fr'], 'EUR'],
  ['Bruxelles', 'BE', ['fr', 'en', 'ar'], 'EUR'],
  ['Madrid', 'ES', ['es', 'en'], 'EUR'],
  ['Barcelona', 'ES', ['es', 'en', 'fr'], 'EUR'],
  ['Málaga', 'ES', ['es', 'en'], 'EUR'],
  ['Lisboa', 'PT', ['pt', 'en', 'fr'], 'EUR'],
  ['Porto', 'PT', ['pt', 'en'], 'EUR'],
];

const UNIT_NAME = (facility: string, city: string) =>
  /dialy|hémodialyse|hemodialy|rein/i.test(facility)
    ? facility
    : `Unité d'hémodialyse — ${facility}${facility.includes(city) ? '' : `, ${city}`}`;

export interface DialysisDemo {
  bundle: Bundle;
  /** fullUrls of the people the accounts are for. */
  patient: string;
  /** fullUrls of the patients whose stays in Agadir are under way and over (seeded by demo-stays.ts). */
  inProgress: string;
  ended: string;
  homeNephrologist: string;
  destinationNurse: string;
  /** The Agadir centre, the destination of the demo's stays. */
  destination: CentreRefs;
  centres: CentreRefs[];
}

const inpe = (rng: Random) => `${rng.int(1, 9)}${rng.digits(8)}`;

interface DemoWorld {
  builder: DemoBundleBuilder;
  rng: Random;
  data: ReturnType<typeof loadReferenceData>;
  now: Date;
  home: CentreRefs;
  nephrologist: Reference<Practitioner>;
}

interface DemoPatientSpec {
  cnie: string;
  gender: 'male' | 'female';
  birthDate: string;
  email: string;
  phone: string;
  commune: string;
  hcvDaysAgo: number;
  serologyDaysAgo: number;
}

/** A haemodialysis patient of the home centre, on Mon/Wed/Fri, followed by the home nephrologist. */
function addDialysisPatient(world: DemoWorld, p: DemoPatientSpec): Reference<Patient> {
  const { builder, rng, data, home, nephrologist } = world;
  const commune = data.communes.find((c) => c.nameFr === p.commune);
  if (!commune) throw new Error(`dialysis demo: ${p.commune} is missing from communes.csv`);
  const names = moroccanHumanNames(rng, p.gender);
  const patient = builder.add<Patient>(
    {
      resourceType: 'Patient',
      identifier: [{ use: 'official', system: CNIE_SYSTEM, value: p.cnie }],
      active: true,
      name: names,
      gender: p.gender,
      birthDate: p.birthDate,
      telecom: [
        { system: 'email', value: p.email },
        { system: 'phone', value: p.phone, use: 'mobile' },
      ],
      address: [{ use: 'home', ...placeOf(data, commune), country: 'MA' }],
      communication: [
        { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr' }] }, preferred: true },
        { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ar' }] } },
      ],
    },
    names[0]?.text,
  );
  const subject = { reference: patient.reference } as Reference<Patient>;
  const today = localDate(world.now);
  const daysAgo = (n: number) => addDays(today, -n);
  builder.add<CareTeam>({
    resourceType: 'CareTeam',
    status: 'active',
    name: 'Équipe de dialyse (Rabat)',
    subject,
    participant: [{ member: nephrologist }, { member: home.organization }],
  });
  const condition = (c: { code: string; display: string; fr: string }, since: string): Condition => ({
    resourceType: 'Condition',
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
        ],
      },
    ],
    code: { coding: [{ system: SNOMED, code: c.code, display: c.display }], text: c.fr },
    subject,
    onsetDateTime: since,
  });
  builder.add(condition(CONDITIONS.ckdStage5, '2019-03-01'));
  builder.add(condition(CONDITIONS.hypertension, '2012-06-01'));
  builder.add<AllergyIntolerance>({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: 'confirmed',
        },
      ],
    },
    code: {
      coding: [{ system: SNOMED, code: '716186003', display: 'No known allergy (situation)' }],
      text: 'Aucune allergie connue',
    },
    patient: subject,
    recordedDate: daysAgo(200),
  });
  for (const m of [MEDICINES.epoetinAlfa, MEDICINES.calciumCarbonate, MEDICINES.amlodipine]) {
    builder.add<MedicationStatement>({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.whocc.no/atc', code: m.atc, display: m.display }],
        text: m.text,
      },
      subject,
      effectivePeriod: { start: daysAgo(300) },
      dosage: [{ text: m.dosage }],
    });
  }
  builder.add<ServiceRequest>({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [{ coding: [PRESCRIPTION] }],
    code: haemodialysisConcept(),
    subject,
    authoredOn: daysAgo(60),
    requester: nephrologist,
    occurrenceTiming: {
      repeat: {
        frequency: 3,
        period: 1,
        periodUnit: 'wk',
        dayOfWeek: ['mon', 'wed', 'fri'],
        timeOfDay: ['10:30:00'],
        duration: 4,
        durationUnit: 'h',
      },
    },
    extension: [
      prescriptionExtension({
        durationMinutes: 240,
        bloodFlow: 300,
        dialyser: 'Polysulfone haut flux 1,8 m²',
        dialysate: 'K 2 mmol/L, Ca 1,5 mmol/L, HCO3 35 mmol/L',
        anticoagulation: 'Héparine non fractionnée, bolus puis entretien',
        dryWeightKg: 62.5,
      }),
    ],
  });
  builder.add<Procedure>({
    resourceType: 'Procedure',
    status: 'completed',
    category: { coding: [VASCULAR_ACCESS] },
    code: {
      coding: [{ system: VASCULAR_ACCESS.system, code: 'av-fistula', display: 'Arteriovenous fistula' }],
      text: 'Fistule artério-veineuse',
    },
    bodySite: [{ text: 'Avant-bras gauche' }],
    subject,
    performedDateTime: '2019-02-15',
  });
  const obs = (
    coding: { system: string; code: string; display: string },
    date: string,
    value: Partial<Observation>,
    category = 'laboratory',
  ): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] },
    ],
    code: { coding: [coding] },
    subject,
    effectiveDateTime: date,
    performer: [home.organization],
    ...value,
  });
  const negative = { valueCodeableConcept: { coding: [NEGATIVE] } };
  builder.add(obs(SEROLOGY.hbv, daysAgo(p.serologyDaysAgo), negative));
  builder.add(obs(SEROLOGY.hcv, daysAgo(p.hcvDaysAgo), negative));
  builder.add(obs(SEROLOGY.hiv, daysAgo(p.serologyDaysAgo), negative));
  builder.add(
    obs(
      ECG,
      daysAgo(150),
      { valueString: 'Rythme sinusal, pas de trouble de la repolarisation' },
      'procedure',
    ),
  );
  builder.add(
    obs(LABS.haemoglobin, daysAgo(20), {
      valueQuantity: { value: 10.8, unit: 'g/dL', system: UCUM, code: 'g/dL' },
    }),
  );
  builder.add(
    obs(LABS.potassium, daysAgo(20), {
      valueQuantity: { value: 5.1, unit: 'mmol/L', system: UCUM, code: 'mmol/L' },
    }),
  );
  builder.add(
    obs(LABS.creatinine, daysAgo(20), {
      valueQuantity: { value: 7.9, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
    }),
  );
  return patient;
}

export function buildDialysisDemo(now: Date, seed = 2211): DialysisDemo {
  const rng = new Random(deriveSeed(seed, 1));
  const builder = new DemoBundleBuilder(new Random(deriveSeed(seed, 0)));
  const data = loadReferenceData();
  builder.add({
    resourceType: 'Organization',
    identifier: [{ system: DIALYSIS_DEMO_SYSTEM, value: DIALYSIS_DEMO_MARKER }],
    active: true,
    name: 'Sahti — dialyse en voyage, données de démonstration (synthétiques)',
  });
  const byId = new Map(data.facilities.map((f) => [f.sourceId, f]));
  const centres: CentreRefs[] = [];
  for (const [sourceId, extra] of MOROCCAN) {
    const f = byId.get(sourceId);
    if (!f) throw new Error(`dialysis demo: facility ${sourceId} is missing from facilities.csv`);
    const commune = communeAt(data, f.latitude, f.longitude);
    const spec: CentreSpec = {
      name: UNIT_NAME(f.name, commune.nameFr),
      address: { ...placeOf(data, commune), country: 'MA' },
      position: { latitude: f.latitude, longitude: f.longitude },
      languages: ['ary', 'ar', 'fr', ...extra],
      coverages: ['cnss', 'cnops', 'amo-tadamon', 'far', 'self-pay'],
      price: { value: 850 + 50 * rng.int(0, 6), currency: 'MAD' },
      serologyWindowDays: rng.pick([60, 90, 90]),
      labsWindowDays: 60,
      minNoticeDays: rng.pick([3, 7, 7]),
      identifier: { system: INPE_SYSTEM, value: inpe(rng) },
      chairs: guestChairs(rng.chance(0.8)),
    };
    centres.push(addCentre(builder, spec));
  }
  for (const [city, country, languages, currency] of ABROAD) {
    centres.push(
      addCentre(builder, {
        name: `Centre de dialyse partenaire — ${city} (démo)`,
        address: { city, country },
        languages,
        coverages: ['self-pay', 'private-insurance'],
        price: { value: 250 + 10 * rng.int(0, 10), currency },
        serologyWindowDays: 30,
        labsWindowDays: 30,
        minNoticeDays: 21,
        chairs: guestChairs(),
      }),
    );
  }
  const [home, , , , , , agadir] = centres;
  // the home nephrologist (Rabat) and the Agadir centre's nurse coordinator
  const person = (gender: 'male' | 'female', doctor: boolean, centre: CentreRefs, specialty?: string) => {
    const names = moroccanHumanNames(rng, gender, doctor ? { latin: 'Dr', arabic: 'د.' } : undefined);
    const practitioner = builder.add<Practitioner>(
      {
        resourceType: 'Practitioner',
        identifier: [{ system: INPE_SYSTEM, value: inpe(rng) }],
        active: true,
        name: names,
        gender,
      },
      names[0]?.text,
    );
    builder.add<PractitionerRole>({
      resourceType: 'PractitionerRole',
      active: true,
      practitioner,
      organization: centre.organization,
      location: [centre.location],
      healthcareService: [centre.service],
      code: [
        {
          coding: [
            doctor
              ? {
                  system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
                  code: 'doctor',
                  display: 'Doctor',
                }
              : {
                  system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
                  code: 'nurse',
                  display: 'Nurse',
                },
          ],
        },
      ],
      ...(specialty
        ? { specialty: [{ coding: [{ system: SNOMED, code: specialty, display: 'Nephrology' }] }] }
        : {}),
    });
    return practitioner;
  };
  const nephrologist = person('female', true, home, '394589003');
  const nurse = person('male', false, agadir);
  const world: DemoWorld = { builder, rng, data, now, home, nephrologist };
  // the patient of the planning story, living in Rabat: her hepatitis C serology is too old for
  // any centre (the demo's first lesson)
  const patient = addDialysisPatient(world, {
    cnie: DEMO_DIALYSIS_PATIENT_CNIE,
    gender: 'female',
    birthDate: '1968-04-12',
    email: 'dialyse.patiente@demo.sahti.ma',
    phone: '+212600000011',
    commune: 'Rabat',
    hcvDaysAgo: 200,
    serologyDaysAgo: 40,
  });
  // two patients of the same unit whose stays in Agadir are under way and over (demo-stays.ts)
  const inProgress = addDialysisPatient(world, {
    cnie: DEMO_STAY_IN_PROGRESS_CNIE,
    gender: 'male',
    birthDate: '1959-11-03',
    email: 'dialyse.sejour@demo.sahti.ma',
    phone: '+212600000012',
    commune: 'Rabat',
    hcvDaysAgo: 30,
    serologyDaysAgo: 30,
  });
  const ended = addDialysisPatient(world, {
    cnie: DEMO_STAY_ENDED_CNIE,
    gender: 'female',
    birthDate: '1975-06-21',
    email: 'dialyse.retour@demo.sahti.ma',
    phone: '+212600000013',
    commune: 'Rabat',
    hcvDaysAgo: 60,
    serologyDaysAgo: 60,
  });
  return {
    bundle: builder.build(),
    patient: patient.reference as string,
    inProgress: inProgress.reference as string,
    ended: ended.reference as string,
    homeNephrologist: nephrologist.reference as string,
    destinationNurse: nurse.reference as string,
    destination: agadir,
    centres,
  };
}
