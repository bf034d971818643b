/**
 * One search value → one SQL condition, per parameter type. Column names are passed in so the same
 * builders serve the index tables and the second part of composite parameters.
 */
import { parseRange } from '../dates.ts';
import { TEXT_SEPARATOR } from '../index-rows.ts';
import { clip, escapeLike, MAX_INDEXED, normalizeText } from '../normalize.ts';
import { badRequest } from '../outcome.ts';
import { parseReferenceString } from '../references.ts';
import { splitPrefix } from './parse.ts';
import type { SqlParams } from './sql-params.ts';

export type Column = (name: string, cast: string) => string;

/**
 * `exactIsValue`: the rows' `value` is the normalised `exact` (every string parameter but
 * `phonetic`), so an exact match shorter than the clipping length also names its `value`, which the
 * value index finds.
 */
export function stringCondition(
  col: Column,
  p: SqlParams,
  value: string,
  modifier?: string,
  exactIsValue = false,
): string {
  if (modifier === 'exact') {
    const exact = `${col('exact', 'text')} = ${p.add(clip(value), 'text')}`;
    if (!exactIsValue || Array.from(value).length >= MAX_INDEXED) return exact;
    return `(${exact} AND ${col('value', 'text')} = ${p.add(clip(normalizeText(value)), 'text')})`;
  }
  const normalized = escapeLike(clip(normalizeText(value)));
  if (modifier === 'contains') return `${col('value', 'text')} LIKE ${p.add(`%${normalized}%`, 'text')}`;
  return `${col('value', 'text')} LIKE ${p.add(`${normalized}%`, 'text')}`;
}

export function tokenCondition(col: Column, p: SqlParams, value: string, modifier?: string): string {
  const system = col('system', 'text');
  const code = col('value', 'text');
  if (modifier === 'text') {
    // a word starting any of the texts a row keeps (index-rows.ts tokenRows), or after a space in one
    const text = col('text', 'text');
    const word = escapeLike(normalizeText(value));
    const starts = [`${word}%`, `% ${word}%`, `%${TEXT_SEPARATOR}${word}%`];
    return `(${starts.map((s) => `${text} LIKE ${p.add(s, 'text')}`).join(' OR ')})`;
  }
  const bar = value.indexOf('|');
  if (bar < 0) return `${code} = ${p.add(clip(value), 'text')}`;
  const s = clip(value.slice(0, bar));
  const c = clip(value.slice(bar + 1));
  if (s === '') return `(${system} IS NULL AND ${code} = ${p.add(c, 'text')})`;
  if (c === '') return `${system} = ${p.add(s, 'text')}`;
  return `(${system} = ${p.add(s, 'text')} AND ${code} = ${p.add(c, 'text')})`;
}

/** Date prefixes over half-open ranges: resource [low, high) against search [lo, hi). */
export function dateCondition(col: Column, p: SqlParams, value: string): string {
  return dateParts(col, p, value).sql;
}

/**
 * The condition of one date value, and when it requires `high > X`, that X (a placeholder): a row
 * ends after X only if it starts after X minus its width, which bounds an index range on `low`.
 */
export function dateParts(col: Column, p: SqlParams, value: string): { sql: string; highAbove?: string } {
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
      return { sql: `(${low} >= ${lo()} AND ${high} <= ${hi()})` };
    case 'ne':
      return { sql: `NOT (${low} >= ${lo()} AND ${high} <= ${hi()})` };
    case 'gt': {
      const x = hi();
      return { sql: `${high} > ${x}`, highAbove: x };
    }
    case 'lt':
      return { sql: `${low} < ${lo()}` };
    case 'ge': {
      const x = lo();
      return { sql: `${high} > ${x}`, highAbove: x };
    }
    case 'le':
      return { sql: `${low} < ${hi()}` };
    case 'sa':
      return { sql: `${low} >= ${hi()}` };
    case 'eb':
      return { sql: `${high} <= ${lo()}` };
    default: {
      // ap: overlaps the search range widened by 10% of its distance from now (R4 guidance)
      if (!Number.isFinite(Date.parse(range.low)) || !Number.isFinite(Date.parse(range.high))) {
        const x = lo();
        return { sql: `(${low} < ${hi()} AND ${high} > ${x})`, highAbove: x };
      }
      const width = Math.max(Math.abs(Date.now() - Date.parse(range.low)) * 0.1, 86_400_000);
      const aLo = p.add(new Date(Date.parse(range.low) - width).toISOString(), 'timestamptz');
      const aHi = p.add(new Date(Date.parse(range.high) + width).toISOString(), 'timestamptz');
      return { sql: `(${low} < ${aHi} AND ${high} > ${aLo})`, highAbove: aLo };
    }
  }
}

/**
 * Width classes of the rows of `sp_date` (its generated column `width_class`, schema version 4):
 * the widest a row of each class can be, in hours — a day (instants, date-times, dates), a month, a
 * year, ten years; the last class (longer, or open-ended) has no bound. Keep in step with schema.ts.
 */
export const DATE_WIDTH_CLASS_HOURS: readonly number[] = [24, 31 * 24, 366 * 24, 3660 * 24];
export const DATE_WIDTH_CLASSES = DATE_WIDTH_CLASS_HOURS.length + 1;

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
  const target = referenceTarget(value, baseUrl);
  if (target?.type) {
    return `(${col('target_id', 'text')} = ${p.add(target.id, 'text')} AND ${col('target_type', 'text')} = ${p.add(target.type, 'text')})`;
  }
  if (target) {
    const typed = modifier ? ` AND ${col('target_type', 'text')} = ${p.add(modifier, 'text')}` : '';
    return `(${col('target_id', 'text')} = ${p.add(target.id, 'text')}${typed})`;
  }
  return `${col('url', 'text')} = ${p.add(clip(value), 'text')}`;
}

/**
 * The resource a reference search value names on this server: `Type/id` (or our absolute URL of
 * it) gives both, a bare id only the id; undefined for anything else (another server's URL, a
 * canonical), which is matched as a URL.
 */
export function referenceTarget(value: string, baseUrl: string): { type?: string; id: string } | undefined {
  const local = baseUrl && value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  const parsed = parseReferenceString(local);
  if (parsed.type && parsed.id && !parsed.url) return { type: parsed.type, id: parsed.id };
  return /^[A-Za-z0-9\-.]{1,64}$/.test(local) ? { id: local } : undefined;
}
