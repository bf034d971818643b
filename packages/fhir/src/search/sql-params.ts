/** Collects statement parameters; every placeholder carries a cast so the planner can use indexes. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
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
