/**
 * The code systems and codes the demo data uses, in one place so they can be checked against the
 * terminologies (LOINC, SNOMED CT, UCUM, CVX, ATC, HL7 code systems) once.
 */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  atc: 'http://www.whocc.no/atc',
  bcp47: 'urn:ietf:bcp:47',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  degree: 'http://terminology.hl7.org/CodeSystem/v2-0360',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  practitionerRole: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
} as const;

export function concept(system: string, code: string, display: string, text?: string): CodeableConcept {
  const coding: Coding = { system, code, display };
  return text ? { coding: [coding], text } : { coding: [coding] };
}

/** HL7 security label "test health data": every demo resource carries it in meta.security. */
export function testDataLabel(): Coding {
  return { system: SYSTEM.actReason, code: 'HTEST', display: 'test health data' };
}

/** Chronic conditions (SNOMED CT), with a French label as text. */
export const CONDITIONS = {
  diabetesType2: { code: '44054006', display: 'Diabetes mellitus type 2', fr: 'Diabète de type 2' },
  hypertension: {
    code: '38341003',
    display: 'Hypertensive disorder, systemic arterial',
    fr: 'Hypertension artérielle',
  },
  ckdStage5: {
    code: '433146000',
    display: 'Chronic kidney disease stage 5',
    fr: 'Insuffisance rénale chronique stade 5',
  },
  asthma: { code: '195967001', display: 'Asthma', fr: 'Asthme' },
  hyperlipidemia: { code: '55822004', display: 'Hyperlipidemia', fr: 'Hyperlipidémie' },
} as const;
export type ConditionKey = keyof typeof CONDITIONS;

/** Medicines as ATC codes (the classification Morocco's DMP uses), with a French dosage text. */
export interface Medicine {
  atc: string;
  display: string;
  text: string;
  dosage: string;
  /** Intakes per day (for Dosage.timing). */
  perDay: number;
  oral: boolean;
}

export const MEDICINES = {
  metformin: {
    atc: 'A10BA02',
    display: 'metformin',
    text: 'Metformine 850 mg, comprimé',
    dosage: '1 comprimé matin et soir, au cours des repas',
    perDay: 2,
    oral: true,
  },
  gliclazide: {
    atc: 'A10BB09',
    display: 'gliclazide',
    text: 'Gliclazide 30 mg LM, comprimé',
    dosage: '1 comprimé le matin',
    perDay: 1,
    oral: true,
  },
  insulinGlargine: {
    atc: 'A10AE04',
    display: 'insulin glargine',
    text: 'Insuline glargine 100 UI/ml, stylo',
    dosage: '14 UI le soir en sous-cutané',
    perDay: 1,
    oral: false,
  },
  amlodipine: {
    atc: 'C08CA01',
    display: 'amlodipine',
    text: 'Amlodipine 5 mg, comprimé',
    dosage: '1 comprimé par jour',
    perDay: 1,
    oral: true,
  },
  losartan: {
    atc: 'C09CA01',
    display: 'losartan',
    text: 'Losartan 50 mg, comprimé',
    dosage: '1 comprimé par jour',
    perDay: 1,
    oral: true,
  },
  enalapril: {
    atc: 'C09AA02',
    display: 'enalapril',
    text: 'Énalapril 10 mg, comprimé',
    dosage: '1 comprimé par jour',
    perDay: 1,
    oral: true,
  },
  atorvastatin: {
    atc: 'C10AA05',
    display: 'atorvastatin',
    text: 'Atorvastatine 20 mg, comprimé',
    dosage: '1 comprimé le soir',
    perDay: 1,
    oral: true,
  },
  epoetinAlfa: {
    atc: 'B03XA01',
    display: 'erythropoietin',
    text: 'Époétine alfa 4000 UI, seringue',
    dosage: '1 injection après chaque séance de dialyse',
    perDay: 1,
    oral: false,
  },
  calciumCarbonate: {
    atc: 'A12AA04',
    display: 'calcium carbonate',
    text: 'Carbonate de calcium 500 mg, comprimé',
    dosage: '1 comprimé à chaque repas',
    perDay: 3,
    oral: true,
  },
  salbutamol: {
    atc: 'R03AC02',
    display: 'salbutamol',
    text: 'Salbutamol 100 µg/dose, aérosol',
    dosage: '2 bouffées en cas de gêne respiratoire',
    perDay: 1,
    oral: false,
  },
  beclometasone: {
    atc: 'R03BA01',
    display: 'beclometasone',
    text: 'Béclométasone 250 µg/dose, aérosol',
    dosage: '2 bouffées matin et soir',
    perDay: 2,
    oral: false,
  },
} as const satisfies Record<string, Medicine>;

