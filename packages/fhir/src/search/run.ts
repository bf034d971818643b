/**
 * Runs a parsed search: one query for the page (keyset), one for the total when asked, and the
 * `_include` / `_revinclude` rounds. Nothing here knows HTTP.
 */
import type { Resource } from '@medplum/fhirtypes';
import { isResourceType } from '../definitions.ts';
import { notFound } from '../outcome.ts';
import { rowCode } from '../overlap.ts';
import { type AccessScope, careListOnly, scopeCondition } from '../scope.ts';
import type { SqlExecutor } from '../sql.ts';
import { type CarePatients, carePatients } from './care-patients.ts';
import { type CompileContext, compileFilter, mergeDateBounds } from './compile.ts';
import { referenceTarget } from './conditions.ts';
import { candidateSet, chooseDriver, pageIds } from './drive.ts';
import { DEFAULT_COUNT, type IncludeSpec, type SearchQuery } from './parse.ts';
import { scopeOfMatches } from './pinned.ts';
import { afterCursor, type Cursor, decodeCursor, encodeCursor, type SortKey, sortKeys } from './sort.ts';
import { SqlParams, typeLiteral } from './sql-params.ts';

/**
 * The access layer's restriction (scope.ts) is applied to matches, included resources, chained
 * targets and `_has` sources alike, so nothing the caller may not see can shape a result.
 */
export type { AccessScope };

export interface SearchOptions {
  baseUrl: string;
  scope?: AccessScope;
}

/** A match as the database gave it: its type, its id and its content's JSON text. */
export interface StoredMatch {
  resourceType: string;
  id: string;
  text: string;
}

/** The resources of stored matches, parsed the first time they are asked for, then kept. */
export function parsedWhenRead(stored: readonly StoredMatch[]): () => Resource[] {
  let parsed: Resource[] | undefined;
  return () => {
    parsed ??= stored.map((m) => JSON.parse(m.text) as Resource);
    return parsed;
  };
}

export interface SearchResult {
  /** The page's matches, parsed when first read (the HTTP answer can do with `stored`). */
  readonly matches: Resource[];
  /** The page's matches as stored, in order. */
  stored: StoredMatch[];
  included: Resource[];
  total?: number;
  nextCursor?: string;
  warnings: string[];
  /** Patients whose compartment holds a match or an included resource (for the audit trail). */
  patients: string[];
}

/** The patients of a `resource` row aliased `r`, as a SQL array column. */
export const PATIENTS_COLUMN =
  'ARRAY(SELECT pc.patient_id FROM compartment pc WHERE pc.resource_type = r.resource_type AND pc.id = r.id) AS patients';

const MAX_INCLUDED = 1000;
const MAX_ITERATIONS = 3;

export async function runSearch(
  db: SqlExecutor,
  q: SearchQuery,
  options: SearchOptions,
): Promise<SearchResult> {
  if (!isResourceType(q.resourceType)) notFound(`Unknown resource type "${q.resourceType}"`);
  const warnings = [...q.warnings];
  const statements = searchStatements(q, options, await keptCarePatients(db, q, options));

  let total: number | undefined;
  const wantsTotal = q.summary === 'count' || q.total === 'accurate' || q.total === 'estimate';
  if (wantsTotal) {
    const p = new SqlParams();
    const count = await db.query<{ n: string }>(statements.count(p), p.values);
    total = Number(count.rows[0].n);
  }
  if (q.summary === 'count' || q.count === 0)
    return { matches: [], stored: [], included: [], total, warnings, patients: [] };

  const p = new SqlParams();
  const keys = sortKeys(q.resourceType, q.sort, p);
  const cursor = q.cursor ? decodeCursor(q.cursor, keys) : undefined;
  const page = await db.query<Record<string, string | null> & { patients: string[] }>(
    statements.page(p, keys, cursor, q.count + 1),
    p.values,
    { prepared: samePlanForEveryValue(q, options) },
  );
  const rows = page.rows.slice(0, q.count);
  const stored = rows.map((row) => ({
    resourceType: q.resourceType,
    id: row.id as string,
    text: row.content as string,
  }));
  // parsed only for a reader that needs objects: an HTTP answer writes the texts (rest/stored-json.ts)
  const matches = parsedWhenRead(stored);
  let nextCursor: string | undefined;
  if (page.rows.length > q.count) {
    const last = rows[rows.length - 1];
    nextCursor = encodeCursor({ keys: keys.map((_, i) => last[`k${i}`]), id: last.id as string });
  }
  if (total === undefined && !q.cursor && q.total === undefined && !nextCursor) total = rows.length;

  const patients = new Set<string>();
  for (const row of rows) for (const patient of row.patients) patients.add(patient);
  const included = await resolveIncludes(db, q, matches, options, warnings, patients);
  return {
    get matches() {
      return matches();
    },
    stored,
    included,
    total,
    nextCursor,
    warnings,
    patients: [...patients],
  };
}

