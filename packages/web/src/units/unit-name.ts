/** A mobile unit's name as its screens show it: in the reader's language, else in French. Pure. */
import { translatedText } from '../fhir/display.ts';
import type { UnitSummary } from './api.ts';

export function unitName(unit: Pick<UnitSummary, 'name' | '_name'> | undefined, language: string): string {
  return translatedText(unit?.name, unit?._name, language);
}
