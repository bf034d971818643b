/**
 * A search's matches by the names a test gave its resources: tests that create a handful of
 * resources under names compare the names found, in the order the server gave them.
 */
import assert from 'node:assert/strict';
import { fhirFetch } from './server.ts';

/** The names (`ids`: name → id) of the resources `path` finds on its first page, in order. */
export async function namesFound(
  fhirBase: string,
  path: string,
  ids: Record<string, string>,
): Promise<string[]> {
  const res = await fhirFetch(fhirBase, path);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return (res.body.entry ?? []).map((e: { resource: { id?: string } }) => names.get(e.resource.id ?? ''));
}
