/**
 * ICD-10 as the server's terminology module serves it (FHIR `ValueSet/$expand` and
 * `CodeSystem/$lookup`): codes found by words or code prefix, and a code's title in the reader's
 * language — French when the set has no title in that language, said by `language`.
 */
import type { Parameters, ValueSet } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import { FHIR_BASE, searchQuery } from '../api/fhir.ts';
import { request } from '../api/http.ts';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';

export interface Icd10Title {
  code: string;
  display: string;
  /** The language the display is written in (`fr` when there is no translation). */
  language: string;
}

/** The codes matching what was typed, best first. */
export async function findIcd10(
  filter: string,
  language: string,
  { count = 10, signal }: { count?: number; signal?: AbortSignal } = {},
): Promise<{ total: number; codes: Icd10Title[] }> {
  const query = searchQuery({ url: `${ICD10}?vs`, filter, count, displayLanguage: language });
  const { body } = await request<ValueSet>('GET', `${FHIR_BASE}/ValueSet/$expand${query}`, { signal });
  return {
    total: body.expansion?.total ?? 0,
    codes: (body.expansion?.contains ?? []).map((c) => ({
      code: c.code ?? '',
      display: c.display ?? '',
      language: c.designation?.[0]?.language ?? 'fr',
    })),
  };
}

/** A code's title in `language` (else French); undefined for a code ICD-10 does not have. */
export async function icd10Title(
  code: string,
  language: string,
  signal?: AbortSignal,
): Promise<Icd10Title | undefined> {
  const query = searchQuery({ system: ICD10, code, displayLanguage: language });
  try {
    const { body } = await request<Parameters>('GET', `${FHIR_BASE}/CodeSystem/$lookup${query}`, { signal });
    const display = body.parameter?.find((p) => p.name === 'display')?.valueString ?? '';
    const designation = body.parameter?.find(
      (p) => p.name === 'designation' && p.part?.some((q) => q.name === 'value' && q.valueString === display),
    );
    return {
      code,
      display,
      language: designation?.part?.find((q) => q.name === 'language')?.valueCode ?? 'fr',
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}
