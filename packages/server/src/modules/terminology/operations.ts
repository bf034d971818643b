/**
 * The terminology operations of FHIR, for ICD-10 only:
 *   GET|POST CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10&code=J02.9&displayLanguage=ar
 *        → Parameters: name, version, display (in that language, else French), designation per language
 *   GET|POST ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10?vs&filter=pharyngite&count=10&displayLanguage=fr
 *        → a ValueSet whose expansion lists the matching codes, best first (search.ts)
 * Terminology is not patient data: any signed-in caller may ask, and nothing is audited.
 */
import type { Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import {
  FhirError,
  type FhirOperation,
  type FhirResponse,
  type OperationParameters,
  outcome,
} from '@sahti/fhir';
import { ICD10_SYSTEM, ICD10_VERSION, type Icd10, LANGUAGES, type Language } from './icd10.ts';
import { searchIcd10 } from './search.ts';

/** The implicit value set of all ICD-10 codes (FHIR's `[system]?vs`), and the HL7 one. */
export const ICD10_VALUE_SETS = [`${ICD10_SYSTEM}?vs`, 'http://hl7.org/fhir/ValueSet/icd-10'];
const MAX_COUNT = 100;

const invalid = (
  status: number,
  code: 'invalid' | 'not-found' | 'not-supported',
  text: string,
  field: string,
) => new FhirError(status, outcome('error', code, text, [field]));

/** `fr-MA`, `ar`, `en-GB` → fr, ar, en; absent → fr; anything else is refused. */
function languageOf(params: OperationParameters): Language {
  const asked = params.get('displayLanguage');
  if (!asked) return 'fr';
  const base = asked.toLowerCase().split('-')[0] as Language;
  if (!LANGUAGES.includes(base))
    throw invalid(400, 'not-supported', 'displayLanguage: fr, ar or en', 'displayLanguage');
  return base;
}

function wholeNumber(params: OperationParameters, name: string, fallback: number): number {
  const text = params.get(name);
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,6}$/.test(text)) throw invalid(400, 'invalid', `${name}: a whole number`, name);
  return Number(text);
}

const answer = (body: Parameters | ValueSet): FhirResponse => ({ status: 200, headers: {}, body, audit: [] });

export function lookupOperation(system: () => Icd10): FhirOperation {
  return {
    name: 'lookup',
    levels: ['type'],
    resourceTypes: ['CodeSystem'],
    methods: ['GET', 'POST'],
    effect: 'none',
    async run({ parameters }) {
      if (parameters.get('system') !== ICD10_SYSTEM)
        throw invalid(400, 'not-supported', `system: only ${ICD10_SYSTEM} is known here`, 'system');
      const code = parameters.get('code') ?? '';
      if (!code.trim()) throw invalid(400, 'invalid', 'code: the ICD-10 code to look up', 'code');
      const language = languageOf(parameters);
      const icd = system();
      const concept = icd.concept(code);
      if (!concept) throw invalid(404, 'not-found', `code: ${code} is not an ICD-10 code`, 'code');
      const designation = (lang: Language, value: string): ParametersParameter => ({
        name: 'designation',
        part: [
          { name: 'language', valueCode: lang },
          { name: 'value', valueString: value },
        ],
      });
      return answer({
        resourceType: 'Parameters',
        parameter: [
          { name: 'name', valueString: 'ICD-10' },
          { name: 'version', valueString: ICD10_VERSION },
          { name: 'code', valueCode: concept.code },
          { name: 'display', valueString: icd.title(code, language)!.value },
          designation('fr', concept.fr),
          ...(concept.ar ? [designation('ar', concept.ar)] : []),
          ...(concept.en ? [designation('en', concept.en)] : []),
        ],
      });
    },
  };
}

export function expandOperation(system: () => Icd10): FhirOperation {
  return {
    name: 'expand',
    levels: ['type'],
    resourceTypes: ['ValueSet'],
    methods: ['GET', 'POST'],
    effect: 'none',
    async run({ parameters }) {
      const url = parameters.get('url');
      if (!url || !ICD10_VALUE_SETS.includes(url))
        throw invalid(
          url ? 404 : 400,
          url ? 'not-found' : 'invalid',
          `url: the value set to expand; here only ${ICD10_VALUE_SETS[0]}`,
          'url',
        );
      const language = languageOf(parameters);
      const count = Math.min(wholeNumber(parameters, 'count', 20), MAX_COUNT);
      const offset = wholeNumber(parameters, 'offset', 0);
      const filter = parameters.get('filter') ?? '';
      const icd = system();
      const found = searchIcd10(icd, filter, { language, count, offset });
      return answer({
        resourceType: 'ValueSet',
        status: 'active',
        url,
        expansion: {
          timestamp: new Date().toISOString(),
          total: found.total,
          offset,
          parameter: [
            ...(filter ? [{ name: 'filter', valueString: filter }] : []),
            { name: 'displayLanguage', valueCode: language },
            { name: 'count', valueInteger: count },
          ],
          contains: found.slots.map((at) => {
            const title = icd.titleAt(at, language);
            return {
              system: ICD10_SYSTEM,
              code: icd.conceptAt(at).code,
              display: title.value,
              // the language the display is really in (French when the set has no translation)
              designation: [{ language: title.language, value: title.value }],
            };
          }),
        },
      });
    },
  };
}
