/**
 * Identity numbers — the CNIE of a patient, the INPE of a practitioner or establishment — decide
 * who a record is. A patient may correct their name or contact details, never these; each number
 * belongs to one active resource (the engine enforces uniqueness, see platform.ts). A patient's
 * birth date is as weighty: it decides whether they are an adult, who may name who acts for them,
 * and when a parent's delegation ends (relations/dependants.ts).
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { CNIE_SYSTEM, INPE_SYSTEM } from '../identifiers/morocco.ts';

const IDENTITY_SYSTEMS: Record<string, { system: string; label: string }[]> = {
  Patient: [{ system: CNIE_SYSTEM, label: 'The CNIE number' }],
  Practitioner: [{ system: INPE_SYSTEM, label: 'The INPE number' }],
  Organization: [{ system: INPE_SYSTEM, label: 'The INPE number' }],
};

/** Identity-bearing elements that are not identifiers. */
const IDENTITY_FIELDS: Record<string, { field: string; label: string }[]> = {
  Patient: [{ field: 'birthDate', label: 'The birth date' }],
};

/** The identity number (or birth date) a write sets, changes or removes, if any. */
export function identityChange(
  next: Resource | undefined,
  previous: Resource | undefined,
): { label: string; creating: boolean; number: boolean } | undefined {
  const type = (next ?? previous)?.resourceType ?? '';
  for (const { system, label } of IDENTITY_SYSTEMS[type] ?? []) {
    const before = valuesOf(previous, system);
    const after = valuesOf(next, system);
    if (!next) continue; // deleting a record is judged elsewhere
    if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
    return { label, creating: !previous, number: true };
  }
  for (const { field, label } of IDENTITY_FIELDS[type] ?? []) {
    if (!next) continue;
    if (fieldOf(previous, field) === fieldOf(next, field)) continue;
    return { label, creating: !previous, number: false };
  }
  return undefined;
}

function valuesOf(resource: Resource | undefined, system: string): string[] {
  const identifiers = (resource as { identifier?: Identifier[] } | undefined)?.identifier ?? [];
  return identifiers
    .filter((i) => i.system === system && typeof i.value === 'string')
    .map((i) => (i.value as string).trim().toUpperCase())
    .sort();
}

function fieldOf(resource: Resource | undefined, field: string): string | undefined {
  const value = (resource as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value.trim() : undefined;
}
