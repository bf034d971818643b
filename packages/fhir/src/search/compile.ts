/**
 * SearchQuery filters → SQL conditions over a candidate id. Each parameter is a condition on one row
 * of its index table (so values of one parameter must match on one row): as a check, an EXISTS
 * looked up by the candidate's id; as the filter a search starts from (drive.ts), the rows
 * themselves. Chains and `_has` nest the same compiler one level down.
 */
import { searchParameterByUrl } from '../definitions.ts';
import { badRequest } from '../outcome.ts';
import { rowCode } from '../overlap.ts';
import { phoneticKey } from '../phonetic.ts';
import { type AccessScope, scopeCondition } from '../scope.ts';
import {
  type Column,
  dateCondition,
  numberCondition,
  quantityCondition,
  referenceCondition,
  stringCondition,
  tokenCondition,
  uriCondition,
} from './conditions.ts';
import type { Filter, ParamFilter } from './parse.ts';
import type { SqlParams } from './sql-params.ts';

export interface CompileContext {
  params: SqlParams;
  /** Restricts chained targets and `_has` sources to what the caller may see. */
  scope?: AccessScope;
  /** This server's FHIR base URL: absolute references to it are read as local. */
  baseUrl: string;
  /**
   * Checks of a candidate found by another filter: each EXISTS stays a lookup by id (`OFFSET 0`
   * keeps the planner from turning it into a join that reads every row of the parameter).
   */
  lookups?: boolean;
}

export const TABLE: Record<string, string> = {
  string: 'sp_string',
  token: 'sp_token',
  date: 'sp_date',
  number: 'sp_number',
  quantity: 'sp_quantity',
  reference: 'sp_reference',
  uri: 'sp_uri',
  composite: 'sp_composite',
};

const CONTACT_POINT_PARAMETERS = new Set(['email', 'phone', 'telecom']);

let aliasCounter = 0;
const nextAlias = (): string => `s${++aliasCounter % 1_000_000}`;

/**
 * `date=ge2024-01&date=lt2025-01`: two bounds of one date parameter, each a single value, are
 * matched on the same index row, so one index range scan finds them (two separate EXISTS made the
 * planner join everyone after the lower bound with everyone before the upper one). This reads the
 * pair as one interval, as clients mean it.
 */
export function mergeDateBounds(filters: Filter[]): Filter[] {
  const out: Filter[] = [];
  const byCode = new Map<string, ParamFilter>();
  for (const f of filters) {
    const single =
      f.kind === 'param' &&
      f.type === 'date' &&
      !f.modifier &&
      f.values.length === 1 &&
      f.code !== '_lastUpdated';
    if (!single) {
      out.push(f);
      continue;
    }
    const p = f as ParamFilter;
    const previous = byCode.get(p.code);
    if (previous) previous.bounds = [...(previous.bounds ?? previous.values), ...p.values];
    else {
      const copy: ParamFilter = { ...p };
      byCode.set(p.code, copy);
      out.push(copy);
    }
  }
  return out;
}

/** `type` is the resource type searched; `idExpr` the SQL expression of the candidate's id. */
export function compileFilter(filter: Filter, type: string, idExpr: string, ctx: CompileContext): string {
  switch (filter.kind) {
    case 'param':
      return compileParam(filter, type, idExpr, ctx);
    case 'chain': {
      const a = nextAlias();
      const branches = filter.targetTypes.map(
        (target) =>
          `(${a}.target_type = ${ctx.params.add(target, 'text')} AND ${compileFilter(filter.inner.get(target)!, target, `${a}.target_id`, ctx)}${visible(target, `${a}.target_id`, ctx)})`,
      );
      return `EXISTS (SELECT 1 FROM sp_reference ${a} WHERE ${a}.resource_type = ${ctx.params.add(type, 'text')} AND ${a}.id = ${idExpr} AND ${rowCode(a, type, filter.code, ctx.params)} AND (${branches.join(' OR ')}))`;
    }
    case 'has': {
      const a = nextAlias();
      return `EXISTS (SELECT 1 FROM sp_reference ${a} WHERE ${a}.target_id = ${idExpr} AND ${a}.target_type = ${ctx.params.add(type, 'text')} AND ${rowCode(a, filter.sourceType, filter.referenceCode, ctx.params)} AND ${a}.resource_type = ${ctx.params.add(filter.sourceType, 'text')} AND ${compileFilter(filter.inner, filter.sourceType, `${a}.id`, ctx)}${visible(filter.sourceType, `${a}.id`, ctx)})`;
    }
  }
}

