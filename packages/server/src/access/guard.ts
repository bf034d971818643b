/**
 * The write guard: run inside each write's transaction. A change must stay within what the writer
 * may see — before and after — except the one way a care relationship starts: a care-giver writing an
 * Encounter, Appointment, CareTeam… that names them, or registering a new Patient.
 */

import type { Resource } from '@medplum/fhirtypes';
import { compartmentPatients, FhirError, outcome, type WriteGuard } from '@sahti/fhir';
import { isDirectoryType, mayWrite } from './policy.ts';
import type { Principal } from './principal.ts';
import { createsCareRelation } from './relation.ts';

const forbidden = (text: string): FhirError => new FhirError(403, outcome('error', 'forbidden', text));

export function writeGuard(
  principal: Principal,
  visiblePatients: () => Promise<Set<string> | 'all'>,
): WriteGuard {
  return async (_tx, next, previous) => {
    for (const resource of [next, previous]) {
      if (!resource) continue;
      const verdict = mayWrite(principal, resource.resourceType);
      if (!verdict.allowed) throw forbidden(verdict.reason);
    }
    const visible = await visiblePatients();
    if (visible === 'all') return;
    if (previous) checkWithin(previous, visible);
    if (!next) return;
    if (isDirectoryType(next.resourceType)) return;
    if (next.resourceType === 'Patient' && !previous && principal.kind === 'staff') return;
    if (
      principal.kind === 'staff' &&
      principal.fhirUser &&
      createsCareRelation(next.resourceType, mentions(next, principal.fhirUser))
    ) {
      return;
    }
    checkWithin(next, visible);
  };
}

function checkWithin(resource: Resource, visible: Set<string>): void {
  const patients = compartmentPatients(resource);
  if (patients.length === 0 && !isDirectoryType(resource.resourceType)) {
    throw forbidden(`A ${resource.resourceType} must name the patient it belongs to`);
  }
  for (const patient of patients) {
    if (!visible.has(patient)) throw forbidden(`You may not write data of Patient/${patient}`);
  }
}

function mentions(resource: Resource, reference: string): boolean {
  return JSON.stringify(resource).includes(`"reference":"${reference}"`);
}
