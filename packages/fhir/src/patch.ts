/** JSON Patch (RFC 6902) on a resource: all operations apply, or the request is refused. */
import { applyPatch } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from './outcome.ts';

type Operations = Parameters<typeof applyPatch>[1];

export function applyJsonPatch(resource: Resource, operations: unknown, where = ''): Resource {
  if (!Array.isArray(operations) || operations.length === 0) {
    return badRequest(`${where}A JSON Patch body must be a non-empty array of operations`);
  }
  for (const [i, op] of operations.entries()) {
    if (!op || typeof op !== 'object' || typeof op.op !== 'string' || typeof op.path !== 'string') {
      badRequest(`${where}Patch operation ${i} needs "op" and "path"`);
    }
  }
  const patched = structuredClone(resource);
  let errors: unknown[];
  try {
    // @medplum/core reports failed operations (a failed "test", a missing path) as a list
    errors = applyPatch(patched, operations as Operations) as unknown[];
  } catch (err) {
    return badRequest(`${where}The patch could not be applied: ${(err as Error).message}`);
  }
  const failed = (errors ?? []).find((e) => e) as Error | undefined;
  if (failed) badRequest(`${where}The patch could not be applied: ${failed.message}`);
  return patched;
}