/** A chained target or `_has` source counts only if the caller may see it. */
function visible(type: string, idExpr: string, ctx: CompileContext): string {
  if (!ctx.scope) return '';
  const v = nextAlias();
  const scoped = scopeCondition(ctx.scope, v, ctx.params);
  if (!scoped) return '';
  return ` AND EXISTS (SELECT 1 FROM resource ${v} WHERE ${v}.resource_type = ${ctx.params.add(type, 'text')} AND ${v}.id = ${idExpr} AND NOT ${v}.deleted AND ${scoped})`;
}

function compileParam(f: ParamFilter, type: string, idExpr: string, ctx: CompileContext): string {
  const p = ctx.params;
  if (f.code === '_id') {
    const ids = f.values;
    if (f.modifier === 'missing') return f.values[0] === 'true' ? 'false' : 'true';
    const cond = `${idExpr} = ANY(${p.add(ids, 'text[]')})`;
    return f.modifier === 'not' ? `NOT (${cond})` : cond;
  }
  if (f.code === '_lastUpdated') {
    if (f.modifier === 'missing') return f.values[0] === 'true' ? 'false' : 'true';
    if (idExpr === 'r.id') {
      return `(${f.values.map((v) => dateCondition(() => 'r.last_updated', p, v)).join(' OR ')})`;
    }
    const u = nextAlias();
    const conds = f.values.map((v) => dateCondition(() => `${u}.last_updated`, p, v)).join(' OR ');
    return `EXISTS (SELECT 1 FROM resource ${u} WHERE ${u}.resource_type = ${p.add(type, 'text')} AND ${u}.id = ${idExpr} AND (${conds}))`;
  }
  if (f.code === 'phonetic' && f.type === 'string' && !f.modifier)
    return phoneticCondition(f, type, idExpr, ctx);
  const table = TABLE[f.type];
  if (!table) return badRequest(`Search parameter "${f.code}" of type ${f.type} is not supported`);
  const a = nextAlias();
  const fence = ctx.lookups ? ' OFFSET 0' : '';
  const [scope, values] = paramRowParts(f, type, a, ctx);
  const exists =
    ctx.lookups && values !== undefined && RANGE_CHECKED.has(f.type)
      ? lookupRows(table, a, idExpr, ...rangeCheckParts(f, type, a, ctx, scope, values))
      : `EXISTS (SELECT 1 FROM ${table} ${a} WHERE ${a}.id = ${idExpr} AND ${scope}${values === undefined ? '' : ` AND ${values}`}${fence})`;
  if (f.modifier === 'missing') return f.values[0] === 'true' ? `NOT ${exists}` : exists;
  if (f.modifier === 'not') return `NOT ${exists}`;
  if (f.type === 'reference' && f.modifier === 'identifier') {
    return `(${exists} OR ${identifierOfTarget(f, type, idExpr, ctx)})`;
  }
  return exists;
}

/**
 * The condition one row of the parameter's index table (aliased `a`) must meet: its type and code,
 * and for a value filter one of the values (or all the bounds of a date interval). Without `:missing`
 * or `:not`, a resource matches exactly when it has such a row. `oneCode`: the rows of one of the
 * codes the parameter is read under (overlap.ts indexedCodes) instead of all of them — SQL: a
 * placeholder, or a column of the enclosing query.
 */
