/** Validation of every write against the R4 StructureDefinitions (through @medplum/core). */
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { requiredBindingIssues } from './bindings.ts';
import { isResourceType, loadDefinitions } from './definitions.ts';
import { FhirError, outcome } from './outcome.ts';
import { ID_PATTERN } from './references.ts';

/**
 * A deployment's own rule on top of R4 (e.g. the format of a national identifier): returns issues,
 * empty when the resource passes. The engine knows FHIR, not Morocco: the server supplies these.
 */
export type ResourceRule = (resource: Resource) => OperationOutcomeIssue[];

/** Returns the issues found (errors and warnings) without throwing. */
export function validationOutcome(resource: unknown, rules: ResourceRule[] = []): OperationOutcome {
  loadDefinitions();
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    return outcome('error', 'structure', 'The body must be a JSON object, a FHIR resource');
  }
  const type = (resource as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || !isResourceType(type)) {
    return outcome('error', 'structure', `Unknown or missing resourceType "${String(type)}"`, [
      'resourceType',
    ]);
  }
  const id = (resource as { id?: unknown }).id;
  if (id !== undefined && (typeof id !== 'string' || !ID_PATTERN.test(id))) {
    return outcome('error', 'value', `Invalid id: 1–64 characters of A-Z a-z 0-9 - .`, [`${type}.id`]);
  }
  let issues: OperationOutcomeIssue[];
  try {
    issues = validateResource(resource as Resource);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      return outcome('error', 'structure', `Could not validate: ${(err as Error).message}`);
    }
    issues = [...(err.outcome.issue ?? [])];
  }
  issues.push(...requiredBindingIssues(resource as Resource));
  for (const rule of rules) issues.push(...rule(resource as Resource));
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length > 0 ? issues : outcome('information', 'informational', 'Valid').issue,
  };
}

export function hasErrors(o: OperationOutcome): boolean {
  return (o.issue ?? []).some((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Throws a 400 naming the element paths when the resource is not valid R4. */
export function assertValid(resource: unknown, rules: ResourceRule[] = []): asserts resource is Resource {
  const result = validationOutcome(resource, rules);
  if (hasErrors(result)) throw new FhirError(400, result);
}
