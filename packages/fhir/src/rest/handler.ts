/**
 * FHIR REST semantics without an HTTP framework: a FhirRequest in, a FhirResponse out. Each request
 * is classified once by the route table (routes.ts); the caller's access decides on that
 * classification; the route runs on the store as the caller sees it; the response carries the
 * AccessRecords the audit trail needs, failures included.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { capabilityStatement, type ServerIdentity } from '../capability.ts';
import { badRequest } from '../outcome.ts';
import type { FhirStore } from '../store.ts';
import { batch } from './bundles.ts';
import {
  conditionalRemove,
  conditionalUpdate,
  create,
  history,
  patch,
  type RouteContext,
  read,
  record,
  remove,
  search,
  update,
  vread,
} from './interactions.ts';
import { everythingOperation } from './operations/everything.ts';
import { validateOperation } from './operations/validate.ts';
import { errorResponse, firstDiagnostic, ok } from './responses.ts';
import { matchRoute, type OperationRegistry } from './routes.ts';
import type {
  AccessRecord,
  FhirOperation,
  FhirRequest,
  FhirResponse,
  Interaction,
  Level,
  OperationParameters,
  RouteMatch,
} from './types.ts';

export interface RestOptions {
  identity: ServerIdentity;
}

export class FhirRestHandler implements OperationRegistry {
  readonly store: FhirStore;
  readonly options: RestOptions;
  private readonly operations: FhirOperation[] = [];

  constructor(store: FhirStore, options: RestOptions) {
    this.store = store;
    this.options = options;
    this.registerOperation(everythingOperation);
    this.registerOperation(validateOperation);
  }

  get baseUrl(): string {
    return this.store.baseUrl;
  }

  /** Adds an operation to the route table (`$book`, `$summary`…); a name+level+type is registered once. */
  registerOperation(operation: FhirOperation): void {
    for (const level of operation.levels) {
      for (const type of operation.resourceTypes ?? [undefined]) {
        if (this.find(operation.name, level, type))
          throw new Error(
            `$${operation.name} is already registered at ${level} level${type ? ` for ${type}` : ''}`,
          );
      }
    }
    this.operations.push(operation);
  }

  registeredOperations(): readonly FhirOperation[] {
    return this.operations;
  }

  find(name: string, level: Level, type: string | undefined): FhirOperation | undefined {
    return this.operations.find(
      (o) =>
        o.name === name &&
        o.levels.includes(level) &&
        (level === 'system' || !o.resourceTypes || (type !== undefined && o.resourceTypes.includes(type))),
    );
  }

  has(name: string): boolean {
    return this.operations.some((o) => o.name === name);
  }

  async handle(req: FhirRequest): Promise<FhirResponse> {
    let match: RouteMatch | undefined;
    try {
      match = matchRoute(req, this);
      req.access?.authorize?.(match, req);
      const access =
        req.access?.reads && !mayReadLagging(match) ? { ...req.access, reads: undefined } : req.access;
      const ctx: RouteContext = {
        match,
        req,
        store: access ? this.store.as(access) : this.store,
        access,
        baseUrl: this.baseUrl,
        operations: this,
      };
      let res = await this.run(ctx);
      if (!res.audit) res.audit = [record(ctx, res.status, [], [])];
      if (req.access?.review && res.status < 400) res = req.access.review(match, res);
      return res;
    } catch (err) {
      const res = errorResponse(err);
      return { ...res, audit: [failureRecord(req, match, res)] };
    }
  }

  private run(ctx: RouteContext): Promise<FhirResponse> {
    const { match } = ctx;
    const dispatch = (r: FhirRequest) => this.handle(r);
    switch (match.interaction) {
      case 'capabilities':
        return Promise.resolve(ok(capabilityStatement(this.options.identity, this.operations)));
      case 'batch':
      case 'transaction':
        return batch(ctx, dispatch);
      case 'history':
        return history(ctx);
      case 'search':
        return search(ctx);
      case 'read':
        return read(ctx);
      case 'vread':
        return vread(ctx);
      case 'create':
        return create(ctx);
      case 'update':
        return match.conditional ? conditionalUpdate(ctx) : update(ctx);
      case 'patch':
        return patch(ctx);
      case 'delete':
        return match.conditional ? conditionalRemove(ctx) : remove(ctx);
      case 'operation':
        return match.operation!.run({
          match,
          request: ctx.req,
          store: ctx.store,
          platformStore: this.store,
          access: ctx.access,
          baseUrl: this.baseUrl,
          parameters: operationParameters(ctx.req),
        });
    }
  }
}