/**
 * A care-giver's page of their Patients in id order reads the Patients of their kept care list
 * (care-patients.ts); no other search needs them looked up.
 */
async function keptCarePatients(
  db: SqlExecutor,
  q: SearchQuery,
  options: SearchOptions,
): Promise<CarePatients | undefined> {
  if (q.resourceType !== 'Patient' || q.summary === 'count' || q.count === 0 || q.sort.length > 0)
    return undefined;
  const careList = careListOnly(options.scope, 'Patient');
  if (!careList || chooseDriver('Patient', mergeDateBounds(q.filters), careList)?.from !== 'careList')
    return undefined;
  return carePatients(db, careList);
}

/**
 * Searches whose every filter names one resource or a few through one index entry — an exact
 * identifier (`system|value`), an id, a reference to one resource (a patient's observations) — and
 * searches with no filter (a care-giver's list, a type walked in id order), in the default order:
 * whatever the values, one plan serves them, so the text is kept prepared (parsed and planned once
 * per connection: the CNIE look-up of every admission, a patient's record opened screen by screen).
 * The caller's scope does not change that: its values are parameters, a care list is hidden from
 * the planner (scope.ts), so one text serves every caller of one kind. Other searches are planned
 * on their values (a common code and a rare one, a name prefix and a date range want different
 * plans). The page size is in the text: only the usual few are kept, so that no client spends the
 * pool's statement names on page sizes.
 */
function samePlanForEveryValue(q: SearchQuery, options: SearchOptions): boolean {
  return (
    q.sort.length === 0 &&
    KEPT_PAGE_SIZES.has(q.count) &&
    q.filters.every(
      (f) =>
        f.kind === 'param' &&
        f.modifier === undefined &&
        f.values.length === 1 &&
        ((f.code === 'identifier' && /^[^|]+\|.+$/.test(f.values[0])) ||
          f.code === '_id' ||
          (f.type === 'reference' && referenceTarget(f.values[0], options.baseUrl) !== undefined)),
    )
  );
}

const KEPT_PAGE_SIZES = new Set([1, 10, DEFAULT_COUNT, 50, 100]);

interface SearchStatements {
  /** The number of matches. */
  count(p: SqlParams): string;
  /** One page: `limit` rows after the cursor, in the order of `keys` then id. */
  page(p: SqlParams, keys: SortKey[], cursor: Cursor | undefined, limit: number): string;
}

/**
 * The search's SQL. With a driver (drive.ts), candidates come from its index rows and the other
 * filters and the access scope are checked on them by id; in the default order the page's ids are
 * chosen among the candidates before any `resource` row is read (index rows exist only for current,
 * undeleted versions: write.ts). Without one, `resource` is walked in the page's order.
 */
