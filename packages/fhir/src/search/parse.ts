/**
 * FHIR search query → SearchQuery: pure, strict about values (a malformed date or number is a 400,
 * never a database error), tolerant of unknown parameters unless the client asks for strictness.
 */
import type { SearchParameter } from '@medplum/fhirtypes';
import { isFhirDate } from '../dates.ts';
import { isResourceType, searchParametersOf } from '../definitions.ts';
import { badRequest } from '../outcome.ts';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

export type QueryParams = [string, string][];

export interface ParamFilter {
  kind: 'param';
  code: string;
  type: string;
  param?: SearchParameter;
  modifier?: string;
  values: string[];
  /** Several single-value bounds of one date parameter, all to hold on the same value. */
  bounds?: string[];
}

export interface ChainFilter {
  kind: 'chain';
  code: string;
  targetTypes: string[];
  inner: Map<string, Filter>;
}

export interface HasFilter {
  kind: 'has';
  sourceType: string;
  referenceCode: string;
  inner: Filter;
}

export type Filter = ParamFilter | ChainFilter | HasFilter;

export interface IncludeSpec {
  sourceType: string;
  code: string;
  targetType?: string;
  iterate: boolean;
}

export interface SortRule {
  code: string;
  type: string;
  descending: boolean;
}

export interface SearchQuery {
  resourceType: string;
  filters: Filter[];
  sort: SortRule[];
  count: number;
  cursor?: string;
  total?: 'none' | 'estimate' | 'accurate';
  summary?: 'true' | 'false' | 'text' | 'data' | 'count';
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  warnings: string[];
}

const MODIFIERS: Record<string, string[]> = {
  string: ['exact', 'contains', 'missing'],
  token: ['not', 'text', 'missing'],
  reference: ['identifier', 'missing'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['below', 'above', 'missing'],
  composite: ['missing'],
  special: [],
};
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const RESULT_PARAMETERS = new Set([
  '_count',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
]);
const IGNORED_PARAMETERS = new Set(['_format', '_pretty', '_cursor']);

/** Splits on unescaped commas and removes the `\` escapes (FHIR search escaping). */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) current += value[++i];
    else if (c === ',') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

export function splitPrefix(value: string): { prefix: string; rest: string } {
  const head = value.slice(0, 2);
  if (PREFIXES.includes(head) && /^[-\d]/.test(value.slice(2))) return { prefix: head, rest: value.slice(2) };
  return { prefix: 'eq', rest: value };
}

export function parseSearch(resourceType: string, query: QueryParams, strict = false): SearchQuery {
  const q: SearchQuery = {
    resourceType,
    filters: [],
    sort: [],
    count: DEFAULT_COUNT,
    include: [],
    revinclude: [],
    warnings: [],
  };
  for (const [key, value] of query) {
    if (!isStorableText(key) || !isStorableText(value))
      badRequest(`The parameter "${key.slice(0, 60)}" holds a NUL or malformed character`);
    if (key === '_cursor') q.cursor = value;
    else if (RESULT_PARAMETERS.has(key.split(':')[0])) parseResultParameter(q, key, value);
    else if (IGNORED_PARAMETERS.has(key)) continue;
    else {
      const filter = parseFilter(resourceType, key, value);
      if (filter) q.filters.push(filter);
      else if (strict) badRequest(`Unknown search parameter "${key}" for ${resourceType}`, [key]);
      else q.warnings.push(`Unknown search parameter "${key}" for ${resourceType} was ignored`);
    }
  }
  return q;
}

function parseResultParameter(q: SearchQuery, key: string, value: string): void {
  const [name, modifier] = key.split(':');
  switch (name) {
    case '_count': {
      if (!/^\d{1,9}$/.test(value)) badRequest(`_count must be a whole number, not "${value}"`, ['_count']);
      q.count = Number(value);
      if (q.count > MAX_COUNT) {
        q.warnings.push(`_count=${value} was reduced to the maximum page size, ${MAX_COUNT}`);
        q.count = MAX_COUNT;
      }
      return;
    }
    case '_total':
      if (!['none', 'estimate', 'accurate'].includes(value))
        badRequest(`_total must be none, estimate or accurate`);
      q.total = value as SearchQuery['total'];
      return;
    case '_summary':
      if (!['true', 'false', 'text', 'data', 'count'].includes(value))
        badRequest(`Unsupported _summary=${value}`);
      q.summary = value as SearchQuery['summary'];
      return;
    case '_elements':
      q.elements = value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      return;
    case '_sort':
      for (const part of value.split(',').filter(Boolean)) q.sort.push(parseSort(q.resourceType, part));
      return;
    case '_include':
    case '_revinclude': {
      if (modifier && modifier !== 'iterate' && modifier !== 'recurse')
        badRequest(`Unsupported modifier ${key}`);
      const spec = parseInclude(value, modifier !== undefined);
      (name === '_include' ? q.include : q.revinclude).push(spec);
      return;
    }
  }
}

function parseSort(resourceType: string, part: string): SortRule {
  const descending = part.startsWith('-');
  const code = descending ? part.slice(1) : part;
  if (code === '_id') return { code, type: 'token', descending };
  if (code === '_lastUpdated') return { code, type: 'date', descending };
  const param = searchParametersOf(resourceType).get(code);
  if (!param || param.type === 'composite' || param.type === 'special') {
    badRequest(`Cannot sort ${resourceType} by "${code}"`, ['_sort']);
  }
  return { code, type: param!.type as string, descending };
}

