/**
 * What to ask the server for a clinician's "CNIE or name" query. Pure.
 * A CNIE is an exact identifier probe. A name is searched twice at once: `name` (starts-with,
 * accent- and Arabic-variant-insensitive) and `phonetic` (transliteration-tolerant: Mohammed /
 * Mohamed / Mhamed, El / Al), sent with `Prefer: handling=strict` so that a server without
 * phonetic matching answers 400 — which is dropped — rather than ignoring it and listing everyone.
 */
import type { Patient } from '@medplum/fhirtypes';
import { CNIE_SYSTEM, looksLikeCnie } from '../fhir/display.ts';

export interface PlannedSearch {
  params: Record<string, string>;
  headers: Record<string, string>;
  /** Whether a failure of this search may be ignored (another one carries the query). */
  optional: boolean;
}

export type QueryProblem = 'missing';

export function planPatientSearch(query: string, count = 50): PlannedSearch[] | QueryProblem {
  const text = query.trim().replace(/\s+/g, ' ');
  if (looksLikeCnie(text)) {
    const cnie = text.replace(/\s/g, '').toUpperCase();
    return [{ params: { identifier: `${CNIE_SYSTEM}|${cnie}`, _count: '10' }, headers: {}, optional: false }];
  }
  if (text.length < 2) return 'missing';
  return [
    { params: { name: text, _count: String(count) }, headers: {}, optional: false },
    {
      params: { phonetic: text, _count: String(count) },
      headers: { prefer: 'handling=strict' },
      optional: true,
    },
  ];
}

/** Results of several searches, each patient once, in the order first seen. */
export function mergePatients(lists: Patient[][]): Patient[] {
  const seen = new Set<string>();
  const merged: Patient[] = [];
  for (const list of lists) {
    for (const patient of list) {
      const key = patient.id ?? JSON.stringify(patient.identifier);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(patient);
    }
  }
  return merged;
}
