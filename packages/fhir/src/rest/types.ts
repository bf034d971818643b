/**
 * The shapes of the framework-free REST layer: a FhirRequest in, a FhirResponse out, and between
 * them one RouteMatch — the single classification of a request (interaction, level, type, id,
 * operation, parsed search) that access control and audit read instead of re-parsing the URL.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ReadScope } from '../scope.ts';
import type { QueryParams, SearchQuery } from '../search/parse.ts';
import type { FhirStore, StoreAccess } from '../store.ts';

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
  /**
   * The response's body goes straight to `fhirJson` (rest/stored-json.ts) — the HTTP route's
   * answer — so a search page's resources may be left as the text stored (StoredJson) instead of
   * parsed. Never set for a caller that reads the body's resources as objects.
   */
  textBodies?: boolean;
}

/** What a request did to patient data: the engine's report to the audit trail. */
export interface AccessRecord {
  interaction: Interaction;
  /** The operation's name (without `$`) when interaction is 'operation'. */
  operation?: string;
  resourceType?: string;
  /** Resources touched, as `Type/id` (at most 100). */
  ids: string[];
  /** Patients whose compartment held what was touched (before any `_elements` trimming). */
  patients: string[];
  /** HTTP status of this request or bundle entry. */
  status: number;
  /** The search as received (`Observation?code=…`), for searches. */
  query?: string;
  /** The first diagnostic of a failure. */
  outcome?: string;
}

export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  body?: Resource;
  /** One record per request, plus one per bundle entry. */
  audit?: AccessRecord[];
  /** An unexpected error behind a 500, for the adapter to log (never sent to the client). */
  error?: unknown;
}

export type Interaction =
  | 'capabilities'
  | 'read'
  | 'vread'
  | 'search'
  | 'history'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'batch'
  | 'transaction'
  | 'operation';

export type Level = 'system' | 'type' | 'instance';

/** One request, classified once. */
export interface RouteMatch {
  interaction: Interaction;
  level: Level;
  method: string;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** A PUT/DELETE addressed by search criteria rather than an id. */
  conditional: boolean;
  operation?: FhirOperation;
  /** The parsed query of a search, or the criteria of a conditional write. */
  search?: SearchQuery;
  query: QueryParams;
}

/** What one caller may do, supplied per request by the access layer (absent: no restriction). */
export interface RequestAccess extends StoreAccess {
  scope?: ReadScope;
  /** Refuses a classified request before anything is read, by throwing a FhirError (401/403). */
  authorize?: (match: RouteMatch, req: FhirRequest) => void;
  /** A last look at a successful response before it leaves (e.g. suppressing small counts). */
  review?: (match: RouteMatch, res: FhirResponse) => FhirResponse;
}

/**
 * A FHIR operation (`$everything`, `$validate`, `$book`…) registered in the route table. `effect`
 * tells the access layer which right it needs on its resource type (`*` at system level), as SMART
 * names them: read, search, create, update, delete — or none (it touches no stored data).
 */
export interface FhirOperation {
  name: string;
  levels: Level[];
  /** For type and instance levels: the types it applies to (absent: every type). */
  resourceTypes?: string[];
  methods: ('GET' | 'POST')[];
  effect: 'read' | 'search' | 'create' | 'update' | 'delete' | 'none';
  run(ctx: OperationContext): Promise<FhirResponse>;
}

export interface OperationContext {
  match: RouteMatch;
  request: FhirRequest;
  /** The store as the caller sees it (their scope and guard). */
  store: FhirStore;
  /** The unrestricted store, for what the operation itself must check (use with care). */
  platformStore: FhirStore;
  access?: RequestAccess;
  baseUrl: string;
  /** The operation's input: query parameters, plus a Parameters body's values for POST. */
  parameters: OperationParameters;
}

export interface OperationParameters {
  get(name: string): string | undefined;
  all(name: string): string[];
  /** A `resource` parameter of a Parameters body, or the body itself when it is a resource. */
  resource(name: string): Resource | undefined;
}