export function paramRow(
  f: ParamFilter,
  type: string,
  a: string,
  ctx: CompileContext,
  oneCode?: string,
): string {
  const [scope, values] = paramRowParts(f, type, a, ctx, oneCode);
  return values === undefined ? scope : `${scope} AND ${values}`;
}

/** `paramRow`'s two halves: the row's type and code, and (but for `:missing`) its values. */
function paramRowParts(
  f: ParamFilter,
  type: string,
  a: string,
  ctx: CompileContext,
  oneCode?: string,
): [string, string | undefined] {
  const p = ctx.params;
  const code = oneCode === undefined ? rowCode(a, type, f.code, p) : `${a}.code = ${oneCode}`;
  const scope = `${a}.resource_type = ${p.add(type, 'text')} AND ${code}`;
  if (f.modifier === 'missing') return [scope, undefined];
  const col: Column = (name) => `${a}.${name}`;
  // ContactPoint values are indexed in lower case (@medplum/core): search them the same way
  const values = CONTACT_POINT_PARAMETERS.has(f.code) ? f.values.map((v) => v.toLowerCase()) : f.values;
  const alternatives = f.bounds
    ? [f.bounds.map((v) => valueCondition(f, col, v, ctx, a)).join(' AND ')]
    : values.map((v) => valueCondition(f, col, v, ctx, a));
  return [scope, `(${alternatives.join(' OR ')})`];
}

/**
 * The parameter types whose values a check compares by range (a quantity, a number, a string
 * prefix, a date). Their value index holds the id (`(resource_type, code, value, id)`; a date's
 * `(resource_type, code, width_class, low) INCLUDE (high, id)`), and PostgreSQL checked a candidate
 * through it — every value in the range, filtered or skipped through for the id (PGlite: 14.7 s for
 * `Observation?code=…&value-quantity=gt118` at 20,000 patients, without statistics; 27 ms a
 * candidate, 33,365 date rows, for a year of one patient's Observations by `date`) — rather than
 * through the candidate's own rows. `lookupRows` reads those rows first.
 */
const RANGE_CHECKED = new Set(['quantity', 'number', 'string', 'date']);

/**
 * A range check's two halves for lookupRows: the candidate's rows it reads by id, and the test of
 * them after. A date names its type only among the rows and its code in the test: with the code
 * among them, PGlite without statistics still read the date's value index, `(resource_type, code,
 * width_class, low) INCLUDE (high, id)`, index-only, and filtered it for the id (46,738 rows a
 * candidate at 20,000 patients); a resource has few date rows. A string's code stays among the
 * rows: a Patient has eight string rows, most of them not the one checked.
 */
function rangeCheckParts(
  f: ParamFilter,
  type: string,
  a: string,
  ctx: CompileContext,
  scope: string,
  values: string,
): [rows: string, test: string] {
  return f.type === 'date'
    ? [`${a}.resource_type = ${ctx.params.add(type, 'text')}`, `${scope} AND ${values}`]
    : [scope, values];
}

/**
 * A check by id of a value compared by range: the candidate's `rows` read by its id (index
 * `sp_*_resource`) behind a fence, then `test`ed — the planner cannot push the comparison into the
 * value index.
 */
function lookupRows(table: string, a: string, idExpr: string, rows: string, test: string): string {
  return `EXISTS (SELECT 1 FROM (SELECT * FROM ${table} ${a} WHERE ${a}.id = ${idExpr} AND ${rows} OFFSET 0) ${a} WHERE ${test})`;
}

