/**
 * One search value → one SQL condition, per parameter type. Column names are passed in so the same
 * builders serve the index tables and the second part of composite parameters.
 */
import { parseRange } from '../dates.ts';
import { TEXT_SYSTEM } from '../index-rows.ts';
import { clip, escapeLike, normalizeText } from '../normalize.ts';
import { badRequest } from '../outcome.ts';
import { parseReferenceString } from '../references.ts';
import { splitPrefix } from './parse.ts';
import type { SqlParams } from './sql-params.ts';

export type Column = (name: string, cast: string) => string;

export function stringCondition(col: Column, p: SqlParams, value: string, modifier?: string): string {
  if (modifier === 'exact') return `${col('exact', 'text')} = ${p.add(clip(value), 'text')}`;
  const normalized = escapeLike(clip(normalizeText(value)));
  if (modifier === 'contains') return `${col('value', 'text')} LIKE ${p.add(`%${normalized}%`, 'text')}`;
  return `${col('value', 'text')} LIKE ${p.add(`${normalized}%`, 'text')}`;
}

export function tokenCondition(col: Column, p: SqlParams, value: string, modifier?: string): string {
  const system = col('system', 'text');
  const code = col('value', 'text');
  if (modifier === 'text') {
    const word = escapeLike(normalizeText(value));
    return `(${system} = '${TEXT_SYSTEM}' AND (${code} LIKE ${p.add(`${word}%`, 'text')} OR ${code} LIKE ${p.add(`% ${word}%`, 'text')}))`;
  }
  const bar = value.indexOf('|');
  if (bar < 0)
    return `(${code} = ${p.add(clip(value), 'text')} AND ${system} IS DISTINCT FROM '${TEXT_SYSTEM}')`;
  const s = clip(value.slice(0, bar));
  const c = clip(value.slice(bar + 1));
  if (s === '') return `(${system} IS NULL AND ${code} = ${p.add(c, 'text')})`;
  if (c === '') return `${system} = ${p.add(s, 'text')}`;
  return `(${system} = ${p.add(s, 'text')} AND ${code} = ${p.add(c, 'text')})`;
}

/** Date prefixes over half-open ranges: resource [low, high) against search [lo, hi). */
export function dateCondition(col: Column, p: SqlParams, value: string): string {
  const { prefix, rest } = splitPrefix(value);
  const range = parseRange(rest);
  if (!range) return badRequest(`Invalid date "${value}"`);
  const low = col('low', 'timestamptz');
  const high = col('high', 'timestamptz');
  // only the bounds a prefix uses become parameters: PostgreSQL refuses unreferenced ones
  const lo = (): string => p.add(range.low, 'timestamptz');
  const hi = (): string => p.add(range.high, 'timestamptz');
  switch (prefix) {
    case 'eq':
      return `(${low} >= ${lo()} AND ${high} <= ${hi()})`;
    case 'ne':
      return `NOT (${low} >= ${lo()} AND ${high} <= ${hi()})`;
    case 'gt':
      return `${high} > ${hi()}`;
    case 'lt':
      return `${low} < ${lo()}`;
    case 'ge':
      return `${high} > ${lo()}`;
    case 'le':
      return `${low} < ${hi()}`;
    case 'sa':
      return `${low} >= ${hi()}`;
    case 'eb':
      return `${high} <= ${lo()}`;
    default: {
      // ap: overlaps the search range widened by 10% of its distance from now (R4 guidance)
      if (!Number.isFinite(Date.parse(range.low)) || !Number.isFinite(Date.parse(range.high))) {
        return `(${low} < ${hi()} AND ${high} > ${lo()})`;
      }
      const width = Math.max(Math.abs(Date.now() - Date.parse(range.low)) * 0.1, 86_400_000);
      const aLo = p.add(new Date(Date.parse(range.low) - width).toISOString(), 'timestamptz');
      const aHi = p.add(new Date(Date.parse(range.high) + width).toISOString(), 'timestamptz');
      return `(${low} < ${aHi} AND ${high} > ${aLo})`;
    }
  }
}

