/** The web app's way to the server: FHIR REST, session auth, and the few JSON endpoints. */

export * from './access.ts';
export * from './auth.ts';
export { ApiError, type ErrorMessageKey, errorMessageKey } from './errors.ts';
export * as fhir from './fhir.ts';
