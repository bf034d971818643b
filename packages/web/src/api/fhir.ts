/**
 * A typed FHIR R4 client over /fhir/R4: the same REST API third-party systems use.
 */
import type { Bundle, BundleEntry, ExtractResource, Resource, ResourceType } from '@medplum/fhirtypes';
import { request } from './http.ts';

export const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json';

/** Search parameters: an object (one value each) or pairs (repeat a name to AND it). */
export type SearchParams = Record<string, string | number | undefined> | [string, string][];

export function searchQuery(params: SearchParams): string {
  const query = new URLSearchParams();
  const pairs = Array.isArray(params) ? params : Object.entries(params);
  for (const [name, value] of pairs)
    if (value !== undefined && value !== '') query.append(name, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The resources of a searchset, of the searched type (matches) or of another (includes). */
export function resourcesOf<K extends ResourceType>(bundle: Bundle, type: K): ExtractResource<K>[] {
  return (bundle.entry ?? [])
    .map((e: BundleEntry) => e.resource)
    .filter((r): r is ExtractResource<K> => r?.resourceType === type);
}

/** Extra headers of a read or search, and the signal that cancels it (a screen left). */
export interface ReadOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function read<K extends ResourceType>(
  type: K,
  id: string,
  options: ReadOptions = {},
): Promise<ExtractResource<K>> {
  const url = `${FHIR_BASE}/${type}/${encodeURIComponent(id)}`;
  return (await request<ExtractResource<K>>('GET', url, options)).body;
}

export async function search(
  type: ResourceType,
  params: SearchParams = {},
  options: ReadOptions = {},
): Promise<Bundle> {
  return (await request<Bundle>('GET', `${FHIR_BASE}/${type}${searchQuery(params)}`, options)).body;
}

/** The matches of a search, as resources of that type. */
export async function searchResources<K extends ResourceType>(
  type: K,
  params: SearchParams = {},
  options: ReadOptions = {},
): Promise<ExtractResource<K>[]> {
  return resourcesOf(await search(type, params, options), type);
}

export async function create<T extends Resource>(resource: T): Promise<T> {
  return (
    await request<T>('POST', `${FHIR_BASE}/${resource.resourceType}`, {
      body: resource,
      contentType: FHIR_JSON,
      headers: { prefer: 'return=representation' },
    })
  ).body;
}

export async function update<T extends Resource>(resource: T): Promise<T> {
  if (!resource.id) throw new Error('update needs a resource with an id');
  return (
    await request<T>('PUT', `${FHIR_BASE}/${resource.resourceType}/${encodeURIComponent(resource.id)}`, {
      body: resource,
      contentType: FHIR_JSON,
      headers: {
        prefer: 'return=representation',
        ...(resource.meta?.versionId ? { 'if-match': `W/"${resource.meta.versionId}"` } : {}),
      },
    })
  ).body;
}

/** A batch or transaction Bundle; a transaction is all or nothing. */
export async function transaction(bundle: Bundle): Promise<Bundle> {
  return (await request<Bundle>('POST', FHIR_BASE, { body: bundle, contentType: FHIR_JSON })).body;
}

/** Patient/$everything, every page merged into one Bundle (for the patient's own export). */
export async function everything(patientId: string, maxPages = 50): Promise<Bundle> {
  const entries: BundleEntry[] = [];
  let url: string | undefined =
    `${FHIR_BASE}/Patient/${encodeURIComponent(patientId)}/$everything?_count=500`;
  for (let page = 0; url && page < maxPages; page++) {
    const bundle: Bundle = (await request<Bundle>('GET', url)).body;
    entries.push(...(bundle.entry ?? []));
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    url = next ? sameOriginPath(next) : undefined;
  }
  return { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries };
}

/** Paging links are absolute (the server's public URL): follow them on this origin. */
function sameOriginPath(url: string): string {
  const parsed = new URL(url, window.location.origin);
  return parsed.pathname + parsed.search;
}