/**
 * Numbers: `eq100` means [99.5, 100.5) — equality to the precision written. Bounds are computed by
 * PostgreSQL in exact decimal arithmetic (in floating point, 66.89999999999999 ± 5e-15 collapses).
 */
export function numberCondition(column: string, p: SqlParams, value: string): string {
  const { prefix, rest } = splitPrefix(value);
  const [mantissa, exponent] = rest.toLowerCase().split('e');
  const decimals = (mantissa.split('.')[1]?.length ?? 0) - Number(exponent ?? 0);
  const half = `5e${-decimals - 1}`;
  const v = (): string => p.add(rest, 'numeric');
  const range = (): string => {
    const n = v();
    const h = p.add(half, 'numeric');
    return `${column} >= ${n} - ${h} AND ${column} < ${n} + ${h}`;
  };
  switch (prefix) {
    case 'eq':
      return `(${range()})`;
    case 'ne':
      return `NOT (${range()})`;
    case 'gt':
      return `${column} > ${v()}`;
    case 'lt':
      return `${column} < ${v()}`;
    case 'ge':
      return `${column} >= ${v()}`;
    case 'le':
      return `${column} <= ${v()}`;
    case 'ap': {
      const n = v();
      return `(${column} BETWEEN LEAST(${n} * 0.9, ${n} * 1.1) AND GREATEST(${n} * 0.9, ${n} * 1.1))`;
    }
    default:
      return badRequest(`Prefix ${prefix} cannot be used with a number`);
  }
}

export function quantityCondition(col: Column, p: SqlParams, value: string): string {
  const [number, system, code] = value.split('|');
  const parts = [numberCondition(col('value', 'numeric'), p, number)];
  if (code) parts.push(`${col('unit', 'text')} = ${p.add(code, 'text')}`);
  if (system) parts.push(`${col('system', 'text')} = ${p.add(system, 'text')}`);
  return `(${parts.join(' AND ')})`;
}

export function uriCondition(col: Column, p: SqlParams, value: string, modifier?: string): string {
  const c = col('value', 'text');
  if (modifier === 'below') return `${c} LIKE ${p.add(`${escapeLike(clip(value))}%`, 'text')}`;
  if (modifier === 'above') return `${p.add(clip(value), 'text')} LIKE ${c} || '%'`;
  return `${c} = ${p.add(clip(value), 'text')}`;
}

/**
 * References: `Type/id`, a bare id (narrowed by a `:Type` modifier), an absolute URL (ours is read
 * as local), or with `:identifier` a `system|value` on the Reference itself.
 */
export function referenceCondition(
  col: Column,
  p: SqlParams,
  value: string,
  modifier: string | undefined,
  baseUrl: string,
): string {
  if (modifier === 'identifier') {
    const bar = value.indexOf('|');
    const system = bar >= 0 ? value.slice(0, bar) : undefined;
    const ident = bar >= 0 ? value.slice(bar + 1) : value;
    const parts = [`${col('ident_value', 'text')} = ${p.add(clip(ident), 'text')}`];
    if (system) parts.push(`${col('ident_system', 'text')} = ${p.add(clip(system), 'text')}`);
    return `(${parts.join(' AND ')})`;
  }
  const local = baseUrl && value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  const parsed = parseReferenceString(local);
  if (parsed.type && parsed.id && !parsed.url) {
    return `(${col('target_id', 'text')} = ${p.add(parsed.id, 'text')} AND ${col('target_type', 'text')} = ${p.add(parsed.type, 'text')})`;
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(local)) {
    const typed = modifier ? ` AND ${col('target_type', 'text')} = ${p.add(modifier, 'text')}` : '';
    return `(${col('target_id', 'text')} = ${p.add(local, 'text')}${typed})`;
  }
  return `${col('url', 'text')} = ${p.add(clip(value), 'text')}`;
}
