/**
 * A principal's data scope as SQL over a `resource` row: directory data for everyone signed in;
 * patient data only in the compartments of the patients this caller may see.
 */
import type { AccessScope, SqlParams } from '@sahti/fhir';
import { DIRECTORY_TYPES } from './policy.ts';

/** Directory resources, plus resources in the compartment of one of `patients`. */
export function compartmentScope(patients: string[]): AccessScope {
  return (alias: string, p: SqlParams) =>
    `(${alias}.resource_type = ANY(${p.add(DIRECTORY_TYPES, 'text[]')}) OR EXISTS (SELECT 1 FROM compartment sc
       WHERE sc.resource_type = ${alias}.resource_type AND sc.id = ${alias}.id AND sc.patient_id = ANY(${p.add(patients, 'text[]')})))`;
}

/** Directory resources only (administrators; programme managers outside counts). */
export function directoryScope(): AccessScope {
  return (alias: string, p: SqlParams) => `${alias}.resource_type = ANY(${p.add(DIRECTORY_TYPES, 'text[]')})`;
}

/**
 * Programme managers count patient data without seeing it: no row restriction, because only
 * `_summary=count` searches are let through (policy.ts), and nothing else is returned.
 */
export const countOnlyScope: AccessScope | undefined = undefined;