function parseInclude(value: string, iterate: boolean): IncludeSpec {
  const [sourceType, code, targetType, extra] = value.split(':');
  if (!sourceType || !code || extra !== undefined || !isResourceType(sourceType)) {
    badRequest(`Invalid include "${value}": expected ResourceType:search-parameter[:TargetType]`);
  }
  if (code === '*') badRequest('_include with "*" is not supported; name the reference parameter');
  const param = searchParametersOf(sourceType).get(code);
  if (param?.type !== 'reference') badRequest(`"${code}" is not a reference parameter of ${sourceType}`);
  if (targetType && !isResourceType(targetType))
    badRequest(`Unknown resource type "${targetType}" in include`);
  return { sourceType, code, targetType, iterate };
}

/** Returns undefined for a parameter this resource type does not have. */
export function parseFilter(resourceType: string, key: string, value: string, depth = 0): Filter | undefined {
  if (key.startsWith('_has:')) return parseHas(resourceType, key, value, depth);
  const dot = key.indexOf('.');
  if (dot > 0) return parseChain(resourceType, key.slice(0, dot), key.slice(dot + 1), value, depth);
  const [code, modifier, ...rest] = key.split(':');
  if (rest.length > 0) badRequest(`Invalid search parameter "${key}"`);
  const param = searchParametersOf(resourceType).get(code);
  const type =
    code === '_id' ? 'token' : code === '_lastUpdated' ? 'date' : (param?.type as string | undefined);
  if (!type) return undefined;
  if (
    modifier &&
    !MODIFIERS[type]?.includes(modifier) &&
    !(type === 'reference' && isResourceType(modifier))
  ) {
    badRequest(`Modifier :${modifier} is not supported for ${type} parameter "${code}"`, [key]);
  }
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') badRequest(`:missing takes true or false`, [key]);
    return { kind: 'param', code, type, param, modifier, values: [value] };
  }
  const values = splitValues(value);
  for (const v of values) checkValue(type, code, v, key);
  return { kind: 'param', code, type, param, modifier, values };
}

/** Text PostgreSQL can store: no NUL, no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

function checkValue(type: string, code: string, value: string, key: string): void {
  if (value.length > 2048) badRequest(`The value of "${key}" is too long`, [key]);
  if (!isStorableText(value)) badRequest(`The value of "${key}" holds a NUL or malformed character`, [key]);
  if (type === 'date') {
    const { rest } = splitPrefix(value);
    if (!isFhirDate(rest))
      badRequest(`"${value}" is not a valid date for "${code}" (use e.g. ge2024-01-15)`, [key]);
  } else if (type === 'number' || type === 'quantity') {
    const { prefix, rest } = splitPrefix(value);
    if (type === 'number' && (prefix === 'sa' || prefix === 'eb'))
      badRequest(`Prefix ${prefix} is not for numbers`);
    const number = rest.split('|')[0];
    if (!NUMBER.test(number)) badRequest(`"${value}" is not a valid number for "${code}"`, [key]);
    // PostgreSQL numerics hold ±1e131071, but no clinical value comes near: refuse nonsense early
    if (!Number.isFinite(Number(number)) || Math.abs(Number(number.split(/[eE]/)[1] ?? 0)) > 300)
      badRequest(`"${value}" is out of range for "${code}"`, [key]);
  } else if (value === '' && type !== 'string') {
    badRequest(`Empty value for "${key}"`, [key]);
  }
}

function parseChain(resourceType: string, head: string, tail: string, value: string, depth: number): Filter {
  if (depth > 0 || tail.includes('.')) badRequest('Only one level of chaining is supported');
  const [code, typeModifier] = head.split(':');
  const param = searchParametersOf(resourceType).get(code);
  if (param?.type !== 'reference') badRequest(`"${code}" is not a reference parameter of ${resourceType}`);
  const targets = typeModifier ? [typeModifier] : ((param!.target ?? []) as string[]);
  const inner = new Map<string, Filter>();
  for (const target of targets) {
    if (!isResourceType(target)) badRequest(`Unknown resource type "${target}"`);
    const filter = parseFilter(target, tail, value, depth + 1);
    if (filter) inner.set(target, filter);
  }
  if (inner.size === 0) badRequest(`No target of "${code}" has a search parameter "${tail.split(':')[0]}"`);
  return { kind: 'chain', code, targetTypes: [...inner.keys()], inner };
}

function parseHas(resourceType: string, key: string, value: string, depth: number): Filter {
  if (depth > 2) badRequest('_has may be nested at most three deep');
  const [, sourceType, referenceCode, ...rest] = key.split(':');
  const innerKey = rest.join(':');
  if (!sourceType || !referenceCode || !innerKey || !isResourceType(sourceType)) {
    badRequest(`Invalid _has parameter "${key}": expected _has:Type:reference:parameter`);
  }
  const reference = searchParametersOf(sourceType).get(referenceCode);
  if (reference?.type !== 'reference')
    badRequest(`"${referenceCode}" is not a reference parameter of ${sourceType}`);
  if (reference!.target && !reference!.target.includes(resourceType as never)) {
    badRequest(`${sourceType}.${referenceCode} never points to ${resourceType}`);
  }
  const inner = parseFilter(sourceType, innerKey, value, depth + 1);
  if (!inner) badRequest(`Unknown search parameter "${innerKey}" for ${sourceType}`);
  return { kind: 'has', sourceType, referenceCode, inner: inner! };
}
