/**
 * What a write changed, read from the request and the server's answer; and when a failed request
 * is worth trying again. Pure.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import type { DataChange } from './keys.ts';

/** The resource a create or an update wrote. */
export function changeOf(resource: Resource): DataChange {
  return { resourceType: resource.resourceType, ...(resource.id ? { id: resource.id } : {}) };
}

/**
 * Every resource a batch or transaction wrote: the type from each entry's request, the id from the
 * answer's `location` (`Type/id/_history/n`), else from the request URL (`PUT Type/id`).
 */
export function changesOfBundle(request: Bundle, response?: Bundle): DataChange[] {
  const changes: DataChange[] = [];
  (request.entry ?? []).forEach((entry, position) => {
    const method = entry.request?.method;
    if (!method || method === 'GET' || method === 'HEAD') return;
    const url = (entry.request?.url ?? '').split('?')[0];
    const location = response?.entry?.[position]?.response?.location;
    const [type, id] = (location ? pathOf(location) : url).split('/');
    const resourceType = type || entry.resource?.resourceType;
    if (!resourceType) return;
    changes.push(id ? { resourceType, id } : { resourceType });
  });
  return changes;
}

/** `https://host/fhir/R4/Patient/1/_history/2` → `Patient/1/_history/2`. */
function pathOf(location: string): string {
  const match = /(?:^|\/)([A-Z][A-Za-z]+\/[^/]+(?:\/_history\/[^/]+)?)$/.exec(location.split('?')[0]);
  return match ? match[1] : location;
}

/**
 * A refusal (4xx) stays a refusal: asking again would only delay the message. A network failure
 * or a server error is tried twice more.
 */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}
