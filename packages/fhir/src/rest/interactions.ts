/**
 * What each route does: read, vread, search, history, create, update, patch, delete. Every one
 * returns its response with an AccessRecord naming the resources and patients it touched.
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { historyBundle, readHistory } from '../history.ts';
import { allOk, badRequest, fail, notFound, shown } from '../outcome.ts';
import { DEFAULT_COUNT, MAX_COUNT, type QueryParams } from '../search/parse.ts';
import { shapeResource } from '../shape.ts';
import type { FhirStore, WriteResult } from '../store.ts';
import {
  ok,
  param,
  referencesOf,
  resourceResponse,
  returnPreference,
  searchUrl,
  versionHeaders,
} from './responses.ts';
import type { OperationRegistry } from './routes.ts';
import { StoredJson } from './stored-json.ts';
import type { AccessRecord, FhirRequest, FhirResponse, RequestAccess, RouteMatch } from './types.ts';

export interface RouteContext {
  match: RouteMatch;
  req: FhirRequest;
  /** The store as this caller sees it. */
  store: FhirStore;
  access?: RequestAccess;
  baseUrl: string;
  /** The route table's operations (to classify bundle entries the same way as requests). */
  operations: OperationRegistry;
}

export function record(ctx: RouteContext, status: number, ids: string[], patients: string[]): AccessRecord {
  const { match } = ctx;
  return {
    interaction: match.interaction,
    ...(match.operation ? { operation: match.operation.name } : {}),
    ...(match.resourceType ? { resourceType: match.resourceType } : {}),
    ids,
    patients,
    status,
  };
}

/** Hidden and unknown answer alike: a caller cannot learn that a resource exists. */
function hidden(ctx: RouteContext, type: string, id: string, patients: string[]): FhirResponse {
  const res = errorOf(404, 'not-found', `${type}/${id} does not exist`);
  return {
    ...res,
    audit: [{ ...record(ctx, 404, [`${type}/${id}`], patients), outcome: 'not found or hidden' }],
  };
}

function errorOf(status: number, code: string, text: string): FhirResponse {
  return {
    status,
    headers: {},
    body: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: code as 'invalid', diagnostics: text, details: { text } }],
    } as OperationOutcome,
  };
}

export async function read(ctx: RouteContext): Promise<FhirResponse> {
  const { resourceType: type, id } = ctx.match as Required<Pick<RouteMatch, 'resourceType' | 'id'>>;
  const found = await ctx.store.locate(type, id, undefined, ctx.store.reader);
  if (!found) return notFound(`${type}/${id} does not exist`);
  if (!found.visible) return hidden(ctx, type, id, found.patients);
  if (found.deleted) fail(410, 'deleted', `${type}/${id} has been deleted`);
  const audit = [record(ctx, 200, [`${type}/${id}`], found.patients)];
  const etag = `W/"${found.versionId}"`;
  if (ctx.req.headers['if-none-match'] === etag)
    return { status: 304, headers: { etag }, audit: [{ ...audit[0], status: 304 }] };
  const summary = param(ctx.req.query, '_summary');
  const elements = param(ctx.req.query, '_elements');
  // unshaped, the stored text is the answer, written as it is (rest/stored-json.ts)
  if (
    ctx.req.textBodies === true &&
    elements === undefined &&
    (summary === undefined || summary === 'false')
  ) {
    const body = new StoredJson(found.content as string) as unknown as Resource;
    return { status: 200, headers: versionHeaders(found.versionId, found.lastUpdated), body, audit };
  }
  const resource = JSON.parse(found.content as string) as Resource;
  return {
    ...resourceResponse(shapeResource(resource, summary, elements?.split(',')), 200, ctx.baseUrl),
    audit,
  };
}

