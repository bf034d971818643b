/** Collects statement parameters; every placeholder carries a cast so the planner can use indexes. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(cast === 'text[]' ? keptTextArray(value) : value);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * A frozen list of texts as PostgreSQL's array literal, written once. node-postgres writes an
 * array parameter's literal at every query, two regular expressions per element: a care-giver's
 * list of 200 patients cost ~70 µs of node per search that way (a CPU profile of `bench/access.ts`:
 * docs/performance.md, *A care-giver's list as one literal*). The access layer's care view is frozen
 * and kept for a few seconds, so its literal is made once per view. A list that is not frozen may
 * change between two queries: it goes to node-postgres as it is.
 */
const literals = new WeakMap<readonly unknown[], string>();

function keptTextArray(value: unknown): unknown {
  if (!Array.isArray(value) || !Object.isFrozen(value)) return value;
  const kept = literals.get(value);
  if (kept !== undefined) return kept;
  if (!value.every((v) => typeof v === 'string')) return value;
  const literal = textArrayLiteral(value as string[]);
  literals.set(value, literal);
  return literal;
}

/** `{"a","b\"c"}` for a and b"c: every element quoted, its backslashes and quotes escaped (as node-postgres does). */
export function textArrayLiteral(values: readonly string[]): string {
  const quoted = values.map((v) => `"${/[\\"]/.test(v) ? v.replace(/[\\"]/g, '\\$&') : v}"`);
  return `{${quoted.join(',')}}`;
}

/**
 * A resource type written into a statement's text rather than passed as a parameter: it is part of
 * the statement's shape, and a kept (named) statement is planned once for every value of its
 * parameters. Passed as one, the type left PostgreSQL's generic plan of a care-giver's list with a
 * guessed selectivity, costlier than the plans made for the type, and PostgreSQL planned that search
 * at every call (~120 µs of its ~520: docs/performance.md, *A page's accesses stored as one event*).
 * Used where that was measured — the care list's rows and the page's join; the filters' index rows
 * (compile.ts, sort.ts) still pass the type as a parameter, and their kept statements stayed on
 * generic plans in the same benchmark.
 */
export function typeLiteral(type: string): string {
  if (!/^[A-Z][A-Za-z]{0,63}$/.test(type)) throw new Error(`Not a resource type: ${JSON.stringify(type)}`);
  return `'${type}'`;
}
