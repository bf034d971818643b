/**
 * The consent (law 131-13) and the satisfaction answers are written by the teleconsultation service
 * only: a write hook refuses, on every path (REST, batch, transaction bundles), a write by anyone
 * but the platform of a QuestionnaireResponse carrying either identifier system, before or after
 * the change. Without it a patient could post a "consent" naming another patient's appointment
 * (and so let them into the call without their own consent), withdraw their own record of it, or
 * answer the survey any number of times, for any Encounter.
 */
import type { Identifier, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome, type WriteHook } from '@sahti/fhir';
import { CONSENT_IDENTIFIER, SATISFACTION_IDENTIFIER } from './questionnaires.ts';

const RESERVED = new Set([CONSENT_IDENTIFIER, SATISFACTION_IDENTIFIER]);

/** R4 gives a QuestionnaireResponse one identifier; a list is read too, to refuse it the same way. */
const isReserved = (r: Resource | undefined): boolean => {
  if (r?.resourceType !== 'QuestionnaireResponse') return false;
  const id = (r as QuestionnaireResponse).identifier as Identifier | Identifier[] | undefined;
  return (Array.isArray(id) ? id : id ? [id] : []).some((i) => i.system && RESERVED.has(i.system));
};

export function protectHook(): WriteHook {
  return (changes, actor) => {
    if (actor === undefined) return undefined; // the platform: the teleconsultation service itself
    for (const c of changes)
      if (isReserved(c.next) || isReserved(c.previous))
        throw new FhirError(
          403,
          outcome(
            'error',
            'forbidden',
            'The teleconsultation consent and survey are recorded through /api/teleconsult (check-in, satisfaction), not by direct writes',
          ),
        );
    return undefined;
  };
}
