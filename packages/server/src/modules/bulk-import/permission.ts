/**
 * Who may import: a national load writes any patient's record without a care relationship, so only
 * a system client (client credentials) whose token grants create and update on every type
 * (`system/*.write`, `system/*.*`, `system/*.cu`). Each line is then still judged by the write
 * guard of that client (role matrix, scopes per type, identity numbers), as any write is.
 */
import { FhirError, outcome } from '@sahti/fhir';
import { scopePermits } from '../../access/smart.ts';
import type { Principal } from '../../kernel/principal.ts';

export function assertMayImport(principal: Principal): void {
  if (principal.kind !== 'system')
    throw new FhirError(
      403,
      outcome('error', 'forbidden', '$import is for system clients (client credentials) only'),
    );
  if (!scopePermits(principal, '*', 'create') || !scopePermits(principal, '*', 'update'))
    throw new FhirError(
      403,
      outcome(
        'error',
        'forbidden',
        '$import needs a token granting create and update on all types (system/*.write)',
      ),
    );
}

/** The owner key of a job: whoever submitted it, and only they, may read or cancel it. */
export const ownerOf = (principal: Principal): string => `${principal.kind}/${principal.id}`;
