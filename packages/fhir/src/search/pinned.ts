/**
 * A search pinned to patients in the caller's care needs no compartment test. A filter on one of
 * the type's patient-compartment reference parameters (Observation `subject`, Encounter `patient`…)
 * whose every value names a Patient matches only resources holding such a reference — and that
 * reference is what puts a resource in the Patient's compartment (compartment.ts reads the same
 * index rows). When every Patient it names is in the caller's list, every match lies in a
 * compartment the caller may read, so the scope's patient test — a probe of each candidate's
 * compartment rows, each row compared with the whole list — could only say yes. The scope's other
 * parts (the types the caller may read at all, the types never read through it) stay.
 */
import { patientCompartmentParams } from '../compartment.ts';
import type { ReadScope } from '../scope.ts';
import { referenceTarget } from './conditions.ts';
import type { Filter } from './parse.ts';

/** The Patients a filter confines its matches to, through the type's compartment; else undefined. */
export function pinnedPatients(type: string, filter: Filter, baseUrl: string): string[] | undefined {
  if (filter.kind !== 'param' || filter.type !== 'reference' || filter.values.length === 0) return undefined;
  if (filter.modifier !== undefined && filter.modifier !== 'Patient') return undefined;
  if (!patientCompartmentParams(type).has(filter.code)) return undefined;
  const ids: string[] = [];
  for (const value of filter.values) {
    const target = referenceTarget(value, baseUrl);
    // as conditions.ts referenceCondition reads it: the value's own type first, then the modifier's
    if (!target || (target.type ?? filter.modifier) !== 'Patient') return undefined;
    ids.push(target.id);
  }
  return ids;
}

/**
 * The scope to check a search's matches against: without its patient test when one filter pins
 * the search to patients of the list (above), as it is otherwise.
 */
export function scopeOfMatches(
  scope: ReadScope | undefined,
  type: string,
  filters: readonly Filter[],
  baseUrl: string,
): ReadScope | undefined {
  if (!scope || scope.patients === 'all') return scope;
  const listed = scope.patients;
  for (const filter of filters) {
    const ids = pinnedPatients(type, filter, baseUrl);
    if (ids?.every((id) => listed.includes(id))) return { ...scope, patients: 'all' };
  }
  return scope;
}
