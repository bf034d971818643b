/**
 * The access layer: from an authenticated principal to the rights the FHIR engine enforces on one
 * request — a scope on every read path, a guard on every write, and an interaction check first.
 */
import {
  FhirError,
  type FhirRequest,
  type Interaction,
  outcome,
  type RequestAccess,
  type SqlExecutor,
} from '@sahti/fhir';
import { writeGuard } from './guard.ts';
import { isCareGiver, isDirectoryType, mayRead, mayWrite } from './policy.ts';
import type { Principal } from './principal.ts';
import { actorReferences, relatedPatients } from './relation.ts';
import { compartmentScope, directoryScope } from './scope.ts';

export type { Principal, Role } from './principal.ts';
export { ROLES } from './principal.ts';

const READS: Interaction[] = ['read', 'vread', 'search', 'history', 'everything', 'validate'];
/** Search parameters that single a person out: not for aggregate-only roles. */
const IDENTIFYING =
  /^(_id|identifier|name|family|given|phonetic|telecom|phone|email|address.*|birthdate|_has.*|.*\..*)$/;

export async function resolveAccess(db: SqlExecutor, principal: Principal): Promise<RequestAccess> {
  const authorize = (interaction: Interaction, type: string | undefined, req: FhirRequest): void =>
    checkInteraction(principal, interaction, type, req);
  if (principal.kind === 'system') return { authorize };
  const fhirUser = principal.fhirUser ?? '';
  if (principal.roles.includes('patient') && fhirUser.startsWith('Patient/')) {
    const me = fhirUser.slice('Patient/'.length);
    return {
      authorize,
      scope: compartmentScope([me]),
      guard: writeGuard(principal, async () => new Set([me])),
      hiddenStatus: 404,
    };
  }
  if (isCareGiver(principal) && fhirUser.startsWith('Practitioner/')) {
    const patients = await relatedPatients(db, fhirUser, await actorReferences(db, fhirUser));
    const visible = new Set(patients);
    return {
      authorize,
      scope: compartmentScope(patients),
      guard: writeGuard(principal, async () => visible),
      hiddenStatus: 403,
    };
  }
  if (principal.roles.includes('programme-manager'))
    return { authorize, guard: writeGuard(principal, async () => new Set()) };
  return {
    authorize,
    scope: directoryScope(),
    guard: writeGuard(principal, async () => new Set()),
    hiddenStatus: 403,
  };
}

function checkInteraction(
  principal: Principal,
  interaction: Interaction,
  type: string | undefined,
  req: FhirRequest,
): void {
  if (interaction === 'batch' || interaction === 'transaction') return; // each entry is checked on its own
  if (READS.includes(interaction)) {
    const countOnly = req.query.some(([k, v]) => k === '_summary' && v === 'count');
    const verdict = mayRead(principal, type ?? '*', countOnly && interaction === 'search');
    if (!verdict.allowed) throw forbidden(verdict.reason);
    if (
      principal.roles.includes('programme-manager') &&
      principal.kind !== 'system' &&
      !isDirectoryType(type ?? '')
    ) {
      const identifying = req.query.find(([k]) => IDENTIFYING.test(k.split(':')[0]));
      if (identifying) throw forbidden(`Counting by "${identifying[0]}" could single out a person`);
    }
    return;
  }
  if (!type) throw forbidden('This interaction needs a resource type');
  const verdict = mayWrite(principal, type);
  if (!verdict.allowed) throw forbidden(verdict.reason);
}

function forbidden(text: string): FhirError {
  return new FhirError(403, outcome('error', 'forbidden', text));
}
