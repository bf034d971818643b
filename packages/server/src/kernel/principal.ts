/**
 * Who is asking: the result of authentication, the input of authorisation and audit.
 * Built by the auth module from a session cookie or a bearer token; never from request data.
 */
export const ROLES = [
  'patient',
  'doctor',
  'nurse',
  'unit-assistant',
  'hub-specialist',
  'dialysis-coordinator',
  'programme-manager',
  'pharmacist',
  'administrator',
] as const;

export type Role = (typeof ROLES)[number];

export interface Principal {
  /** patient and staff accounts log in; system clients use client credentials. */
  kind: 'patient' | 'staff' | 'system';
  /** Account id, or OAuth client id for a system client. */
  id: string;
  roles: Role[];
  /** The FHIR resource that is this user: `Patient/…` or `Practitioner/…` (SMART fhirUser). */
  fhirUser?: string;
  /** Granted SMART scopes, e.g. `patient/*.read`, `user/*.*`, `system/Observation.write`. */
  scopes: string[];
  /** Name shown in audit trails and access logs. */
  display: string;
  /** OAuth client the token was issued to (apps), or 'web' for the browser session. */
  clientId: string;
  /** Where the request came from, for the audit. */
  address?: string;
}
