/** The REST layer's public surface. */
export { entryMatch } from './bundles.ts';
export { FhirRestHandler, type RestOptions } from './handler.ts';
export { errorResponse } from './responses.ts';
export { matchRoute, ROUTES } from './routes.ts';
export { fhirJson, StoredJson } from './stored-json.ts';
export type {
  AccessRecord,
  FhirOperation,
  FhirRequest,
  FhirResponse,
  Interaction,
  Level,
  OperationContext,
  OperationParameters,
  RequestAccess,
  RouteMatch,
} from './types.ts';