/**
 * Reads that may lag behind the last commits, and so may run where `access.reads` sends them (a
 * replica): a read, vread, search, history or read-only operation asked on its own. Writes read
 * the primary, and so do bundles — their entries (which inherit this access) may read what an
 * earlier entry wrote.
 */
function mayReadLagging(match: RouteMatch): boolean {
  if (match.interaction === 'operation')
    return match.operation?.effect === 'read' || match.operation?.effect === 'search';
  return ['read', 'vread', 'search', 'history'].includes(match.interaction);
}

/** What a failed request is recorded as: its classification when known, else its method's. */
function failureRecord(req: FhirRequest, match: RouteMatch | undefined, res: FhirResponse): AccessRecord {
  const [type, id] = req.path.split('/').filter(Boolean);
  const resourceType = match?.resourceType ?? (/^[A-Z][A-Za-z]+$/.test(type ?? '') ? type : undefined);
  const instanceId = match?.id ?? (id && !id.startsWith('_') && !id.startsWith('$') ? id : undefined);
  const interaction: Interaction = match?.interaction ?? guessInteraction(req.method, instanceId);
  return {
    interaction,
    ...(match?.operation ? { operation: match.operation.name } : {}),
    ...(resourceType ? { resourceType } : {}),
    ids: resourceType && instanceId ? [`${resourceType}/${instanceId}`] : [],
    patients: resourceType === 'Patient' && instanceId ? [instanceId] : [],
    status: res.status,
    ...(firstDiagnostic(res) ? { outcome: firstDiagnostic(res) } : {}),
    ...(interaction === 'search' && resourceType
      ? { query: `${resourceType}${req.query.length ? `?${new URLSearchParams(req.query)}` : ''}` }
      : {}),
  };
}

function guessInteraction(method: string, id: string | undefined): Interaction {
  switch (method.toUpperCase()) {
    case 'GET':
      return id ? 'read' : 'search';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'operation';
  }
}

/** An operation's input: query parameters, and for POST the values of a Parameters body. */
function operationParameters(req: FhirRequest): OperationParameters {
  const body = req.body as Resource | undefined;
  const parameters = body?.resourceType === 'Parameters' ? (body as Parameters) : undefined;
  if (parameters && parameters.parameter !== undefined && !Array.isArray(parameters.parameter))
    badRequest('Parameters.parameter must be an array');
  const fromBody = (name: string) =>
    (parameters?.parameter ?? []).filter((p) => p && typeof p === 'object' && p.name === name);
  const scalar = (p: Record<string, unknown>): string | undefined => {
    for (const [k, v] of Object.entries(p)) {
      if (k.startsWith('value') && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
        return String(v);
      if (k === 'valueReference' && v && typeof v === 'object')
        return (v as { reference?: string }).reference;
    }
    return undefined;
  };
  return {
    get(name) {
      return this.all(name)[0];
    },
    all(name) {
      const values = req.query.filter(([k]) => k === name).map(([, v]) => v);
      for (const p of fromBody(name)) {
        const v = scalar(p as unknown as Record<string, unknown>);
        if (v !== undefined) values.push(v);
      }
      return values;
    },
    resource(name) {
      if (parameters) {
        if (!Array.isArray(parameters.parameter))
          badRequest(`Parameters.parameter must be an array holding a "${name}" parameter`);
        return fromBody(name)[0]?.resource as Resource | undefined;
      }
      return body && typeof body === 'object' ? body : undefined;
    },
  };
}
