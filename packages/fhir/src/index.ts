/** The FHIR engine's public surface: storage, search, bundles, validation, REST semantics. */
export { capabilityStatement, type ServerIdentity } from './capability.ts';
export { compartmentPatients, patientCompartmentParams } from './compartment.ts';
export { allResourceTypes, isResourceType, loadDefinitions, searchParametersOf } from './definitions.ts';
export { allOk, badRequest, FhirError, fail, outcome } from './outcome.ts';
export {
  errorResponse,
  type FhirRequest,
  type FhirResponse,
  FhirRestHandler,
  type Interaction,
  type RequestAccess,
  type RestOptions,
} from './rest.ts';
export { type Migration, migrate } from './schema.ts';
export type { QueryParams } from './search/parse.ts';
export type { AccessScope, SearchResult } from './search/run.ts';
export { SqlParams } from './search/sql-params.ts';
export type { SqlClient, SqlExecutor, SqlResult } from './sql.ts';
export { analyze } from './statistics.ts';
export { FhirStore, type StoreAccess, type WriteGuard, type WriteResult } from './store.ts';
export { assertValid, type ResourceRule, validationOutcome } from './validate.ts';
