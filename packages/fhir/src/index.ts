/** The FHIR engine's public surface: storage, search, bundles, validation, REST semantics. */
export { capabilityStatement, type ServerIdentity } from './capability.ts';
export { compartmentPatients, patientCompartmentParams } from './compartment.ts';
export { allResourceTypes, isResourceType, loadDefinitions, searchParametersOf } from './definitions.ts';
export { normalizeText } from './normalize.ts';
export { allOk, badRequest, FhirError, fail, notFound, outcome } from './outcome.ts';
export {
  type AccessRecord,
  entryMatch,
  errorResponse,
  type FhirOperation,
  type FhirRequest,
  type FhirResponse,
  FhirRestHandler,
  fhirJson,
  type Interaction,
  type Level,
  type OperationContext,
  type OperationParameters,
  type RequestAccess,
  type RestOptions,
  type RouteMatch,
  StoredJson,
} from './rest/index.ts';
export { type Migration, migrate } from './schema.ts';
export {
  type AccessScope,
  type ReadScope,
  scopeAllowsType,
  scopeCondition,
  versionScopeCondition,
} from './scope.ts';
export { type AggregateCell, aggregateSearch, type GroupBy } from './search/aggregate.ts';
export type { Filter, QueryParams, SearchQuery } from './search/parse.ts';
export { parseSearch } from './search/parse.ts';
export type { SearchResult } from './search/run.ts';
export { SqlParams } from './search/sql-params.ts';
export type { QueryOptions, SqlClient, SqlExecutor, SqlResult } from './sql.ts';
export { type AnalyzeStats, analyze, analyzeStats } from './statistics.ts';
export {
  FhirStore,
  type Located,
  type StoreAccess,
  type WriteChange,
  type WriteGuard,
  type WriteHook,
  type WriteResult,
} from './store.ts';
export { turnEvery, turnToEventLoop } from './turns.ts';
export {
  checkUpsertItem,
  prepareUpsert,
  type UpsertBatchResult,
  type UpsertItem,
  type UpsertRefusal,
  upsertBatch,
} from './upsert-batch.ts';
export { assertValid, type ResourceRule, type ValidateMany, validationOutcome } from './validate.ts';
