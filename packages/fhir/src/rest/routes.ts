/**
 * The route table: every FHIR REST path the engine answers, with the interaction it is. Matching
 * is pure; what a route does lives in interactions.ts, bundles.ts and the registered operations.
 */
import { isResourceType } from '../definitions.ts';
import { badRequest, fail, notFound } from '../outcome.ts';
import { parseSearch, type QueryParams } from '../search/parse.ts';
import type { FhirOperation, FhirRequest, Interaction, Level, RouteMatch } from './types.ts';

/** `:type` a resource type, `:id` and `:vid` ids, `$op` an operation name; anything else literal. */
type Segment = string;

export interface Route {
  methods: string[];
  path: Segment[];
  interaction: Interaction;
  level: Level;
  conditional?: boolean;
}

export const ROUTES: Route[] = [
  { methods: ['GET'], path: ['metadata'], interaction: 'capabilities', level: 'system' },
  { methods: ['POST'], path: [], interaction: 'batch', level: 'system' },
  { methods: ['GET'], path: ['_history'], interaction: 'history', level: 'system' },
  { methods: ['GET', 'POST'], path: ['$op'], interaction: 'operation', level: 'system' },
  { methods: ['GET'], path: [':type'], interaction: 'search', level: 'type' },
  { methods: ['POST'], path: [':type', '_search'], interaction: 'search', level: 'type' },
  { methods: ['POST'], path: [':type'], interaction: 'create', level: 'type' },
  { methods: ['PUT'], path: [':type'], interaction: 'update', level: 'type', conditional: true },
  { methods: ['DELETE'], path: [':type'], interaction: 'delete', level: 'type', conditional: true },
  { methods: ['GET'], path: [':type', '_history'], interaction: 'history', level: 'type' },
  { methods: ['GET', 'POST'], path: [':type', '$op'], interaction: 'operation', level: 'type' },
  { methods: ['GET'], path: [':type', ':id'], interaction: 'read', level: 'instance' },
  { methods: ['PUT'], path: [':type', ':id'], interaction: 'update', level: 'instance' },
  { methods: ['PATCH'], path: [':type', ':id'], interaction: 'patch', level: 'instance' },
  { methods: ['DELETE'], path: [':type', ':id'], interaction: 'delete', level: 'instance' },
  { methods: ['GET'], path: [':type', ':id', '_history'], interaction: 'history', level: 'instance' },
  { methods: ['GET'], path: [':type', ':id', '_history', ':vid'], interaction: 'vread', level: 'instance' },
  { methods: ['GET', 'POST'], path: [':type', ':id', '$op'], interaction: 'operation', level: 'instance' },
];

/** Result parameters that mean one thing: given twice, the request is ambiguous (400). */
const SINGLE_PARAMETERS = [
  '_summary',
  '_elements',
  '_count',
  '_total',
  '_sort',
  '_since',
  '_cursor',
  '_format',
  '_at',
];

export interface OperationRegistry {
  find(name: string, level: Level, type: string | undefined): FhirOperation | undefined;
  has(name: string): boolean;
}

/** Classifies a request: the route it takes, with its parsed search. Throws 400/404/405. */
export function matchRoute(req: FhirRequest, operations: OperationRegistry): RouteMatch {
  const parts = req.path.split('/').filter(Boolean).map(decodePathPart);
  const method = req.method.toUpperCase();
  checkSingleParameters(req.query);
  let pathMatched = false;
  for (const route of ROUTES) {
    const captured = matchSegments(route.path, parts);
    if (!captured) continue;
    pathMatched = true;
    if (!route.methods.includes(method)) continue;
    const match: RouteMatch = {
      interaction: route.interaction,
      level: route.level,
      method,
      conditional: route.conditional ?? false,
      query: req.query,
      ...(captured.resourceType ? { resourceType: captured.resourceType } : {}),
      ...(captured.id ? { id: captured.id } : {}),
      ...(captured.versionId ? { versionId: captured.versionId } : {}),
    };
    if (route.interaction === 'batch') {
      const type = (req.body as { type?: unknown } | undefined)?.type;
      if (type === 'transaction') match.interaction = 'transaction';
    }
    if (route.interaction === 'operation') {
      const name = captured.operationName as string;
      const operation = operations.find(name, route.level, captured.resourceType);
      if (!operation) {
        if (operations.has(name)) fail(405, 'not-supported', `$${name} is not available on ${req.path}`);
        notFound(`Unknown operation $${name}`);
      }
      if (!operation!.methods.includes(method as 'GET')) {
        fail(405, 'not-supported', `${method} is not supported for $${operation!.name}`);
      }
      match.operation = operation;
    }
    if (route.interaction === 'search')
      match.search = parseSearch(captured.resourceType as string, req.query, isStrict(req));
    if (route.conditional) {
      if (req.query.length === 0) badRequest('A conditional interaction needs search criteria');
      match.search = parseSearch(captured.resourceType as string, req.query, true);
    }
    return match;
  }
  if (parts.length === 0) return notFound('Use a resource type, e.g. /Patient');
  if (!pathMatched) {
    if (parts[0] && !parts[0].startsWith('$') && parts[0] !== '_history' && !isResourceType(parts[0]))
      return notFound(`Unknown resource type "${parts[0]}"`);
    return notFound(`No such path: ${req.path}`);
  }
  return fail(405, 'not-supported', `${method} is not supported on ${req.path}`);
}

interface Captured {
  resourceType?: string;
  id?: string;
  versionId?: string;
  operationName?: string;
}

function matchSegments(pattern: Segment[], parts: string[]): Captured | undefined {
  if (pattern.length !== parts.length) return undefined;
  const captured: Captured = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    const have = parts[i];
    if (want === ':type') {
      if (!isResourceType(have)) return undefined;
      captured.resourceType = have;
    } else if (want === ':id' || want === ':vid') {
      if (have.startsWith('_') || have.startsWith('$')) return undefined;
      if (want === ':id') captured.id = have;
      else captured.versionId = have;
    } else if (want === '$op') {
      if (!have.startsWith('$') || have.length < 2) return undefined;
      captured.operationName = have.slice(1);
    } else if (want !== have) return undefined;
  }
  return captured;
}

function checkSingleParameters(query: QueryParams): void {
  const seen = new Set<string>();
  for (const [key] of query) {
    const name = key.split(':')[0];
    if (!SINGLE_PARAMETERS.includes(name)) continue;
    if (seen.has(name)) badRequest(`${name} may be given only once`, [name]);
    seen.add(name);
  }
}

function isStrict(req: FhirRequest): boolean {
  return /handling=strict/.test(req.headers.prefer ?? '');
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return badRequest(`Malformed URL path segment "${part.slice(0, 60)}"`);
  }
}

/** The path and query of a bundle entry's URL, relative to the base. */
export function entryRequest(url: string): { path: string; query: QueryParams } {
  const [path, query] = url.split('?');
  return { path: `/${path.replace(/^\//, '')}`, query: [...new URLSearchParams(query ?? '')] };
}
