/**
 * The access layer: from an authenticated principal to the rights the FHIR engine enforces on one
 * request — a decision on the classified request (decision.ts), a read scope compiled into every
 * query (scope.ts), a guard inside every write (guard.ts), and a last look at aggregates.
 */
import type { RequestAccess, RouteMatch, SqlExecutor } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { suppressSmallCount } from './aggregate.ts';
import { authorizeRequest } from './decision.ts';
import { writeGuard } from './guard.ts';
import { isAggregateOnly, isCareGiver } from './policy.ts';
import { dependantsOf } from './relations/dependants.ts';
import type { CareViewCache } from './relations/visible.ts';
import { readScope } from './scope.ts';

export { type Principal, ROLES, type Role } from '../kernel/principal.ts';

export interface AccessDeps {
  db: SqlExecutor;
  careViews: CareViewCache;
}

export async function resolveAccess(deps: AccessDeps, principal: Principal): Promise<RequestAccess> {
  const authorize = (match: RouteMatch): void => authorizeRequest(principal, match);
  const base = { authorize, actor: principal };
  if (principal.kind === 'system') {
    return {
      ...base,
      scope: readScope(principal, 'all'),
      guard: writeGuard(principal, { visible: async () => 'all', actors: async () => [] }),
    };
  }
  const me = principal.fhirUser ?? '';
  if (principal.kind === 'patient' && principal.roles.includes('patient') && me.startsWith('Patient/')) {
    // the patient's own record, and those they act for (a child, a parent: relations/dependants.ts)
    const self = me.slice('Patient/'.length);
    const own = new Set([self, ...(await dependantsOf(deps.db, self))]);
    return {
      ...base,
      scope: readScope(principal, [...own]),
      guard: writeGuard(principal, { visible: async () => own, actors: async () => [me] }),
    };
  }
  if (isCareGiver(principal) && me.startsWith('Practitioner/')) {
    const view = await deps.careViews.get(deps.db, me);
    return {
      ...base,
      scope: readScope(principal, view.patients, view.actors),
      guard: writeGuard(principal, { visible: async () => view.patientSet, actors: async () => view.actors }),
    };
  }
  if (isAggregateOnly(principal)) {
    // counts run over everyone; the decision let only identity-free counts through
    return {
      ...base,
      scope: readScope(principal, 'all'),
      guard: writeGuard(principal, { visible: async () => new Set(), actors: async () => [] }),
      review: (_match, res) => suppressSmallCount(res),
    };
  }
  return {
    ...base,
    scope: readScope(principal, []),
    guard: writeGuard(principal, { visible: async () => new Set(), actors: async () => [] }),
  };
}
