/**
 * The language a person is written to in: French (default), Arabic or English — as the web app
 * (packages/web/src/i18n/languages.ts). For a patient, the preferred `Patient.communication`.
 */
import type { Patient } from '@medplum/fhirtypes';

export const LANGUAGES = ['fr', 'ar', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** `ar-MA` → ar, `en-GB` → en, `FR` → fr; anything else → undefined. */
export function languageOfTag(tag: string | undefined): Language | undefined {
  const primary = tag?.toLowerCase().split(/[-_]/)[0];
  return isLanguage(primary) ? primary : undefined;
}

/** The first language we write that the patient speaks, preferred ones first. */
export function patientLanguage(patient: Patient): Language | undefined {
  const spoken = patient.communication ?? [];
  const ordered = [...spoken.filter((c) => c.preferred), ...spoken.filter((c) => !c.preferred)];
  for (const communication of ordered) {
    for (const coding of communication.language?.coding ?? []) {
      const language = languageOfTag(coding.code);
      if (language) return language;
    }
  }
  return undefined;
}

/** The BCP 47 tag given to Intl: Moroccan conventions, Latin digits in Arabic. */
export function localeTag(language: Language): string {
  return language === 'ar' ? 'ar-MA-u-nu-latn' : language === 'fr' ? 'fr-MA' : 'en-GB';
}
