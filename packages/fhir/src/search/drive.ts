/**
 * Which filter a search starts from, and the rows it starts with. A search is answered from the
 * index rows of its most selective filter — chosen here by the kind of filter, never by planner
 * statistics, so the plan is the same on a fresh database, a stale one and a national one — and
 * every other filter is checked by id on those candidates only. Reading a value index gives the
 * candidates without touching `resource`; the page then reads its n rows by primary key. Without
 * such a filter (none, or only `:missing`, `:not`, `_id`, chains…) a search walks `resource` in id
 * order as before.
 */
import { badRequest } from '../outcome.ts';
import { indexedCodes, rowCode } from '../overlap.ts';
import { ID_PATTERN, parseReferenceString } from '../references.ts';
import { listTest, patientListTest } from '../scope.ts';
import type { CarePatients } from './care-patients.ts';
import { type CompileContext, paramRow, TABLE } from './compile.ts';
import { DATE_WIDTH_CLASS_HOURS, DATE_WIDTH_CLASSES, dateParts } from './conditions.ts';
import type { Filter, ParamFilter } from './parse.ts';
import { splitPrefix } from './parse.ts';
import { typeLiteral } from './sql-params.ts';

/** A search starts from the index rows of one of its filters, or from a care-giver's care list. */
export type Driver = FilterDriver | CareListDriver;

export interface FilterDriver {
  from: 'filter';
  filter: ParamFilter;
  /**
   * How the first page is read. `ordered`: the value index yields the filter's rows in id order
   * (every column before the id is fixed by the filter), so reading stops after n matches.
   * `byValue`: a name prefix; each distinct value under the prefix is such an ordered run, so the
   * page merges the first n of each (few distinct names, however many people bear them). `set`:
   * every row of the filter is read, then sorted by id.
   */
  access: 'ordered' | 'byValue' | 'set';
}

/**
 * A care-giver whose scope lets them read the type only in their patients' compartments
 * (scope.ts `careListOnly`): the candidates are those patients' compartment rows of the type, every
 * one in scope, so the scope needs no check. What is read grows with the care list, not with the
 * nation: without it, a list of 200 patients among 100,000 walks 500 rows per match.
 */
export interface CareListDriver {
  from: 'careList';
  patients: readonly string[];
  access: 'set';
  /** A list of Patients: its candidates in order, when found already (care-patients.ts). */
  carePatients?: CarePatients;
}

/**
 * Lower is more selective: a reference to one resource and an identifier find a handful of rows; a
 * code or an exact value a share of one type; a bounded date interval a slice of time; a prefix a
 * share of the names; an open interval, `:contains` or `:text` may find most rows.
 */
function rank(f: ParamFilter, ordered: boolean): number {
  const single = f.bounds !== undefined || f.values.length === 1;
  let r: number;
  switch (f.type) {
    case 'reference':
      r = ordered ? 0 : 1;
      break;
    case 'token':
      r = !ordered ? 4 : f.code === 'identifier' ? 0 : 1;
      break;
    case 'uri':
    case 'composite':
      r = ordered ? 1 : 4;
      break;
    case 'string':
      r = f.modifier === 'exact' ? 1 : f.modifier === 'contains' ? 5 : 3;
      break;
    case 'date':
      r = boundedDate(f) ? 2 : 5;
      break;
    default:
      r = 3; // number, quantity
  }
  return single ? r : r + 1;
}

/** An interval closed on both sides: `eq`, `ap`, or a lower and an upper bound together. */
function boundedDate(f: ParamFilter): boolean {
  const prefixes = (f.bounds ?? f.values).map((v) => splitPrefix(v).prefix);
  if (prefixes.every((p) => p === 'eq' || p === 'ap')) return true;
  const lower = prefixes.some((p) => p === 'ge' || p === 'gt' || p === 'sa');
  const upper = prefixes.some((p) => p === 'le' || p === 'lt' || p === 'eb');
  return f.bounds !== undefined && lower && upper;
}

