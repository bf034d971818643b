/**
 * The contracts of the JSON API (/api/*, /auth/*): one TypeBox schema per request body, used by the
 * server to validate (Fastify's schema) and by the web app as types (type-only imports: nothing of
 * this package reaches the browser bundle). FHIR requests have FHIR's own definitions instead.
 */
export * from './access.ts';
export * from './auth.ts';
export * from './common.ts';
export * from './errors.ts';
export * from './records.ts';
export * from './scheduling.ts';
