/**
 * Query keys that say which resources a cached answer is made of, so that a write or a live event
 * can find every answer it makes stale. Each key starts with a scope: the resource types read
 * (`*` when a search may pull in any type) and, for a read of one resource, its id. Pure.
 */
import type { SearchParams } from '../api/fhir.ts';

export interface DataScope {
  /** Resource types the answer is made of; `*` for any. */
  types: string[];
  /** A read of one resource: only a change of this id makes it stale. */
  id?: string;
}

export type DataKey = readonly [DataScope, ...unknown[]];

/** A change to the data: what a write did, or what the server announced. */
export interface DataChange {
  /** `*`: anything may have changed (access granted, reconnected after missing events). */
  resourceType: string;
  id?: string;
}

export const ANY = '*';

export function readKey(type: string, id: string): DataKey {
  return [{ types: [type], id }, 'read', type, id];
}

export function searchKey(type: string, params: SearchParams = {}): DataKey {
  const pairs = canonicalParams(params);
  return [{ types: searchTypes(type, pairs) }, 'search', type, pairs];
}

/** Any other answer (a composite load, a JSON endpoint): the caller names the types it reads. */
export function dataKey(types: string[], ...parts: unknown[]): DataKey {
  return [{ types: [...new Set(types)].sort() }, ...parts];
}

/** Search parameters as sorted pairs without empty values: the same search, the same key. */
export function canonicalParams(params: SearchParams): [string, string][] {
  const pairs = Array.isArray(params) ? params : Object.entries(params);
  return pairs
    .filter((p): p is [string, string | number] => p[1] !== undefined && p[1] !== '')
    .map(([name, value]): [string, string] => [name, String(value)])
    .sort((a, b) => (a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0])));
}

/**
 * The types a search reads: its own, those it includes (`_include=A:b:Target`, `_revinclude=A:b`),
 * those it filters on (`_has:A:…`, chains `subject:Patient.name`). An include or a chain whose
 * target type is not written out may read any type.
 */
export function searchTypes(type: string, pairs: [string, string][]): string[] {
  const types = new Set([type]);
  for (const [name, value] of pairs) {
    const base = name.split(':')[0];
    if (base === '_revinclude') types.add(value.split(':')[0]);
    else if (base === '_include') types.add(value.split(':')[2] ?? ANY);
    else if (name.startsWith('_has:')) types.add(name.split(':')[1]);
    else if (name.includes('.')) {
      const head = name.slice(0, name.indexOf('.'));
      const target = head.split(':')[1];
      types.add(target && /^[A-Z]/.test(target) ? target : ANY);
    }
  }
  return [...types].sort();
}

/** Whether a change makes the answer under this key stale. Keys of other shapes are not data. */
export function isAffected(key: readonly unknown[], change: DataChange): boolean {
  const scope = key[0];
  if (!scope || typeof scope !== 'object' || !Array.isArray((scope as DataScope).types)) return false;
  const { types, id } = scope as DataScope;
  if (change.resourceType === ANY || types.includes(ANY)) return true;
  if (!types.includes(change.resourceType)) return false;
  return id === undefined || change.id === undefined || id === change.id;
}
