/**
 * Required bindings on `code` elements (Patient.gender, Observation.status, HumanName.use…): the
 * validator of @medplum/core does not check them, so they are checked here against the value sets
 * of the R4 definitions. A value set that cannot be expanded from the definitions alone (filters,
 * external code systems) is not checked.
 */
import { type InternalTypeSchema, tryGetDataType } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { requiredValueSetCodes } from './definitions.ts';

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
        const codes = element.binding.valueSet ? requiredValueSetCodes(element.binding.valueSet) : null;
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
