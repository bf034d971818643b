/**
 * What coded data means, in the reader's language: a practitioner's specialty (SNOMED CT practice
 * setting), a platform role, a vaccine (its PNI schedule row, else its CVX code) and a PNI age.
 * Always from the code, never by matching the text beside it; that text (as the data says) is the
 * fallback for a code we have no words for. Pure.
 */
import type { CodeableConcept, Immunization } from '@medplum/fhirtypes';
import { conceptText } from '../fhir/display.ts';
import type { Language } from '../i18n/languages.ts';
import { ar } from './i18n/ar.ts';
import { en } from './i18n/en.ts';
import { fr } from './i18n/fr.ts';

export const SNOMED = 'http://snomed.info/sct';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
/** The PNI antigen of a dose (packages/server/src/modules/records/pni.ts). */
export const PNI_ANTIGEN = 'https://sahti.ma/fhir/CodeSystem/pni-antigen';

const MESSAGES = { fr, ar, en };

function lookup(table: Record<string, string>, key: string | number | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(table, String(key)) ? table[String(key)] : undefined;
}

function codeOf(concept: CodeableConcept | undefined, system: string): string | undefined {
  return concept?.coding?.find((c) => c.system === system && c.code)?.code;
}

/** Items of a list as the language writes them (Arabic has its own comma). */
export function listText(language: Language, items: string[]): string {
  return items.filter(Boolean).join(language === 'ar' ? '، ' : ', ');
}

export function specialtyLabel(language: Language, concept: CodeableConcept | undefined): string {
  return lookup(MESSAGES[language].specialties, codeOf(concept, SNOMED)) ?? conceptText(concept);
}

export function specialtiesText(language: Language, concepts: CodeableConcept[] | undefined): string {
  return listText(
    language,
    (concepts ?? []).map((c) => specialtyLabel(language, c)),
  );
}

/** A platform role (`doctor`, `hub-specialist`…) or the audit's `acting-for`. */
export function roleLabel(language: Language, role: string): string {
  return lookup(MESSAGES[language].roles, role) ?? role;
}

/** The dose number of an Immunization (`doseNumberString` "0" is the PNI's birth dose). */
export function doseNumber(immunization: Pick<Immunization, 'protocolApplied'>): string | undefined {
  const applied = immunization.protocolApplied?.[0];
  const n = applied?.doseNumberPositiveInt ?? applied?.doseNumberString;
  return n === undefined || n === '' ? undefined : String(n);
}

/** A dose of the PNI schedule by its antigen and number, e.g. ('HB', 1) → "Hépatite B (HB1)". */
export function pniDoseLabel(
  language: Language,
  antigen: string,
  dose: number | string,
  fallback = '',
): string {
  return lookup(MESSAGES[language].vaccines.pni, `${antigen}-${dose}`) ?? fallback;
}

/** The vaccine given: its PNI schedule dose when coded so, else its CVX code, else its text. */
export function vaccineLabel(
  language: Language,
  immunization: Pick<Immunization, 'vaccineCode' | 'protocolApplied'>,
): string {
  const { vaccineCode } = immunization;
  const antigen = codeOf(vaccineCode, PNI_ANTIGEN);
  const dose = doseNumber(immunization);
  return (
    (antigen && dose !== undefined
      ? lookup(MESSAGES[language].vaccines.pni, `${antigen}-${dose}`)
      : undefined) ??
    lookup(MESSAGES[language].vaccines.cvx, codeOf(vaccineCode, CVX)) ??
    conceptText(vaccineCode)
  );
}

/** The age of a PNI dose ("6 semaines") by its days after birth. */
export function pniAgeLabel(language: Language, ageDays: number, fallback = ''): string {
  return lookup(MESSAGES[language].pniAges, ageDays) ?? fallback;
}