/** Whether the value index, after the columns the filter fixes, is in id order (see schema.ts v4). */
function isOrdered(f: ParamFilter): boolean {
  if (f.values.length !== 1 || f.bounds) return false;
  const value = f.values[0];
  switch (f.type) {
    case 'token': {
      // (resource_type, code, value, id): a code, with or without its system
      if (f.modifier) return false;
      const bar = value.indexOf('|');
      return bar < 0 ? value !== '' : value.slice(bar + 1) !== '';
    }
    case 'reference': {
      // (target_id, target_type, code, resource_type, id): one target of a known type
      if (f.modifier === 'identifier') return false;
      const parsed = parseReferenceString(value);
      return (!!parsed.type && !!parsed.id && !parsed.url) || (!!f.modifier && ID_PATTERN.test(value));
    }
    case 'uri':
      return !f.modifier;
    case 'composite': {
      // (resource_type, code, c1_value, id): the first component's code
      const first = value.split('$')[0];
      return first.slice(first.indexOf('|') + 1) !== '';
    }
    case 'string':
      return f.modifier === 'exact' && f.code !== 'phonetic';
    default:
      return false;
  }
}

function canDrive(f: Filter): f is ParamFilter {
  if (f.kind !== 'param' || !TABLE[f.type]) return false;
  if (f.code === '_id' || f.code === '_lastUpdated' || f.code === 'phonetic') return false;
  if (f.modifier === 'missing' || f.modifier === 'not') return false;
  // an identifier of the target also matches through the target's own identifiers (compile.ts)
  if (f.type === 'reference' && f.modifier === 'identifier') return false;
  return true;
}

/**
 * Where to start: the most selective filter, or the care list when the scope is one and no filter
 * finds a single resource's rows (a reference to one resource, an identifier) — a code, a name
 * prefix or a date range may match much of the nation, a care list a few hundred patients' records.
 * Undefined when neither can (then `resource` is walked).
 */
export function chooseDriver(
  type: string,
  filters: Filter[],
  careList?: readonly string[],
): Driver | undefined {
  // a list of ids is already the best start: the primary key
  if (filters.some((f) => f.kind === 'param' && f.code === '_id' && !f.modifier)) return undefined;
  let best: { driver: FilterDriver; rank: number } | undefined;
  for (const f of filters) {
    if (!canDrive(f)) continue;
    // a parameter read under several codes (overlap.ts) is several index ranges: not in id order
    const ordered = isOrdered(f) && indexedCodes(type, f.code).length === 1;
    const r = rank(f, ordered);
    const byValue =
      f.type === 'string' && !f.modifier && f.code !== 'phonetic' && f.values.length === 1 && !f.bounds;
    const access = ordered ? 'ordered' : byValue ? 'byValue' : 'set';
    if (!best || r < best.rank) best = { driver: { from: 'filter', filter: f, access }, rank: r };
  }
  if (careList && (!best || best.rank > 0)) return { from: 'careList', patients: careList, access: 'set' };
  return best?.driver;
}

/** Checks of the other filters and the scope on a candidate row aliased `alias` (with its type and id). */
export type Checks = (alias: string) => string[];

const and = (parts: string[]): string => parts.map((part) => ` AND ${part}`).join('');

/**
 * The ids of the page, in id order: the first `limit` candidates after `after` (a placeholder)
 * that pass the checks.
 */
export function pageIds(
  driver: Driver,
  type: string,
  ctx: CompileContext,
  checks: Checks,
  after: string | undefined,
  limit: number,
): string {
  const cursor = after ? ` AND d.id > ${after}` : '';
  if (driver.from === 'careList') {
    if (type === 'Patient') return carePatientsPage(driver, ctx, checks, after, limit);
    // a resource in two listed patients' compartments is one candidate
    return `SELECT DISTINCT d.id FROM compartment d WHERE ${careListRow(driver, type, 'd', ctx)}${cursor}${and(checks('d'))}
      ORDER BY d.id LIMIT ${limit}`;
  }
  if (driver.access === 'ordered') {
    return `SELECT d.id FROM ${TABLE[driver.filter.type]} d WHERE ${paramRow(driver.filter, type, 'd', ctx)}${cursor}${and(checks('d'))}
      GROUP BY d.id ORDER BY d.id LIMIT ${limit}`;
  }
  if (driver.access === 'byValue') {
    const p = ctx.params;
    const codes = indexedCodes(type, driver.filter.code);
    if (codes.length === 1)
      return valuesScan(driver.filter, type, p.add(codes[0], 'text'), ctx, checks, cursor, limit);
    // the index is in value order within one code: a parameter read under several (overlap.ts —
    // `address` under its own, `address-city`…) is scanned code by code
    return `SELECT u.id FROM unnest(${p.add(codes, 'text[]')}) AS k(code)
      CROSS JOIN LATERAL (${valuesScan(driver.filter, type, 'k.code', ctx, checks, cursor, limit)}) u
      GROUP BY u.id ORDER BY u.id LIMIT ${limit}`;
  }
  return `WITH ${candidateSet(driver, type, ctx, after)} SELECT m.id FROM m WHERE true${and(checks('m'))} ORDER BY m.id LIMIT ${limit}`;
}