function valueCondition(
  f: ParamFilter,
  col: Column,
  value: string,
  ctx: CompileContext,
  alias: string,
): string {
  const p = ctx.params;
  switch (f.type) {
    case 'string':
      return stringCondition(col, p, value, f.modifier, f.code !== 'phonetic');
    case 'token':
      return tokenCondition(col, p, value, f.modifier === 'not' ? undefined : f.modifier);
    case 'date':
      return dateCondition(col, p, value);
    case 'number':
      return `(${numberCondition(col('low', 'numeric'), p, value)})`;
    case 'quantity':
      return quantityCondition(col, p, value);
    case 'uri':
      return uriCondition(col, p, value, f.modifier);
    case 'reference':
      return referenceCondition(col, p, value, f.modifier, ctx.baseUrl);
    case 'composite':
      return compositeCondition(f, value, alias, ctx);
    default:
      return badRequest(`Search parameter type ${f.type} is not supported`);
  }
}

/** `phonetic=Mohamed El Amrani`: every word's key must match a key of the resource's names. */
function phoneticCondition(f: ParamFilter, type: string, idExpr: string, ctx: CompileContext): string {
  const p = ctx.params;
  const alternatives = f.values.map((value) => {
    const keys = value
      .split(/[\s-]+/)
      .map(phoneticKey)
      .filter(Boolean);
    if (keys.length === 0) return 'false';
    return keys
      .map((key) => {
        const a = nextAlias();
        return `EXISTS (SELECT 1 FROM sp_string ${a} WHERE ${a}.resource_type = ${p.add(type, 'text')} AND ${a}.id = ${idExpr} AND ${a}.code = 'phonetic' AND ${a}.value = ${p.add(key, 'text')})`;
      })
      .join(' AND ');
  });
  return `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

/**
 * `subject:identifier=system|value` also finds resources whose literal reference points to a
 * resource carrying that identifier — what a client holding a CNIE number expects.
 */
function identifierOfTarget(f: ParamFilter, type: string, idExpr: string, ctx: CompileContext): string {
  const p = ctx.params;
  const r = nextAlias();
  const t = nextAlias();
  const ident = f.values.map((v) => tokenCondition((n) => `${t}.${n}`, p, v)).join(' OR ');
  return `EXISTS (SELECT 1 FROM sp_reference ${r} JOIN sp_token ${t} ON ${t}.resource_type = ${r}.target_type AND ${t}.id = ${r}.target_id AND ${t}.code = 'identifier' WHERE ${r}.resource_type = ${p.add(type, 'text')} AND ${r}.id = ${idExpr} AND ${rowCode(r, type, f.code, p)} AND (${ident}))`;
}

/** Composite values are `first$second`; the second part is matched inside its stored JSON row. */
function compositeCondition(f: ParamFilter, value: string, alias: string, ctx: CompileContext): string {
  const p = ctx.params;
  const dollar = value.indexOf('$');
  if (dollar < 0) return badRequest(`Composite parameter "${f.code}" takes "first$second", not "${value}"`);
  const first = tokenCondition(
    (n) => (n === 'value' ? `${alias}.c1_value` : `${alias}.c1_system`),
    p,
    value.slice(0, dollar),
  );
  const second = value.slice(dollar + 1);
  const col: Column = (name, cast) => `(${alias}.c2->>'${name}')::${cast}`;
  const secondType = compositeSecondType(f);
  let cond: string;
  switch (secondType) {
    case 'quantity':
      cond = quantityCondition(col, p, second);
      break;
    case 'date':
      cond = dateCondition(col, p, second);
      break;
    case 'string':
      cond = stringCondition(col, p, second);
      break;
    case 'number':
      cond = numberCondition(col('low', 'numeric'), p, second);
      break;
    case 'reference':
      cond = referenceCondition(col, p, second, undefined, ctx.baseUrl);
      break;
    default:
      cond = tokenCondition(col, p, second);
  }
  return `(${first} AND ${cond})`;
}

function compositeSecondType(f: ParamFilter): string {
  return (searchParameterByUrl(f.param?.component?.[1]?.definition)?.type as string | undefined) ?? 'token';
}
