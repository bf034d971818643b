/**
 * A principal's read scope, as data the engine compiles into SQL (packages/fhir/src/scope.ts):
 * which types (SMART scopes), which patients (own compartment, or the care view), and which
 * shared registries. Administrators see the registries only; system clients every patient.
 */
import type { ReadScope } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { DIRECTORY_TYPES } from './policy.ts';
import { readableTypes } from './smart.ts';

/** Requests a referral's receiving side may read before the patient is theirs. */
export const ADDRESSED_PARAMS: readonly (readonly [string, string])[] = [
  ['Task', 'owner'],
  ['ServiceRequest', 'performer'],
];

/** Types an administrator manages whoever they concern: care teams, documented delegations. */
export const ADMINISTERED_TYPES = ['CareTeam', 'RelatedPerson'];

/**
 * Types that belong to whoever wrote them and are served to them alone by their module: a
 * Subscription holds its owner's endpoint and credentials (modules/subscriptions), so no other
 * read path — batch entries, system-wide history, `_type` searches — shows one to anybody.
 */
export const OWNER_ONLY_TYPES = ['Subscription'];

export function readScope(
  principal: Principal,
  patients: readonly string[] | 'all',
  addressedTo: readonly string[] = [],
): ReadScope {
  const types = readableTypes(principal);
  return {
    ...(types ? { types } : {}),
    excludedTypes: OWNER_ONLY_TYPES,
    shared: DIRECTORY_TYPES,
    patients,
    ...(principal.kind === 'staff' && principal.roles.includes('administrator')
      ? { anyPatient: ADMINISTERED_TYPES }
      : {}),
    ...(addressedTo.length > 0 ? { addressed: { actors: addressedTo, params: ADDRESSED_PARAMS } } : {}),
  };
}