/**
 * A string filter's candidates under one code (SQL: a placeholder or an enclosing query's column),
 * in id order: the distinct values under the prefix, one index descent each (a loose index scan),
 * then per value its first `limit` ids that pass — the page's ids are among them.
 */
function valuesScan(
  f: ParamFilter,
  type: string,
  code: string,
  ctx: CompileContext,
  checks: Checks,
  cursor: string,
  limit: number,
): string {
  const p = ctx.params;
  const row = paramRow(f, type, 'd', ctx, code);
  return `WITH RECURSIVE v(value) AS (
        (SELECT d.value FROM sp_string d WHERE ${row} ORDER BY d.value USING ~<~ LIMIT 1)
        UNION ALL
        SELECT (SELECT d.value FROM sp_string d WHERE ${row} AND d.value ~>~ v.value ORDER BY d.value USING ~<~ LIMIT 1)
          FROM v WHERE v.value IS NOT NULL)
      SELECT c.id FROM v CROSS JOIN LATERAL (SELECT DISTINCT d.id FROM sp_string d
        WHERE d.resource_type = ${p.add(type, 'text')} AND d.code = ${code} AND d.value = v.value${cursor}${and(checks('d'))}
        ORDER BY d.id LIMIT ${limit}) c
      GROUP BY c.id ORDER BY c.id LIMIT ${limit}`;
}

/** A candidate `c.id` confirmed as a Patient in the compartment (index compartment_resource). */
const PATIENT_PROBE = `SELECT k.resource_type, k.id FROM compartment k WHERE k.resource_type = 'Patient' AND k.id = c.id`;

/**
 * A care-giver's Patients, in id order. A listed patient is in their own compartment, and the only
 * other Patients in listed compartments are those whose `link` names a listed patient — few, found
 * by the partial index compartment_linked_patient (schema version 13). So every candidate is known
 * before any row is read: they are sorted, then confirmed one after the other by a probe of their
 * compartment rows (compartment_resource) and checked, until the page is full — about `limit`
 * probes whatever the list's length, where reading the listed compartments' Patient rows descended
 * the index once per listed patient (200 descents for 200 in care: docs/performance.md, *A
 * care-giver's list of Patients starts from the list itself*). A probe asks only that the Patient
 * exists (a listed id may name a deleted one): every candidate is in a listed compartment by
 * construction, so its rows are not tested against the list again (that test walked the whole list
 * for each probe). The page is the first `limit` rows in the sorted array's order: unnest yields the
 * array in order and a nested loop keeps it, so no sort is needed above it, and with none the loop
 * stops at the page's last row (the page query orders the page again). A kept care list brings its
 * candidates sorted already (care-patients.ts): the statement then only probes them, a linked
 * Patient's rows checked against the list.
 */