export function searchStatements(
  q: SearchQuery,
  options: SearchOptions,
  ordered?: CarePatients,
): SearchStatements {
  const type = q.resourceType;
  const filters = mergeDateBounds(q.filters);
  const chosen = chooseDriver(type, filters, careListOnly(options.scope, type));
  const driver = chosen?.from === 'careList' && ordered ? { ...chosen, carePatients: ordered } : chosen;
  const driverFilter = driver?.from === 'filter' ? driver.filter : undefined;
  const matchScope = scopeOfMatches(options.scope, type, filters, options.baseUrl);
  const context = (p: SqlParams, lookups: boolean): CompileContext => ({
    params: p,
    baseUrl: options.baseUrl,
    scope: options.scope,
    lookups,
  });
  /** Every filter but the driver, and the scope, over a row aliased `alias` with its type and id. */
  const checks = (p: SqlParams, alias: string, lookups: boolean): string[] => {
    const ctx = context(p, lookups);
    const parts = filters
      .filter((f) => f !== driverFilter)
      .map((f) => compileFilter(f, type, `${alias}.id`, ctx));
    // candidates from the care list are in scope by construction; so are the matches of a search
    // pinned to listed patients, but for the types the scope allows (pinned.ts)
    const scoped = driver?.from === 'careList' ? undefined : scopeCondition(matchScope, alias, p);
    if (scoped) parts.push(scoped);
    return parts;
  };
  const resourceWhere = (p: SqlParams): string[] => [
    `r.resource_type = ${p.add(type, 'text')}`,
    'NOT r.deleted',
    ...checks(p, 'r', !!driver),
  ];

  if (!driver) {
    return {
      count: (p) => `SELECT count(*) AS n FROM resource r WHERE ${resourceWhere(p).join(' AND ')}`,
      page: (p, keys, cursor, limit) => {
        const conditions = resourceWhere(p);
        if (cursor) conditions.push(afterCursor(keys, cursor, p));
        return pageSql(conditions, keys, limit);
      },
    };
  }
  return {
    count: (p) =>
      `WITH ${candidateSet(driver, type, context(p, true))} SELECT count(*) AS n FROM m WHERE ${['true', ...checks(p, 'm', true)].join(' AND ')}`,
    page: (p, keys, cursor, limit) => {
      if (keys.length === 0) {
        const after = cursor ? p.add(cursor.id, 'text') : undefined;
        const ids = pageIds(driver, type, context(p, true), (alias) => checks(p, alias, true), after, limit);
        // joined, not `r.id = ANY(ARRAY(…))`: the page's ids come in id order and each finds its row
        // by the primary key, with no array to build, sort and probe (half of PostgreSQL's CPU for a
        // CNIE search: docs/performance.md, *A page joined by its ids*)
        return `SELECT r.id, r.content::text AS content, ${PATIENTS_COLUMN} FROM (${ids}) page
          JOIN resource r ON r.resource_type = ${typeLiteral(type)} AND r.id = page.id WHERE NOT r.deleted ORDER BY r.id`;
      }
      // another order: every candidate's keys are needed before the first row of the page is known
      const conditions = [
        `r.id = ANY(ARRAY(WITH ${candidateSet(driver, type, context(p, true))} SELECT m.id FROM m))`,
        ...resourceWhere(p),
      ];
      if (cursor) conditions.push(afterCursor(keys, cursor, p));
      return pageSql(conditions, keys, limit);
    },
  };
}

/**
 * A page over `resource r`. In another order than the id's, every match's keys are computed and
 * sorted first; only the page's rows are then read whole (no match's content goes through the sort).
 */
function pageSql(conditions: string[], keys: SortKey[], limit: number): string {
  const where = conditions.join(' AND ');
  if (keys.length === 0) {
    return `SELECT r.id, r.content::text AS content, ${PATIENTS_COLUMN} FROM resource r WHERE ${where} ORDER BY r.id LIMIT ${limit}`;
  }
  const order = (key: (i: number) => string, id: string): string =>
    [...keys.map((k, i) => `${key(i)} ${k.descending ? 'DESC' : 'ASC'}`), `${id} ASC`].join(', ');
  const values = keys.map((k, i) => `, ${k.expr} AS v${i}`).join('');
  const texts = keys.map((_, i) => `, p.v${i}::text AS k${i}`).join('');
  return `SELECT r.id, r.content::text AS content, ${PATIENTS_COLUMN}${texts}
    FROM (SELECT r.resource_type, r.id${values} FROM resource r WHERE ${where} ORDER BY ${order((i) => `v${i}`, 'r.id')} LIMIT ${limit}) p
    JOIN resource r ON r.resource_type = p.resource_type AND r.id = p.id
    ORDER BY ${order((i) => `p.v${i}`, 'p.id')}`;
}

