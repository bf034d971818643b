/**
 * FHIR REST semantics without an HTTP framework: a FhirRequest in, a FhirResponse out. The server
 * adapts Fastify to this; tests and the batch processor call it directly.
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { capabilityStatement, type ServerIdentity } from './capability.ts';
import { isResourceType } from './definitions.ts';
import { patientEverything } from './everything.ts';
import { historyBundle, readHistory } from './history.ts';
import { allOk, badRequest, FhirError, fail, notFound, outcome, shown } from './outcome.ts';
import { DEFAULT_COUNT, MAX_COUNT, type QueryParams } from './search/parse.ts';
import { shapeResource } from './shape.ts';
import { checkTypeAndId, type FhirStore, type StoreAccess } from './store.ts';
import {
  type EntryTarget,
  entryShapeProblem,
  entryTarget,
  MAX_BUNDLE_ENTRIES,
  runTransaction,
} from './transaction.ts';
import { validationOutcome } from './validate.ts';

export interface FhirRequest {
  method: string;
  /** Path below the FHIR base, e.g. `/Patient/123/_history/2`. */
  path: string;
  query: QueryParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body?: unknown;
  /** The caller's rights; the HTTP layer sets it from the authenticated principal. */
  access?: RequestAccess;
}

export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  body?: Resource;
}

export interface RestOptions {
  identity: ServerIdentity;
}

export type Interaction =
  | 'read'
  | 'vread'
  | 'search'
  | 'history'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'everything'
  | 'validate'
  | 'batch'
  | 'transaction';

/** What one caller may do, supplied per request by the access layer (absent: no restriction). */
export interface RequestAccess extends StoreAccess {
  /** Refuses an interaction before anything is read, by throwing a FhirError (401/403). */
  authorize?: (interaction: Interaction, type: string | undefined, req: FhirRequest) => void;
  /** What a resource outside the caller's scope answers: 404 hides it, 403 says so. */
  hiddenStatus?: 403 | 404;
}

export class FhirRestHandler {
  readonly store: FhirStore;
  readonly options: RestOptions;
  private readonly access?: RequestAccess;

  constructor(store: FhirStore, options: RestOptions, access?: RequestAccess) {
    this.store = store;
    this.options = options;
    this.access = access;
  }

  get baseUrl(): string {
    return this.store.baseUrl;
  }

  async handle(req: FhirRequest): Promise<FhirResponse> {
    try {
      if (req.access && req.access !== this.access) {
        // one caller's view: their scope on every read, their guard on every write
        return await new FhirRestHandler(this.store.as(req.access), this.options, req.access).route(req);
      }
      return await this.route(req);
    } catch (err) {
      return errorResponse(err);
    }
  }

  private authorize(interaction: Interaction, type: string | undefined, req: FhirRequest): void {
    this.access?.authorize?.(interaction, type, req);
  }

  /** Reads of one resource answer as if it did not exist (or 403) when it is out of scope. */
  private async checkVisible(type: string, id: string): Promise<void> {
    if (await this.store.isVisible(type, id)) return;
    if (this.access?.hiddenStatus === 403) {
      fail(403, 'forbidden', `You have no care relationship giving access to ${type}/${id}`);
    }
    notFound(`${type}/${id} does not exist`);
  }