export async function vread(ctx: RouteContext): Promise<FhirResponse> {
  const {
    resourceType: type,
    id,
    versionId,
  } = ctx.match as Required<Pick<RouteMatch, 'resourceType' | 'id' | 'versionId'>>;
  if (!/^\d{1,15}$/.test(versionId)) notFound(`Version "${versionId}" of ${type}/${id} does not exist`);
  const found = await ctx.store.locate(type, id, versionId, ctx.store.reader);
  if (!found) return notFound(`Version ${versionId} of ${type}/${id} does not exist`);
  if (!found.visible) return hidden(ctx, type, id, found.patients);
  if (found.deleted) fail(410, 'deleted', `Version ${versionId} of ${type}/${id} is a deletion`);
  const resource = JSON.parse(found.content as string) as Resource;
  return {
    ...resourceResponse(resource, 200, ctx.baseUrl),
    audit: [record(ctx, 200, [`${type}/${id}/_history/${versionId}`], found.patients)],
  };
}

export async function search(ctx: RouteContext): Promise<FhirResponse> {
  const { match, baseUrl } = ctx;
  const type = match.resourceType as string;
  const q = match.search!;
  const result = await ctx.store.searchParsed(q);
  const query = ctx.req.query;
  // unshaped, a match is its stored text, written as it is into the answer (rest/stored-json.ts)
  const asStored =
    ctx.req.textBodies === true && !q.elements?.length && (q.summary === undefined || q.summary === 'false');
  const entry: BundleEntry[] = [
    ...result.stored.map((m, i) => ({
      fullUrl: `${baseUrl}/${m.resourceType}/${m.id}`,
      resource: asStored
        ? (new StoredJson(m.text) as unknown as Resource)
        : shapeResource(result.matches[i], q.summary, q.elements),
      search: { mode: 'match' as const },
    })),
    ...result.included.map((r) => ({
      fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`,
      resource: r,
      search: { mode: 'include' as const },
    })),
  ];
  if (result.warnings.length > 0) {
    const warning: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: result.warnings.map((w) => ({ severity: 'warning', code: 'not-supported', diagnostics: w })),
    };
    entry.push({ resource: warning, search: { mode: 'outcome' } });
  }
  const link = [{ relation: 'self', url: searchUrl(baseUrl, type, query) }];
  if (result.nextCursor) {
    const next = query.filter(([k]) => k !== '_cursor' && k !== '_total');
    next.push(['_cursor', result.nextCursor], ['_total', 'none']);
    link.push({ relation: 'next', url: searchUrl(baseUrl, type, next) });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined ? { total: result.total } : {}),
    link,
    entry,
  };
  const touched = [...result.stored, ...result.included];
  return ok(bundle, [
    {
      ...record(ctx, 200, referencesOf(touched), result.patients),
      query: `${type}${query.length ? `?${new URLSearchParams(query)}` : ''}`,
    },
  ]);
}

export async function history(ctx: RouteContext): Promise<FhirResponse> {
  const { resourceType: type, id } = ctx.match;
  const query = ctx.req.query;
  // one executor for the existence check and the page, so both see the same database
  const reader = ctx.store.reader;
  if (type && id) {
    const found = await ctx.store.locate(type, id, undefined, reader);
    if (!found) notFound(`${type}/${id} does not exist`);
  }
  const count = pageSize(query, DEFAULT_COUNT);
  const page = await readHistory(
    reader,
    {
      type,
      id,
      count,
      since: param(query, '_since'),
      cursor: param(query, '_cursor'),
      scope: ctx.store.access.scope,
    },
    ctx.baseUrl,
  );
  if (type && id && page.entries.length === 0 && !param(query, '_cursor') && !param(query, '_since'))
    return hidden(ctx, type, id, []);
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const rest = query.filter(([k]) => k !== '_cursor');
  const next = page.nextCursor
    ? searchUrl(ctx.baseUrl, path, [...rest, ['_cursor', page.nextCursor]])
    : undefined;
  const ids = page.entries.flatMap((e) =>
    e.resource ? [`${e.resource.resourceType}/${e.resource.id}`] : [],
  );
  return ok(historyBundle(page, searchUrl(ctx.baseUrl, path, rest), next), [
    record(ctx, 200, ids.slice(0, 100), page.patients),
  ]);
}

export async function create(ctx: RouteContext): Promise<FhirResponse> {
  const type = ctx.match.resourceType as string;
  const body = ctx.req.body as Resource | undefined;
  if (body && typeof body === 'object' && body.resourceType !== type) {
    badRequest(`resourceType "${shown(body.resourceType)}" does not match the URL (${type})`);
  }
  let resource: unknown = body;
  if (body && typeof body === 'object' && 'id' in body) {
    // R4: the server assigns the id on create; a client id is ignored rather than trusted
    const { id: _ignored, ...rest } = body;
    resource = rest;
  }
  return written(ctx, await ctx.store.create(resource, ctx.req.headers['if-none-exist']));
}

/** Update, patch and delete of a resource the caller cannot see answer as for an unknown one. */
async function assertVisibleIfExists(ctx: RouteContext, type: string, id: string): Promise<void> {
  if (!ctx.store.access.scope) return;
  const found = await ctx.store.locate(type, id);
  if (found && !found.visible) notFound(`${type}/${id} does not exist`);
}

export async function update(ctx: RouteContext): Promise<FhirResponse> {
  const { resourceType: type, id } = ctx.match as Required<Pick<RouteMatch, 'resourceType' | 'id'>>;
  await assertVisibleIfExists(ctx, type, id);
  const { 'if-match': ifMatch, 'if-none-match': ifNoneMatch } = ctx.req.headers;
  return written(ctx, await ctx.store.update(type, id, ctx.req.body, ifMatch, ifNoneMatch));
}

export async function conditionalUpdate(ctx: RouteContext): Promise<FhirResponse> {
  const type = ctx.match.resourceType as string;
  const result = await ctx.store.conditionalUpdate(
    type,
    ctx.req.query,
    ctx.req.body,
    ctx.req.headers['if-match'],
  );
  return written(ctx, result);
}

export async function patch(ctx: RouteContext): Promise<FhirResponse> {
  const { resourceType: type, id } = ctx.match as Required<Pick<RouteMatch, 'resourceType' | 'id'>>;
  await assertVisibleIfExists(ctx, type, id);
  return written(ctx, await ctx.store.patch(type, id, ctx.req.body, ctx.req.headers['if-match']));
}

export async function remove(ctx: RouteContext): Promise<FhirResponse> {
  const { resourceType: type, id } = ctx.match as Required<Pick<RouteMatch, 'resourceType' | 'id'>>;
  await assertVisibleIfExists(ctx, type, id);
  const { patients } = await ctx.store.delete(type, id, ctx.req.headers['if-match']);
  return ok(allOk(`${type}/${id} deleted`), [record(ctx, 200, [`${type}/${id}`], patients)]);
}

export async function conditionalRemove(ctx: RouteContext): Promise<FhirResponse> {
  const type = ctx.match.resourceType as string;
  const { deleted, patients } = await ctx.store.conditionalDelete(type, ctx.req.query);
  return ok(allOk(deleted === 0 ? 'Nothing matched; nothing deleted' : 'Deleted'), [
    record(ctx, 200, [], patients),
  ]);
}

function written(ctx: RouteContext, result: WriteResult): FhirResponse {
  const resource = result.resource;
  const response = resourceResponse(resource, result.status, ctx.baseUrl);
  const audit = [record(ctx, result.status, [`${resource.resourceType}/${resource.id}`], result.patients)];
  const preference = returnPreference(ctx.req.headers.prefer);
  if (preference === 'minimal') return { ...response, body: undefined, audit };
  if (preference === 'OperationOutcome') {
    return { ...response, body: allOk(`${resource.resourceType}/${resource.id} saved`), audit };
  }
  return { ...response, audit };
}

export function pageSize(query: QueryParams, fallback: number): number {
  const raw = param(query, '_count');
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) badRequest('_count must be a whole number');
  return Math.min(Math.max(Number(raw), 1), MAX_COUNT);
}
