/**
 * Deciding a notification as the subscriber: their rights now (owners.ts → the access layer: read
 * scope, care relationships and consents of the moment), then the criteria with `_id` added, run
 * by the engine on the store as they see it. A resource they may not read never matches.
 */
import type { Resource } from '@medplum/fhirtypes';
import {
  type FhirRequest,
  type FhirStore,
  parseSearch,
  type RequestAccess,
  type RouteMatch,
  type SearchQuery,
  type SqlExecutor,
} from '@sahti/fhir';
import type { AccessLayer } from '../../access/layer.ts';
import type { Principal } from '../../kernel/principal.ts';
import { type SubscriberSnapshot, subscriberNow } from './owners.ts';
import type { SubscriptionSpec } from './spec.ts';

export interface Subscriber {
  principal: Principal;
  access: RequestAccess;
}

export interface Match {
  /** The resource as the subscriber may read it. */
  resource: Resource;
  patients: string[];
}

/** Whether this caller may read resources of this type at all (role matrix, SMART scopes). */
function mayRead(access: RequestAccess, type: string, id: string): boolean {
  const match: RouteMatch = {
    interaction: 'read',
    level: 'instance',
    method: 'GET',
    resourceType: type,
    id,
    conditional: false,
    query: [],
  };
  const request: FhirRequest = { method: 'GET', path: `/${type}/${id}`, query: [], headers: {} };
  try {
    access.authorize?.(match, request);
    return true;
  } catch {
    return false;
  }
}

export async function matchAs(
  store: FhirStore,
  subscriber: Subscriber,
  spec: SubscriptionSpec,
  id: string,
): Promise<Match | undefined> {
  const type = spec.criteria.resourceType;
  if (!mayRead(subscriber.access, type, id)) return undefined;
  const q: SearchQuery = {
    ...spec.criteria.parsed,
    filters: [...spec.criteria.parsed.filters, ...parseSearch(type, [['_id', id]]).filters],
    sort: [],
    count: 1,
    total: 'none',
    include: [],
    revinclude: [],
    summary: undefined,
    elements: undefined,
    cursor: undefined,
    warnings: [],
  };
  const result = await store.as(subscriber.access).searchParsed(q);
  const resource = result.matches.find((r) => r.id === id);
  return resource ? { resource, patients: result.patients } : undefined;
}

/**
 * Subscribers as they are now. Account and client look-ups are remembered a few seconds; the
 * access itself is resolved at every call (the access layer caches care views and drops them at
 * once on a change), so an ended relationship or a revoked consent stops the next notification.
 */
export function subscriberResolver(db: SqlExecutor, access: AccessLayer, ttlMs = 5_000) {
  const principals = new Map<string, { at: number; principal: Principal | undefined }>();
  return async (snapshot: SubscriberSnapshot): Promise<Subscriber | undefined> => {
    const key = `${snapshot.kind}:${snapshot.id}:${snapshot.clientId}`;
    const now = Date.now();
    let hit = principals.get(key);
    if (!hit || now - hit.at > ttlMs) {
      hit = { at: now, principal: await subscriberNow(db, snapshot) };
      if (principals.size > 10_000) principals.clear();
      principals.set(key, hit);
    }
    if (!hit.principal) return undefined;
    return { principal: hit.principal, access: await access.resolve(hit.principal) };
  };
}
