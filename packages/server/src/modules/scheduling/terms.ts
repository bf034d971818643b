/**
 * The codes booking speaks: how a consultation happens (in person, video), the specialties a
 * patient searches by (SNOMED CT practice settings, as in the HL7 c80-practice-codes value set) with
 * their labels, and the languages a practitioner speaks (BCP 47).
 */
import type { CodeableConcept } from '@medplum/fhirtypes';

export const MODE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';
export const MODES = ['in-person', 'video'] as const;
export type Mode = (typeof MODES)[number];

export function modeConcept(mode: Mode): CodeableConcept {
  return {
    coding: [
      {
        system: MODE_SYSTEM,
        code: mode,
        display: mode === 'video' ? 'Video consultation' : 'In-person consultation',
      },
    ],
  };
}

export function modeOf(concepts: CodeableConcept | CodeableConcept[] | undefined): Mode | undefined {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts] : [];
  for (const c of list)
    for (const coding of c.coding ?? [])
      if (coding.system === MODE_SYSTEM && MODES.includes(coding.code as Mode)) return coding.code as Mode;
  return undefined;
}

export const SNOMED = 'http://snomed.info/sct';

/** Specialties patients book, with the SNOMED CT practice-setting code and labels in fr/ar/en. */
export const SPECIALTIES: { key: string; code: string; en: string; fr: string; ar: string }[] = [
  {
    key: 'general-practice',
    code: '394814009',
    en: 'General practice',
    fr: 'Médecine générale',
    ar: 'الطب العام',
  },
  { key: 'pediatrics', code: '394537008', en: 'Paediatrics', fr: 'Pédiatrie', ar: 'طب الأطفال' },
  {
    key: 'gynecology-obstetrics',
    code: '394585009',
    en: 'Obstetrics and gynaecology',
    fr: 'Gynécologie-obstétrique',
    ar: 'أمراض النساء والتوليد',
  },
  { key: 'cardiology', code: '394579002', en: 'Cardiology', fr: 'Cardiologie', ar: 'أمراض القلب' },
  { key: 'endocrinology', code: '394583002', en: 'Endocrinology', fr: 'Endocrinologie', ar: 'الغدد الصماء' },
  { key: 'dermatology', code: '394582007', en: 'Dermatology', fr: 'Dermatologie', ar: 'الأمراض الجلدية' },
  { key: 'ent', code: '418960008', en: 'Otolaryngology (ENT)', fr: 'ORL', ar: 'الأنف والأذن والحنجرة' },
  { key: 'pulmonology', code: '418112009', en: 'Pulmonology', fr: 'Pneumologie', ar: 'أمراض الرئة' },
  { key: 'nephrology', code: '394589003', en: 'Nephrology', fr: 'Néphrologie', ar: 'أمراض الكلى' },
  { key: 'ophthalmology', code: '394594003', en: 'Ophthalmology', fr: 'Ophtalmologie', ar: 'طب العيون' },
  { key: 'psychiatry', code: '394587001', en: 'Psychiatry', fr: 'Psychiatrie', ar: 'الطب النفسي' },
  { key: 'rheumatology', code: '394810000', en: 'Rheumatology', fr: 'Rhumatologie', ar: 'أمراض الروماتيزم' },
  {
    key: 'gastroenterology',
    code: '394584008',
    en: 'Gastroenterology',
    fr: 'Gastro-entérologie',
    ar: 'أمراض الجهاز الهضمي',
  },
  { key: 'neurology', code: '394591006', en: 'Neurology', fr: 'Neurologie', ar: 'طب الأعصاب' },
  { key: 'urology', code: '394612005', en: 'Urology', fr: 'Urologie', ar: 'المسالك البولية' },
];

export function specialtyConcept(key: string): CodeableConcept {
  const s = SPECIALTIES.find((x) => x.key === key);
  if (!s) throw new Error(`unknown specialty ${key}`);
  return { coding: [{ system: SNOMED, code: s.code, display: s.en }], text: s.fr };
}

/** Languages a practitioner may speak: Darija, Arabic, Tamazight, French, English, Spanish. */
export const LANGUAGES: { code: string; en: string; fr: string; ar: string }[] = [
  { code: 'ary', en: 'Darija (Moroccan Arabic)', fr: 'Darija', ar: 'الدارجة' },
  { code: 'ar', en: 'Arabic', fr: 'Arabe', ar: 'العربية' },
  { code: 'zgh', en: 'Tamazight', fr: 'Tamazight', ar: 'الأمازيغية' },
  { code: 'fr', en: 'French', fr: 'Français', ar: 'الفرنسية' },
  { code: 'en', en: 'English', fr: 'Anglais', ar: 'الإنجليزية' },
  { code: 'es', en: 'Spanish', fr: 'Espagnol', ar: 'الإسبانية' },
];

export const FEE_URL = 'https://sahti.ma/fhir/StructureDefinition/consultation-fee';