export const ORAL_ROUTE = { code: '26643006', display: 'Oral route' };

/** Allergies as SNOMED CT disorder codes, with a plausible reaction. */
export const ALLERGIES = [
  {
    code: '91936005',
    display: 'Allergy to penicillin',
    fr: 'Allergie à la pénicilline',
    category: 'medication',
    reaction: { code: '271807003', display: 'Eruption of skin' },
  },
  {
    code: '91935009',
    display: 'Allergy to peanuts',
    fr: "Allergie à l'arachide",
    category: 'food',
    reaction: { code: '247472004', display: 'Hives' },
  },
  {
    code: '213020009',
    display: 'Allergy to egg protein',
    fr: "Allergie aux protéines de l'œuf",
    category: 'food',
    reaction: { code: '247472004', display: 'Hives' },
  },
  {
    code: '417532002',
    display: 'Allergy to fish',
    fr: 'Allergie au poisson',
    category: 'food',
    reaction: { code: '39579001', display: 'Anaphylaxis' },
  },
  {
    code: '232350006',
    display: 'House dust mite allergy',
    fr: 'Allergie aux acariens',
    category: 'environment',
    reaction: { code: '267036007', display: 'Dyspnea' },
  },
] as const;

/** Observations: LOINC code, UCUM unit. */
export const OBSERVATIONS = {
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  bodyWeight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  glucose: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL' },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%' },
  creatinine: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
} as const;

/** Vaccines (CVX), used for Morocco's national immunisation programme (PNI) schedule. */
export const VACCINES = {
  bcg: { code: '19', display: 'BCG' },
  hepBPediatric: { code: '08', display: 'hepatitis B vaccine, pediatric or pediatric/adolescent dosage' },
  bOpv: { code: '178', display: 'Non-US bivalent oral polio vaccine (types 1 and 3)' },
  dtpHibHepB: { code: '102', display: 'DTP-Haemophilus influenzae type b conjugate and hepatitis b vaccine' },
  ipv: { code: '10', display: 'poliovirus vaccine, inactivated' },
  pcv13: { code: '133', display: 'pneumococcal conjugate vaccine, 13 valent' },
  rotavirus: { code: '119', display: 'rotavirus, live, monovalent vaccine' },
  measlesRubella: { code: '04', display: 'measles and rubella virus vaccine' },
  dtp: { code: '01', display: 'diphtheria, tetanus toxoids and pertussis vaccine' },
  hpv9: { code: '165', display: 'Human Papillomavirus 9-valent vaccine' },
  influenza: { code: '141', display: 'Influenza, seasonal, injectable' },
  covid19: {
    code: '208',
    display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose',
  },
} as const;
export type VaccineKey = keyof typeof VACCINES;

/** Practice settings (SNOMED CT) for PractitionerRole.specialty. */
export const SPECIALTIES = {
  generalPractice: { code: '394814009', display: 'General practice', fr: 'Médecine générale' },
  nephrology: { code: '394589003', display: 'Nephrology', fr: 'Néphrologie' },
  cardiology: { code: '394579002', display: 'Cardiology', fr: 'Cardiologie' },
  endocrinology: { code: '394583002', display: 'Endocrinology', fr: 'Endocrinologie' },
  pediatrics: { code: '394537008', display: 'Pediatric specialty', fr: 'Pédiatrie' },
} as const;
export type SpecialtyKey = keyof typeof SPECIALTIES;

/** Encounter types (SNOMED CT procedures). */
export const ENCOUNTER_TYPES = {
  checkUp: { code: '185349003', display: 'Encounter for check up', fr: 'Consultation de contrôle' },
  followUp: { code: '390906007', display: 'Follow-up encounter', fr: 'Consultation de suivi' },
  hemodialysis: { code: '302497006', display: 'Hemodialysis', fr: 'Séance d’hémodialyse' },
} as const;
