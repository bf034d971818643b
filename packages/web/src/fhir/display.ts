/**
 * How FHIR data reads on screen: names in the reader's script, concepts, identifiers. Pure.
 */
import type { CodeableConcept, Element, HumanName, Identifier, Reference } from '@medplum/fhirtypes';

export const CNIE_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/cnie';
export const INPE_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/inpe';
const LANGUAGE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/language';
const TRANSLATION_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/translation';

/** The default CNIE format (SAHTI_CNIE_PATTERN on the server): 1–2 letters and 5–6 digits. */
export const CNIE_PATTERN = /^[A-Z]{1,2}[0-9]{5,6}$/;

export function looksLikeCnie(text: string): boolean {
  return CNIE_PATTERN.test(text.trim().toUpperCase());
}

function nameLanguage(name: HumanName): string | undefined {
  return name.extension?.find((e) => e.url === LANGUAGE_EXTENSION)?.valueCode;
}

function nameText(name: HumanName | undefined): string {
  if (!name) return '';
  return name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

/** The name to show a reader of `language`: the Arabic-script name for Arabic, else the official one. */
export function personName(names: HumanName[] | undefined, language: string): string {
  if (!names?.length) return '';
  const arabic = names.find((n) => nameLanguage(n) === 'ar');
  const latin =
    names.find((n) => nameLanguage(n) !== 'ar' && n.use === 'official') ?? names.find((n) => n !== arabic);
  return nameText(language === 'ar' ? (arabic ?? latin) : (latin ?? arabic));
}

/** The name in the other script, when there is one (clinicians see both). */
export function otherScriptName(names: HumanName[] | undefined, language: string): string {
  const shown = personName(names, language);
  const other = names?.map(nameText).find((t) => t && t !== shown);
  return other ?? '';
}

/**
 * A string in the reader's language: its translation (the `translation` extension of its primitive
 * element, e.g. Organization `_name`) into `language` or its base language (`ar` for `ar-MA`),
 * else the string itself.
 */
export function translatedText(
  text: string | undefined,
  element: Element | undefined,
  language: string,
): string {
  const wanted = [language, language.split('-')[0]];
  for (const lang of wanted) {
    const found = element?.extension?.find(
      (e) =>
        e.url === TRANSLATION_EXTENSION && e.extension?.some((x) => x.url === 'lang' && x.valueCode === lang),
    );
    const content = found?.extension?.find((x) => x.url === 'content')?.valueString;
    if (content) return content;
  }
  return text ?? '';
}

export function conceptText(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  return concept.text ?? concept.coding?.find((c) => c.display)?.display ?? concept.coding?.[0]?.code ?? '';
}

export function conceptsText(concepts: CodeableConcept[] | undefined): string {
  return (concepts ?? []).map(conceptText).filter(Boolean).join(', ');
}

export function hasCode(concept: CodeableConcept | undefined, system: string, code: string): boolean {
  return Boolean(concept?.coding?.some((c) => c.system === system && c.code === code));
}

export function identifierValue(identifiers: Identifier[] | undefined, system: string): string | undefined {
  return identifiers?.find((i) => i.system === system)?.value;
}

export function referenceText(reference: Reference | undefined): string {
  return reference?.display ?? reference?.reference ?? '';
}

/** `Patient/12` → `12` when the reference is of that type. */
export function referenceId(reference: Reference | string | undefined, type: string): string | undefined {
  const value = typeof reference === 'string' ? reference : reference?.reference;
  return value?.startsWith(`${type}/`) ? value.slice(type.length + 1) : undefined;
}
