/**
 * What a Subscription asks for, checked: the criteria parse as a search the engine can evaluate,
 * the channel is one this server speaks (rest-hook, websocket), a rest-hook endpoint is allowed
 * (endpoint-guard.ts), its payload is JSON or absent, and its headers are plain `Name: value`
 * lines that cannot smuggle a request. Pure; refusals are 400 OperationOutcomes naming the element.
 */
import type { Subscription } from '@medplum/fhirtypes';
import {
  badRequest,
  FhirError,
  isResourceType,
  outcome,
  parseSearch,
  type QueryParams,
  type SearchQuery,
} from '@sahti/fhir';
import { type AllowedEndpoint, checkEndpoint, type HostRule } from './endpoint-guard.ts';

export interface SubscriptionSpec {
  id: string;
  status: NonNullable<Subscription['status']>;
  criteria: { resourceType: string; query: QueryParams; parsed: SearchQuery };
  channel:
    | { type: 'websocket' }
    | { type: 'rest-hook'; endpoint: AllowedEndpoint; payload: boolean; headers: [string, string][] };
  /** Past this instant nothing is sent. */
  end?: number;
}

const PAYLOADS = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
/** Result parameters shape a page, not a match: meaningless in criteria. */
const NOT_FILTERS = new Set([
  '_count',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_contained',
  '_containedType',
  '_cursor',
  '_format',
]);
/** Headers the server sets itself (or that would change how the request is framed). */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
]);
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}):[ \t]*([^\r\n\0]{0,2048})$/;

const unsupported = (text: string, expression: string): never => {
  throw new FhirError(400, outcome('error', 'not-supported', text, [expression]));
};

/** Parses `Observation?code=…&subject=…`; refuses what cannot be evaluated against one resource. */
export function parseCriteria(criteria: string): SubscriptionSpec['criteria'] {
  const q = criteria.indexOf('?');
  const resourceType = (q >= 0 ? criteria.slice(0, q) : criteria).trim();
  if (!isResourceType(resourceType))
    badRequest(`Subscription.criteria must start with a resource type (got "${resourceType.slice(0, 64)}")`, [
      'Subscription.criteria',
    ]);
  if (resourceType === 'Subscription')
    unsupported('Subscriptions to Subscription changes are not supported', 'Subscription.criteria');
  const query = [...new URLSearchParams(q >= 0 ? criteria.slice(q + 1) : '')];
  for (const [name] of query)
    if (NOT_FILTERS.has(name.split(':')[0]))
      badRequest(`Subscription.criteria may only filter: ${name} is not allowed`, ['Subscription.criteria']);
  try {
    return { resourceType, query, parsed: parseSearch(resourceType, query, true) };
  } catch (err) {
    if (err instanceof FhirError)
      badRequest(`Subscription.criteria: ${err.message}`, ['Subscription.criteria']);
    throw err;
  }
}

export function subscriptionSpec(resource: Subscription, hosts: readonly HostRule[]): SubscriptionSpec {
  const criteria = parseCriteria(resource.criteria ?? '');
  const channel = resource.channel;
  let spec: SubscriptionSpec['channel'];
  if (channel?.type === 'websocket') spec = { type: 'websocket' };
  else if (channel?.type === 'rest-hook') {
    const allowed = checkEndpoint(channel.endpoint ?? '', hosts);
    if (typeof allowed === 'string') badRequest(allowed, ['Subscription.channel.endpoint']);
    if (channel.payload !== undefined && !PAYLOADS.has(channel.payload.split(';')[0].trim()))
      unsupported(
        'channel.payload must be application/fhir+json (or absent)',
        'Subscription.channel.payload',
      );
    const headers: [string, string][] = [];
    for (const line of channel.header ?? []) {
      const m = HEADER.exec(line);
      if (!m)
        badRequest('each channel.header must be one "Name: value" line', ['Subscription.channel.header']);
      if (RESERVED_HEADERS.has(m![1].toLowerCase()))
        badRequest(`channel.header may not set ${m![1]}`, ['Subscription.channel.header']);
      headers.push([m![1], m![2].trim()]);
    }
    if (headers.length > 20) badRequest('at most 20 channel.header lines', ['Subscription.channel.header']);
    spec = {
      type: 'rest-hook',
      endpoint: allowed as AllowedEndpoint,
      payload: channel.payload !== undefined,
      headers,
    };
  } else {
    spec = unsupported(
      `channel.type ${channel?.type ?? '(none)'} is not supported here: use rest-hook or websocket`,
      'Subscription.channel.type',
    );
  }
  const end = resource.end ? Date.parse(resource.end) : undefined;
  return {
    id: resource.id ?? '',
    status: resource.status ?? 'requested',
    criteria,
    channel: spec,
    ...(end !== undefined && Number.isFinite(end) ? { end } : {}),
  };
}
