/** Helpers for driving the server with the third-party `fhir-kit-client` library. */
import { Client } from 'fhir-kit-client';
import { CNIE_SYSTEM } from '../../packages/server/src/identifiers/morocco.ts';

export type Resource = Record<string, any> & { resourceType: string };

export const LOINC = 'http://loinc.org';

/** The HTTP status of a client call: the response's when it succeeds, the error's when it throws. */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    const result = (await call) as Resource;
    return Client.httpFor(result).response?.status ?? 0;
  } catch (err) {
    const status = (err as { response?: { status?: number } }).response?.status;
    if (status === undefined) throw err;
    return status;
  }
}

/** The error body (an OperationOutcome) of a call that must fail. */
export async function failureOf(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (response) return { status: response.status, body: response.data };
    throw err;
  }
  throw new Error('the call was expected to fail and succeeded');
}

export const header = (result: unknown, name: string): string | null =>
  Client.httpFor(result as Resource).response?.headers.get(name) ?? null;

/** `[base/]Type/id/_history/n` (a bundle entry's response.location, relative or absolute). */
export function parseLocation(location: string): { type: string; id: string; version: string } {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/(\d+)$/.exec(location ?? '');
  if (!m) throw new Error(`not a versioned location: ${location}`);
  return { type: m[1], id: m[2], version: m[3] };
}

/** A CNIE number unique to this run: 2 letters and 6 digits. */
let cnieCounter = 0;
export function uniqueCnie(): string {
  const n = (Date.now() % 900_000) + 100_000 + ++cnieCounter;
  return `BK${String(n % 1_000_000).padStart(6, '0')}`;
}

export function patient(family: string, cnie?: string): Resource {
  return {
    resourceType: 'Patient',
    ...(cnie ? { identifier: [{ system: CNIE_SYSTEM, value: cnie }] } : {}),
    name: [{ family, given: ['Amina'] }],
    gender: 'female',
    birthDate: '1987-03-14',
  };
}

export function observation(
  subject: string,
  code: { system: string; code: string },
  value: number,
  extra: object = {},
): Resource {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [code] },
    subject: { reference: subject },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    ...extra,
  };
}

/** Follows `next` links with the client from a first page; returns each page's matches in order. */
export async function walkPages(
  client: Client,
  first: Resource,
  onPage: (page: Resource) => Promise<void> = async () => {},
): Promise<Resource[][]> {
  const pages: Resource[][] = [];
  let page: Resource | undefined = first;
  while (page) {
    pages.push((page.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource));
    await onPage(page);
    if (pages.length > 100) throw new Error('more than 100 pages: the next links do not end');
    page = (await client.nextPage({ bundle: page as any })) as Resource | undefined;
  }
  return pages;
}

/** Patient + Encounter + two Observations, linked by urn:uuid fullUrls. */
export function transactionBundle(cnie: string): Resource {
  const p = `urn:uuid:${crypto.randomUUID()}`;
  const e = `urn:uuid:${crypto.randomUUID()}`;
  const weight = { system: LOINC, code: '29463-7' };
  const height = { system: LOINC, code: '8302-2' };
  const post = (fullUrl: string, resource: Resource) => ({
    fullUrl,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      post(p, patient('Mansouri', cnie)),
      post(e, {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: p },
      }),
      post(`urn:uuid:${crypto.randomUUID()}`, observation(p, weight, 71, { encounter: { reference: e } })),
      post(`urn:uuid:${crypto.randomUUID()}`, observation(p, height, 168, { encounter: { reference: e } })),
    ],
  };
}

/** A batch of four independent entries; the second (a malformed birthDate) must fail alone. */
export function batchWithOneFailure(): Resource {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { request: { method: 'POST', url: 'Patient' }, resource: patient('Jabri') },
      {
        request: { method: 'POST', url: 'Patient' },
        resource: { ...patient('Kettani'), birthDate: '14/03/1987' },
      },
      { request: { method: 'GET', url: 'Patient/no-such-patient' } },
      {
        request: { method: 'PUT', url: 'Patient/batch-lahlou' },
        resource: { ...patient('Lahlou'), id: 'batch-lahlou' },
      },
    ],
  };
}
