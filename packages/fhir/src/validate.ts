/** Validation of every write against the R4 StructureDefinitions (through @medplum/core). */
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { requiredBindingIssues } from './bindings.ts';
import { isResourceType, loadDefinitions } from './definitions.ts';
import { FhirError, outcome, shown } from './outcome.ts';
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
    return outcome('error', 'structure', `Unknown or missing resourceType "${shown(type)}"`, [
      'resourceType',
    ]);
  }
  const structural = structuralProblem(resource, type);
  if (structural) return outcome('error', 'structure', structural.text, [structural.path]);
  // judged as it will be stored (versions.ts stampedVersion): without its empty arrays
  resource = withoutEmptyArrays(resource as Resource);
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

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What JSON can carry but a FHIR resource (and PostgreSQL text) cannot: object keys that shadow
 * JavaScript internals, NUL characters and unpaired surrogates, and empty objects (an element has a
 * value or children, ele-1; @medplum/core lets `{}` through, even where a list of strings is
 * expected: `"given": {}`). An empty array is taken as no element (withoutEmptyArrays), as clients
 * send it (a phone list emptied). Checked before anything else reads the resource.
 */
function structuralProblem(
  node: unknown,
  path: string,
  depth = 0,
): { text: string; path: string } | undefined {
  if (depth > 64) return { text: 'The resource is nested too deeply', path };
  if (typeof node === 'string') {
    if (node.includes('\u0000') || !node.isWellFormed())
      return { text: 'A value holds a NUL or malformed character', path };
    return undefined;
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const problem = structuralProblem(node[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (node && typeof node === 'object') {
    const keys = Object.keys(node);
    if (keys.length === 0) return { text: 'An empty object: leave the element out instead', path };
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) return { text: `Invalid property "${key}"`, path: `${path}.${key}` };
      if (key.includes('\u0000') || !key.isWellFormed())
        return { text: 'A property name holds a malformed character', path };
      const problem = structuralProblem((node as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

const ABSENT = Symbol('absent');

/**
 * The resource without its empty arrays, and without the objects and arrays left empty by their
 * removal: FHIR JSON has no empty array, clients send them for "none" (a phone list emptied), and
 * @medplum/core lets one through even where a single value is expected (`"text": []`), where it
 * would reach the index rows as a value. Validation judges this form and every write stores it.
 * The same object when there is nothing to remove; otherwise only the objects on the way to a
 * removal are new.
 */
export function withoutEmptyArrays<T extends object>(resource: T): T {
  const pruned = prune(resource);
  return (pruned === ABSENT ? resource : pruned) as T;
}

function prune(node: unknown): unknown {
  if (Array.isArray(node)) {
    if (node.length === 0) return ABSENT;
    let out: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const value = prune(node[i]);
      if (value !== node[i] && !out) out = node.slice(0, i);
      if (out && value !== ABSENT) out.push(value);
    }
    if (!out) return node;
    return out.length === 0 ? ABSENT : out;
  }
  if (node && typeof node === 'object' && !(node instanceof Date)) {
    const keys = Object.keys(node);
    const record = node as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const value = prune(record[keys[i]]);
      if (value !== record[keys[i]] && !out) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]] = record[keys[j]];
      }
      if (out && value !== ABSENT) out[keys[i]] = value;
    }
    if (!out) return node;
    return Object.keys(out).length === 0 ? ABSENT : out;
  }
  return node;
}

/**
 * R4 validation and the deployment's rules for many resources, outcomes in order, run elsewhere than
 * on the caller's thread (the server's worker threads): what a deployment may give the store for
 * large transaction bundles. Each outcome is the one validationOutcome gives.
 */
export type ValidateMany = (resources: unknown[]) => Promise<OperationOutcome[]>;

export function hasErrors(o: OperationOutcome): boolean {
  return (o.issue ?? []).some((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Throws a 400 naming the element paths when the resource is not valid R4. */
export function assertValid(resource: unknown, rules: ResourceRule[] = []): asserts resource is Resource {
  const result = validationOutcome(resource, rules);
  if (hasErrors(result)) throw new FhirError(400, result);
}