  private async route(req: FhirRequest): Promise<FhirResponse> {
    const parts = req.path.split('/').filter(Boolean).map(decodePathPart);
    const [type, id, op, vid, ...rest] = parts;
    const m = req.method.toUpperCase();
    const auth = (interaction: Interaction): void => this.authorize(interaction, type, req);
    if (parts.length === 0) {
      if (m === 'POST') return this.bundle(req);
      return notFound('Use a resource type, e.g. /Patient');
    }
    if (type === 'metadata' && parts.length === 1 && m === 'GET')
      return ok(capabilityStatement(this.options.identity));
    if (type === '_history' && parts.length === 1 && m === 'GET') {
      this.authorize('history', undefined, req);
      return this.history(req);
    }
    if (!isResourceType(type)) return notFound(`Unknown resource type "${type}"`);
    if (rest.length > 0) return notFound(`No such path: ${req.path}`);
    if (id === undefined) {
      if (m === 'GET') {
        auth('search');
        return this.search(type, req.query, req);
      }
      if (m === 'POST') {
        auth('create');
        return this.create(type, req);
      }
      if (m === 'PUT') {
        auth('update');
        return this.write(
          req,
          await this.store.conditionalUpdate(type, req.query, req.body, req.headers['if-match']),
        );
      }
      if (m === 'DELETE') {
        auth('delete');
        return this.conditionalDelete(type, req.query);
      }
    } else if (id === '_search' && op === undefined && m === 'POST') {
      auth('search');
      return this.search(type, req.query, req);
    } else if (id === '_history' && op === undefined && m === 'GET') {
      auth('history');
      return this.history(req, type);
    } else if (id === '$validate' && m === 'POST') {
      auth('validate');
      return this.validate(type, req.body);
    } else if (op === undefined) {
      if (m === 'GET') {
        auth('read');
        return this.read(type, id, req);
      }
      if (m === 'PUT') {
        auth('update');
        return this.write(req, await this.store.update(type, id, req.body, req.headers['if-match']));
      }
      if (m === 'PATCH') {
        auth('patch');
        return this.write(req, await this.store.patch(type, id, req.body, req.headers['if-match']));
      }
      if (m === 'DELETE') {
        auth('delete');
        await this.store.delete(type, id, req.headers['if-match']);
        return { status: 200, headers: {}, body: allOk(`${type}/${id} deleted`) };
      }
    } else if (op === '_history' && m === 'GET') {
      if (vid === undefined) {
        auth('history');
        return this.history(req, type, id);
      }
      auth('vread');
      checkTypeAndId(type, id);
      const version = await this.store.vread(type, id, vid);
      await this.checkVisible(type, id);
      return resourceResponse(version, 200, this.baseUrl);
    } else if (
      op === '$everything' &&
      type === 'Patient' &&
      vid === undefined &&
      (m === 'GET' || m === 'POST')
    ) {
      auth('everything');
      return this.everything(id, req);
    } else if (op === '$validate' && vid === undefined && m === 'POST') {
      auth('validate');
      return this.validate(type, req.body);
    }
    return fail(405, 'not-supported', `${m} is not supported on ${req.path}`);
  }

  private async read(type: string, id: string, req: FhirRequest): Promise<FhirResponse> {
    const resource = await this.store.read(type, id);
    await this.checkVisible(type, id);
    const etag = `W/"${resource.meta?.versionId}"`;
    if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    const shaped = shapeResource(
      resource,
      param(req.query, '_summary'),
      param(req.query, '_elements')?.split(','),
    );
    return resourceResponse(shaped, 200, this.baseUrl);
  }

  private async create(type: string, req: FhirRequest): Promise<FhirResponse> {
    const body = req.body as Resource | undefined;
    if (body && typeof body === 'object' && body.resourceType !== type) {
      badRequest(`resourceType "${shown(body.resourceType)}" does not match the URL (${type})`);
    }
    if (body && typeof body === 'object' && 'id' in body) {
      // R4: the server assigns the id on create; a client id is ignored rather than trusted
      const { id: _ignored, ...rest } = body;
      return this.write(req, await this.store.create(rest, req.headers['if-none-exist']));
    }
    return this.write(req, await this.store.create(body, req.headers['if-none-exist']));
  }

  private write(req: FhirRequest, result: { resource: Resource; status: number }): FhirResponse {
    const response = resourceResponse(result.resource, result.status, this.baseUrl);
    const prefer = req.headers.prefer ?? '';
    if (/return=minimal/.test(prefer)) return { ...response, body: undefined };
    if (/return=OperationOutcome/i.test(prefer)) {
      return { ...response, body: allOk(`${result.resource.resourceType}/${result.resource.id} saved`) };
    }
    return response;
  }

  private async conditionalDelete(type: string, query: QueryParams): Promise<FhirResponse> {
    const n = await this.store.conditionalDelete(type, query);
    return {
      status: 200,
      headers: {},
      body: allOk(n === 0 ? 'Nothing matched; nothing deleted' : 'Deleted'),
    };
  }

