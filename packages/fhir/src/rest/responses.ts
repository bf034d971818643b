/** Building FHIR responses: resources with their headers, bundle entries, errors as OperationOutcomes. */
import type { BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { allOk, FhirError, outcome } from '../outcome.ts';
import type { QueryParams } from '../search/parse.ts';
import type { AccessRecord, FhirResponse } from './types.ts';

export function ok(body: Resource, audit?: AccessRecord[]): FhirResponse {
  return { status: 200, headers: {}, body, ...(audit ? { audit } : {}) };
}

export function resourceResponse(resource: Resource, status: number, baseUrl: string): FhirResponse {
  const version = resource.meta?.versionId;
  const headers = versionHeaders(version, resource.meta?.lastUpdated);
  if (status === 201 && version) {
    headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`;
    headers['content-location'] = headers.location;
  }
  return { status, headers, body: resource };
}

/** A version's ETag and Last-Modified (from its versionId and lastUpdated). */
export function versionHeaders(
  versionId: string | number | undefined,
  lastUpdated: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (versionId) headers.etag = `W/"${versionId}"`;
  if (lastUpdated) headers['last-modified'] = new Date(lastUpdated).toUTCString();
  return headers;
}

/** A failure as a response: FhirErrors as they are, known database conditions as 4xx; else a 500. */
export function errorResponse(err: unknown): FhirResponse {
  if (err instanceof FhirError) return { status: err.status, headers: err.headers, body: err.outcome };
  const code = (err as { code?: string })?.code;
  // a concurrent writer won the race to the same id: the client may retry
  if (code === '23505' || code === '40001' || code === '40P01') {
    return {
      status: 409,
      headers: {},
      body: outcome('error', 'conflict', 'A concurrent change conflicted with this one; retry'),
    };
  }
  if (code === '54000' || code === '54001' || code === '57014') {
    return {
      status: 400,
      headers: {},
      body: outcome('error', 'too-costly', 'The request is too complex to run'),
    };
  }
  if (code === '22003') {
    // numeric field overflow: a value far beyond what any resource holds (e.g. 1e999999)
    return {
      status: 400,
      headers: {},
      body: outcome('error', 'invalid', 'A number in the request is out of range'),
    };
  }
  return {
    status: 500,
    headers: {},
    body: outcome('fatal', 'exception', 'Internal error; it has been logged'),
    error: err,
  };
}

export function toEntry(res: FhirResponse): BundleEntry {
  const failed = res.status >= 400;
  return {
    ...(res.body && !failed ? { resource: res.body } : {}),
    response: {
      status: String(res.status),
      ...(res.headers.location ? { location: res.headers.location } : {}),
      ...(res.headers.etag ? { etag: res.headers.etag } : {}),
      ...(failed && res.body ? { outcome: res.body as OperationOutcome } : {}),
    },
  };
}

/**
 * What `Prefer: return=…` asks of a write's answer (R4 http.html): the resource as stored (the
 * default), nothing, or an OperationOutcome. In a batch or transaction it applies to each write entry.
 */
export type ReturnPreference = 'representation' | 'minimal' | 'OperationOutcome';

const RETURN_PREFERENCES = new Map<string, ReturnPreference>([
  ['representation', 'representation'],
  ['minimal', 'minimal'],
  ['operationoutcome', 'OperationOutcome'],
]);

export function returnPreference(prefer: string | undefined): ReturnPreference {
  const asked = /(?:^|[;,\s])return\s*=\s*"?([A-Za-z]+)"?/i.exec(prefer ?? '')?.[1];
  return RETURN_PREFERENCES.get(asked?.toLowerCase() ?? '') ?? 'representation';
}

/**
 * A bundle's write entry as the preference asks: without its resource (`minimal`), or with an
 * OperationOutcome in `response.outcome` in its place. Failed entries keep their outcome.
 */
export function preferredEntry(entry: BundleEntry, preference: ReturnPreference): BundleEntry {
  const { resource, response, ...rest } = entry;
  if (preference === 'representation' || !resource || !response || response.outcome) return entry;
  if (preference === 'minimal') return { ...rest, response };
  const saved = allOk(`${resource.resourceType}/${resource.id} saved`);
  return { ...rest, response: { ...response, outcome: saved } };
}

export function firstDiagnostic(res: FhirResponse): string | undefined {
  const issue = (res.body as OperationOutcome | undefined)?.issue?.[0];
  return issue?.diagnostics?.slice(0, 200);
}

export function param(query: QueryParams, name: string): string | undefined {
  return query.find(([k]) => k === name)?.[1];
}

export function searchUrl(baseUrl: string, path: string, query: QueryParams): string {
  const qs = new URLSearchParams(query).toString();
  return `${baseUrl}/${path}${qs ? `?${qs}` : ''}`;
}

/** References `Type/id` of resources, at most 100 (an audit entry names what was touched, not a dump). */
export function referencesOf(resources: { resourceType: string; id?: string }[]): string[] {
  return resources.slice(0, 100).map((r) => `${r.resourceType}/${r.id}`);
}
