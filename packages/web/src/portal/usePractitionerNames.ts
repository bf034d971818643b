/**
 * Names of the practitioners an access log mentions, in the reader's script: the log stores the
 * display name of the moment; the practitioners' resources (the directory, readable by a patient)
 * carry the Arabic form. One search for a page of the log; until it answers, or for someone the
 * directory no longer has, the name recorded.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import type { AccessLogEntry } from '../api/access.ts';
import { useSearchResources } from '../data/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { actorName, practitionerReferences } from './access-log-view.ts';

export function usePractitionerNames(
  entries: AccessLogEntry[],
): (recorded: string, reference: string | undefined) => string {
  const language = useLanguage();
  const references = practitionerReferences(entries);
  const ids = references.map((r) => r.slice('Practitioner/'.length));
  const found = useSearchResources(
    'Practitioner',
    { _id: ids.join(','), _count: ids.length, _elements: 'name' },
    { enabled: ids.length > 0 },
  );
  const byReference = new Map<string, Practitioner>(
    (found.data ?? []).map((p) => [`Practitioner/${p.id}`, p]),
  );
  return (recorded, reference) =>
    actorName(recorded, reference ? byReference.get(reference) : undefined, language);
}