  private async search(type: string, query: QueryParams, req: FhirRequest): Promise<FhirResponse> {
    const strict = /handling=strict/.test(req.headers.prefer ?? '');
    const result = await this.store.search(type, query, { strict });
    const summary = param(query, '_summary');
    const elements = param(query, '_elements')?.split(',');
    const self = searchUrl(this.baseUrl, type, query);
    const entry: BundleEntry[] = [
      ...result.matches.map((r) => ({
        fullUrl: `${this.baseUrl}/${r.resourceType}/${r.id}`,
        resource: shapeResource(r, summary, elements),
        search: { mode: 'match' as const },
      })),
      ...result.included.map((r) => ({
        fullUrl: `${this.baseUrl}/${r.resourceType}/${r.id}`,
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
    const link = [{ relation: 'self', url: self }];
    if (result.nextCursor) {
      const next = query.filter(([k]) => k !== '_cursor' && k !== '_total');
      next.push(['_cursor', result.nextCursor], ['_total', 'none']);
      link.push({ relation: 'next', url: searchUrl(this.baseUrl, type, next) });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(result.total !== undefined ? { total: result.total } : {}),
      link,
      entry,
    };
    return ok(bundle);
  }

  private async history(req: FhirRequest, type?: string, id?: string): Promise<FhirResponse> {
    if (type && id) {
      checkTypeAndId(type, id);
      const exists = await this.store.read(type, id).then(
        () => true,
        (err) => {
          if (err instanceof FhirError && err.status === 410) return false;
          throw err;
        },
      );
      if (exists) await this.checkVisible(type, id);
    }
    const count = pageSize(req.query, DEFAULT_COUNT);
    const cursor = param(req.query, '_cursor');
    const page = await readHistory(
      this.store.db,
      { type, id, count, since: param(req.query, '_since'), cursor, scope: this.store.access.scope },
      this.baseUrl,
    );
    const path = [type, id, '_history'].filter(Boolean).join('/');
    const query = req.query.filter(([k]) => k !== '_cursor');
    const self = `${this.baseUrl}/${path}${query.length ? `?${new URLSearchParams(query)}` : ''}`;
    const next = page.nextCursor
      ? `${this.baseUrl}/${path}?${new URLSearchParams([...query, ['_cursor', page.nextCursor]])}`
      : undefined;
    return ok(historyBundle(page, self, next));
  }

  private async everything(id: string, req: FhirRequest): Promise<FhirResponse> {
    await this.store.read('Patient', id);
    await this.checkVisible('Patient', id);
    const count = pageSize(req.query, MAX_COUNT);
    const page = await patientEverything(this.store.db, id, {
      count,
      cursor: param(req.query, '_cursor'),
      since: param(req.query, '_since'),
      scope: this.store.access.scope,
    });
    const self = `${this.baseUrl}/Patient/${id}/$everything`;
    const link = [{ relation: 'self', url: self }];
    if (page.nextCursor)
      link.push({
        relation: 'next',
        url: `${self}?${new URLSearchParams([
          ['_count', String(count)],
          ['_cursor', page.nextCursor],
        ])}`,
      });
    return ok({
      resourceType: 'Bundle',
      type: 'searchset',
      ...(page.nextCursor || param(req.query, '_cursor') ? {} : { total: page.resources.length }),
      link,
      entry: page.resources.map((r) => ({
        fullUrl: `${this.baseUrl}/${r.resourceType}/${r.id}`,
        resource: r,
        search: { mode: 'match' },
      })),
    } as Bundle);
  }

  private validate(type: string, body: unknown): FhirResponse {
    let resource = body as Resource | undefined;
    if (resource?.resourceType === 'Parameters') {
      const parameter = (body as { parameter?: unknown }).parameter;
      if (!Array.isArray(parameter))
        badRequest('Parameters.parameter must be an array holding a "resource" parameter');
      resource = (parameter as { name?: unknown; resource?: Resource }[]).find(
        (p) => p && typeof p === 'object' && p.name === 'resource',
      )?.resource;
    }
    if (resource && resource.resourceType !== type) {
      return ok(outcome('error', 'invalid', `Expected a ${type}, got ${shown(resource.resourceType)}`));
    }
    return ok(validationOutcome(resource, this.store.rules));
  }

  private async bundle(req: FhirRequest): Promise<FhirResponse> {
    const bundle = req.body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle')
      badRequest('POST to the base takes a Bundle of type batch or transaction');
    if (bundle!.type !== 'batch' && bundle!.type !== 'transaction')
      badRequest(`Bundle.type must be batch or transaction, not "${shown(bundle!.type)}"`);
    if (bundle!.entry !== undefined && !Array.isArray(bundle!.entry))
      badRequest('Bundle.entry must be an array');
    if ((bundle!.entry?.length ?? 0) > MAX_BUNDLE_ENTRIES)
      fail(413, 'too-costly', `A bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries`);
    if (bundle!.type === 'transaction') {
      this.authorize('transaction', undefined, req);
      for (const [index, e] of (bundle!.entry ?? []).entries()) {
        const t = entryTarget(e, index, this.baseUrl);
        const interaction: Interaction =
          t.method === 'GET'
            ? t.id
              ? 'read'
              : 'search'
            : t.method === 'POST'
              ? 'create'
              : t.method === 'PUT'
                ? 'update'
                : t.method === 'PATCH'
                  ? 'patch'
                  : 'delete';
        this.authorize(interaction, t.type, {
          ...req,
          method: t.method,
          query: [...new URLSearchParams(t.query ?? '')],
        });
      }
      return ok(await runTransaction(this.store, bundle!, (t) => this.readEntry(t)));
    }
    this.authorize('batch', undefined, req);
    const entry: BundleEntry[] = [];
    for (const [i, e] of (bundle!.entry ?? []).entries()) entry.push(await this.batchEntry(e, i));
    return ok({ resourceType: 'Bundle', type: 'batch-response', entry } as Bundle);
  }

  /** A batch entry is an independent request: its failure is its own response, not the batch's. */
  private async batchEntry(e: BundleEntry, index: number): Promise<BundleEntry> {
    const problem = entryShapeProblem(e, index);
    if (problem)
      return { response: { status: '400 Bad Request', outcome: outcome('error', 'invalid', problem) } };
    const url = e.request!.url!;
    const local = url.startsWith(this.baseUrl) ? url.slice(this.baseUrl.length) : url;
    const [path, query] = local.split('?');
    const headers: Record<string, string | undefined> = {
      'if-match': e.request!.ifMatch,
      'if-none-exist': e.request!.ifNoneExist,
      'if-none-match': e.request!.ifNoneMatch,
    };
    let body: unknown = e.resource;
    if (e.request!.method === 'PATCH') {
      const data = (e.resource as { data?: unknown } | undefined)?.data;
      body = typeof data === 'string' ? safeJson(Buffer.from(data, 'base64').toString('utf8')) : undefined;
    }
    const res = await this.handle({
      method: e.request!.method,
      path: `/${path.replace(/^\//, '')}`,
      query: [...new URLSearchParams(query ?? '')],
      headers,
      body,
    });
    return toEntry(res);
  }

  private async readEntry(t: EntryTarget): Promise<BundleEntry> {
    const path = `/${t.type}${t.id ? `/${t.id}` : ''}`;
    const res = await this.handle({
      method: 'GET',
      path,
      query: [...new URLSearchParams(t.query ?? '')],
      headers: {},
    });
    return toEntry(res);
  }
}

function toEntry(res: FhirResponse): BundleEntry {
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

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return badRequest(`Malformed URL path segment "${part.slice(0, 60)}"`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ok(body: Resource): FhirResponse {
  return { status: 200, headers: {}, body };
}

function resourceResponse(resource: Resource, status: number, baseUrl: string): FhirResponse {
  const version = resource.meta?.versionId;
  const headers: Record<string, string> = {};
  if (version) {
    headers.etag = `W/"${version}"`;
    headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`;
  }
  if (resource.meta?.lastUpdated)
    headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (status !== 201) delete headers.location;
  if (status === 201) headers['content-location'] = headers.location;
  return { status, headers, body: resource };
}

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
  throw err;
}

function param(query: QueryParams, name: string): string | undefined {
  return query.find(([k]) => k === name)?.[1];
}

function pageSize(query: QueryParams, fallback: number): number {
  const raw = param(query, '_count');
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) badRequest('_count must be a whole number');
  return Math.min(Math.max(Number(raw), 1), MAX_COUNT);
}

function searchUrl(baseUrl: string, type: string, query: QueryParams): string {
  const qs = new URLSearchParams(query).toString();
  return `${baseUrl}/${type}${qs ? `?${qs}` : ''}`;
}