async function resolveIncludes(
  db: SqlExecutor,
  q: SearchQuery,
  parsedMatches: () => Resource[],
  options: SearchOptions,
  warnings: string[],
  patients: Set<string>,
): Promise<Resource[]> {
  if (q.include.length === 0 && q.revinclude.length === 0) return [];
  // the matches are parsed only when there are references to follow from them
  const matches = parsedMatches();
  if (matches.length === 0) return [];
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: Resource[] = [];
  let frontier = matches;
  for (let round = 0; round <= MAX_ITERATIONS && frontier.length > 0; round++) {
    const added: Resource[] = [];
    const specs = (list: IncludeSpec[]): IncludeSpec[] => list.filter((s) => round === 0 || s.iterate);
    for (const spec of specs(q.include))
      added.push(...(await include(db, spec, frontier, options, false, patients)));
    for (const spec of specs(q.revinclude))
      added.push(...(await include(db, spec, frontier, options, true, patients)));
    frontier = [];
    for (const r of added) {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) continue;
      if (included.length >= MAX_INCLUDED) {
        warnings.push(`Included resources were limited to ${MAX_INCLUDED}`);
        return included;
      }
      seen.add(key);
      included.push(r);
      frontier.push(r);
    }
  }
  return included;
}

async function include(
  db: SqlExecutor,
  spec: IncludeSpec,
  from: Resource[],
  options: SearchOptions,
  reverse: boolean,
  patients: Set<string>,
): Promise<Resource[]> {
  const p = new SqlParams();
  let sql: string;
  if (reverse) {
    const targets = from.filter((r) => !spec.targetType || r.resourceType === spec.targetType);
    if (targets.length === 0) return [];
    const ids = targets.map((r) => r.id as string);
    const refs = targets.map((r) => `${r.resourceType}/${r.id}`);
    const scope = scopeCondition(options.scope, 'r', p);
    sql = `SELECT DISTINCT r.content::text AS content, ${PATIENTS_COLUMN} FROM sp_reference s JOIN resource r ON r.resource_type = s.resource_type AND r.id = s.id
      WHERE s.resource_type = ${p.add(spec.sourceType, 'text')} AND ${rowCode('s', spec.sourceType, spec.code, p)}
      AND s.target_id = ANY(${p.add(ids, 'text[]')}) AND (s.target_type || '/' || s.target_id) = ANY(${p.add(refs, 'text[]')})
      AND NOT r.deleted${scope ? ` AND ${scope}` : ''}`;
  } else {
    const ids = from.filter((r) => r.resourceType === spec.sourceType).map((r) => r.id as string);
    if (ids.length === 0) return [];
    const target = spec.targetType ? ` AND s.target_type = ${p.add(spec.targetType, 'text')}` : '';
    const scope = scopeCondition(options.scope, 'r', p);
    sql = `SELECT DISTINCT r.content::text AS content, ${PATIENTS_COLUMN} FROM sp_reference s JOIN resource r ON r.resource_type = s.target_type AND r.id = s.target_id
      WHERE s.resource_type = ${p.add(spec.sourceType, 'text')} AND ${rowCode('s', spec.sourceType, spec.code, p)}
      AND s.id = ANY(${p.add(ids, 'text[]')})${target} AND NOT r.deleted${scope ? ` AND ${scope}` : ''}`;
  }
  const result = await db.query<{ content: string; patients: string[] }>(sql, p.values);
  for (const row of result.rows) for (const patient of row.patients) patients.add(patient);
  return result.rows.map((row) => JSON.parse(row.content) as Resource);
}
