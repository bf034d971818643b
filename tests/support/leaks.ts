/** What a leak hunt checks in every response: no forbidden resource anywhere, and totals that agree. */
import assert from 'node:assert/strict';

/** Every resource anywhere in a response body, including inside bundles and their outcomes. */
export function resourcesIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) resourcesIn(n, found);
  else if (node && typeof node === 'object') {
    const r = node as Record<string, unknown>;
    if (typeof r.resourceType === 'string' && typeof r.id === 'string')
      found.push(`${r.resourceType}/${r.id}`);
    for (const v of Object.values(r)) if (v && typeof v === 'object') resourcesIn(v, found);
  }
  return found;
}

export function assertNoLeak(body: unknown, what: string, forbidden: ReadonlySet<string>): void {
  const leaked = resourcesIn(body).filter((k) => forbidden.has(k));
  assert.deepEqual(leaked, [], `${what} leaked ${leaked.join(', ')}`);
  const bundle = body as {
    resourceType?: string;
    type?: string;
    total?: number;
    entry?: any[];
    link?: any[];
  };
  if (
    bundle?.resourceType === 'Bundle' &&
    bundle.type === 'searchset' &&
    typeof bundle.total === 'number' &&
    !what.includes('_summary=count')
  ) {
    const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length;
    const more = (bundle.link ?? []).some((l) => l.relation === 'next');
    if (!more)
      assert.equal(bundle.total, matches, `${what}: total ${bundle.total} but ${matches} matches returned`);
  }
}
