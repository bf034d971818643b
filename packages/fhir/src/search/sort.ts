/**
 * Sort keys and keyset paging. Each sort rule becomes a scalar expression over the index tables;
 * a page's cursor holds the last row's keys, so the next page starts strictly after it and pages
 * neither skip nor repeat rows when others are written between requests.
 */
import { badRequest } from '../outcome.ts';
import { rowCode } from '../overlap.ts';
import type { SortRule } from './parse.ts';
import type { SqlParams } from './sql-params.ts';

export interface SortKey {
  expr: string;
  cast: 'text' | 'timestamptz' | 'numeric';
  descending: boolean;
}

const FLOOR: Record<SortKey['cast'], string> = {
  text: "''",
  timestamptz: "'-infinity'::timestamptz",
  numeric: "'-Infinity'::numeric",
};

export function sortKeys(type: string, rules: SortRule[], p: SqlParams): SortKey[] {
  return rules.map((rule) => {
    const d = rule.descending;
    if (rule.code === '_id') return { expr: 'r.id', cast: 'text', descending: d };
    if (rule.code === '_lastUpdated') return { expr: 'r.last_updated', cast: 'timestamptz', descending: d };
    const scope = (a: string): string =>
      `${a}.resource_type = ${p.add(type, 'text')} AND ${a}.id = r.id AND ${rowCode(a, type, rule.code, p)}`;
    const agg = d ? 'max' : 'min';
    const key = (table: string, column: string, cast: SortKey['cast']): SortKey => ({
      expr: `COALESCE((SELECT ${agg}(k.${column}) FROM ${table} k WHERE ${scope('k')}), ${FLOOR[cast]})`,
      cast,
      descending: d,
    });
    switch (rule.type) {
      case 'string':
        return key('sp_string', 'value', 'text');
      case 'token':
        return key('sp_token', 'value', 'text');
      case 'date':
        return key('sp_date', d ? 'high' : 'low', 'timestamptz');
      case 'number':
        return key('sp_number', 'low', 'numeric');
      case 'quantity':
        return key('sp_quantity', 'value', 'numeric');
      case 'reference':
        return key('sp_reference', 'target_id', 'text');
      case 'uri':
        return key('sp_uri', 'value', 'text');
      default:
        return badRequest(`Cannot sort by ${rule.code}`);
    }
  });
}

export interface Cursor {
  keys: (string | null)[];
  id: string;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const KEY_FORMAT: Record<SortKey['cast'], RegExp> = {
  text: /^/,
  timestamptz: /^(-?infinity|\d{4,}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)?( BC)?)$/,
  numeric: /^(-?Infinity|-?\d+(\.\d+)?(e[+-]?\d+)?)$/i,
};

/** A cursor comes back from the client: each key must have the form its SQL type expects. */
export function decodeCursor(token: string, keys: SortKey[]): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    const valid =
      typeof c.id === 'string' &&
      ID.test(c.id) &&
      Array.isArray(c.keys) &&
      c.keys.length === keys.length &&
      c.keys.every(
        (k, i) =>
          k === null ||
          (typeof k === 'string' &&
            KEY_FORMAT[keys[i].cast].test(k) &&
            !k.includes('\u0000') &&
            k.isWellFormed()),
      );
    if (valid) return c;
  } catch {
    // fall through to the 400 below
  }
  return badRequest('Invalid or outdated _cursor: start the search again from its first page');
}

/** (k1, k2, …, id) strictly after the cursor, honouring each key's direction. */
export function afterCursor(keys: SortKey[], cursor: Cursor, p: SqlParams): string {
  const terms: string[] = [];
  const equalities: string[] = [];
  keys.forEach((k, i) => {
    const v = p.add(cursor.keys[i], k.cast);
    terms.push([...equalities, `${k.expr} ${k.descending ? '<' : '>'} ${v}`].join(' AND '));
    equalities.push(`${k.expr} = ${v}`);
  });
  terms.push([...equalities, `r.id > ${p.add(cursor.id, 'text')}`].join(' AND '));
  return `((${terms.join(') OR (')}))`;
}
