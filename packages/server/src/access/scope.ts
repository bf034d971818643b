/**
 * A principal's read scope, as data the engine compiles into SQL (packages/fhir/src/scope.ts):
 * which types (SMART scopes), which patients (own compartment, or the care view), and which
 * shared registries. Administrators see the registries only; system clients every patient.
 */
import type { ReadScope } from '@sahti/fhir';
import { DIRECTORY_TYPES } from './policy.ts';
import type { Principal } from '../kernel/principal.ts';
import { readableTypes } from './smart.ts';

/** Requests a referral's receiving side may read before the patient is theirs. */
export const ADDRESSED_PARAMS: readonly (readonly [string, string])[] = [
  ['Task', 'owner'],
  ['ServiceRequest', 'performer'],
];

/** Types an administrator manages whoever they concern: the care teams they set. */
export const ADMINISTERED_TYPES = ['CareTeam'];

export function readScope(
  principal: Principal,
  patients: readonly string[] | 'all',
  addressedTo: readonly string[] = [],
): ReadScope {
  const types = readableTypes(principal);
  return {
    ...(types ? { types } : {}),
    shared: DIRECTORY_TYPES,
    patients,
    ...(principal.kind === 'staff' && principal.roles.includes('administrator')
      ? { anyPatient: ADMINISTERED_TYPES }
      : {}),
    ...(addressedTo.length > 0 ? { addressed: { actors: addressedTo, params: ADDRESSED_PARAMS } } : {}),
  };
}