function carePatientsPage(
  driver: CareListDriver,
  ctx: CompileContext,
  checks: Checks,
  after: string | undefined,
  limit: number,
): string {
  const known = driver.carePatients;
  if (known) {
    // found once per care list (care-patients.ts): read in order; a linked Patient is checked
    // again against the list, so that a link removed since counts at once
    const ids = ctx.params.add(known.ids, 'text[]');
    const cursor = after ? ` AND c.id > ${after}` : '';
    if (!known.linked)
      return `SELECT d.id FROM unnest(${ids}) c(id) CROSS JOIN LATERAL (${PATIENT_PROBE} LIMIT 1) d
    WHERE true${cursor}${and(checks('d'))} LIMIT ${limit}`;
    const linked = ctx.params.add(known.linked, 'boolean[]');
    const inList = listTest(ctx.params.add(driver.patients, 'text[]'), driver.patients.length);
    return `SELECT d.id FROM unnest(${ids}, ${linked}) c(id, linked)
    CROSS JOIN LATERAL (${PATIENT_PROBE} AND (NOT c.linked OR k.patient_id = ${inList}) LIMIT 1) d
    WHERE true${cursor}${and(checks('d'))} LIMIT ${limit}`;
  }
  const listed = ctx.params.add(driver.patients, 'text[]');
  const inList = listTest(listed, driver.patients.length);
  return `SELECT d.id FROM unnest(ARRAY(SELECT DISTINCT u.id FROM (
        SELECT unnest(${listed}) AS id
        UNION ALL
        SELECT l.id FROM compartment l
          WHERE l.patient_id = ${inList} AND l.resource_type = 'Patient' AND l.id <> l.patient_id) u${after ? ` WHERE u.id > ${after}` : ''}
      ORDER BY u.id)) c(id)
    CROSS JOIN LATERAL (${PATIENT_PROBE} LIMIT 1) d
    WHERE true${and(checks('d'))}
    LIMIT ${limit}`;
}

/**
 * Every candidate once, as a CTE `m(resource_type, id)` computed before anything is checked on it
 * (for a count, or for an order other than the id's).
 */
export function candidateSet(driver: Driver, type: string, ctx: CompileContext, after?: string): string {
  return `m AS MATERIALIZED (SELECT DISTINCT c.resource_type, c.id FROM (${driverRows(driver, type, ctx)}) c${after ? ` WHERE c.id > ${after}` : ''})`;
}

/**
 * SQL yielding the driver's rows as `(resource_type, id)`, possibly with repeats (a resource with
 * two matching values). A date filter reads one index range per width class: within a class a row
 * can only end after X if it starts after X minus the class's width.
 */
function driverRows(driver: Driver, type: string, ctx: CompileContext): string {
  if (driver.from === 'careList')
    return `SELECT d.resource_type, d.id FROM compartment d WHERE ${careListRow(driver, type, 'd', ctx)}`;
  const f = driver.filter;
  const table = TABLE[f.type];
  if (!table) return badRequest(`Search parameter "${f.code}" of type ${f.type} is not supported`);
  if (f.type !== 'date')
    return `SELECT d.resource_type, d.id FROM ${table} d WHERE ${paramRow(f, type, 'd', ctx)}`;
  const p = ctx.params;
  const col = (name: string): string => `d.${name}`;
  const values = f.bounds ?? f.values;
  const parts = values.map((v) => dateParts(col, p, v));
  const joined = f.bounds ? parts.map((x) => x.sql).join(' AND ') : parts.map((x) => x.sql).join(' OR ');
  // with alternatives (OR), a floor belongs to one of them only: no bound then
  const floors =
    f.bounds || parts.length === 1 ? parts.flatMap((x) => (x.highAbove ? [x.highAbove] : [])) : [];
  const rowScope = `d.resource_type = ${p.add(type, 'text')} AND ${rowCode('d', type, f.code, p)}`;
  const arms: string[] = [];
  for (let c = 0; c < DATE_WIDTH_CLASSES; c++) {
    const hours = DATE_WIDTH_CLASS_HOURS[c];
    const bounded =
      hours === undefined ? '' : floors.map((x) => ` AND d.low > ${x} - interval '${hours} hours'`).join('');
    arms.push(
      `SELECT d.resource_type, d.id FROM sp_date d WHERE ${rowScope} AND d.width_class = ${c}${bounded} AND (${joined})`,
    );
  }
  return arms.join(' UNION ALL ');
}

/** The care list's compartment rows of the type (index compartment_patient). */
function careListRow(driver: CareListDriver, type: string, a: string, ctx: CompileContext): string {
  const p = ctx.params;
  return `${a}.patient_id = ${patientListTest(driver.patients, p)} AND ${a}.resource_type = ${typeLiteral(type)}`;
}
