/**
 * Counts grouped by dimensions: a search's filters (and the caller's scope) over `resource r`,
 * grouped by a token parameter's values, a date parameter truncated to a period, or an attribute
 * of the patient whose compartment holds the resource. One statement; the caller decides what may
 * be grouped and what is too small to show.
 */
import { badRequest } from '../outcome.ts';
import { rowCode } from '../overlap.ts';
import { type AccessScope, scopeCondition } from '../scope.ts';
import type { SqlExecutor } from '../sql.ts';
import { type CompileContext, compileFilter, mergeDateBounds } from './compile.ts';
import type { SearchQuery } from './parse.ts';
import { SqlParams } from './sql-params.ts';

export type GroupBy =
  | { kind: 'token'; code: string }
  | { kind: 'period'; code: string; unit: 'year' | 'month' | 'week' | 'day' }
  | { kind: 'patient'; attribute: 'gender' | 'birth-year' | 'state' | 'district' };

export interface AggregateCell {
  /** One key per GroupBy, in order; null where the resource has no value. */
  keys: (string | null)[];
  count: number;
}

const PATIENT_ATTRIBUTE: Record<string, string> = {
  gender: "gp.content->>'gender'",
  'birth-year': "left(gp.content->>'birthDate', 4)",
  state: "gp.content->'address'->0->>'state'",
  district: "gp.content->'address'->0->>'district'",
};

const PERIOD_FORMAT: Record<string, string> = {
  year: 'YYYY',
  month: 'YYYY-MM',
  week: 'IYYY-"W"IW',
  day: 'YYYY-MM-DD',
};

export async function aggregateSearch(
  db: SqlExecutor,
  q: SearchQuery,
  groupBy: GroupBy[],
  options: { baseUrl: string; scope?: AccessScope },
): Promise<{ cells: AggregateCell[]; total: number }> {
  if (groupBy.length > 4) badRequest('Group by at most four dimensions');
  const p = new SqlParams();
  const ctx: CompileContext = { params: p, baseUrl: options.baseUrl, scope: options.scope };
  const where = [`r.resource_type = ${p.add(q.resourceType, 'text')}`, 'NOT r.deleted'];
  for (const f of mergeDateBounds(q.filters)) where.push(compileFilter(f, q.resourceType, 'r.id', ctx));
  const scoped = scopeCondition(options.scope, 'r', p);
  if (scoped) where.push(scoped);
  // the total needs only the WHERE's parameters, which come first
  const whereValues = p.values.length;
  const joins: string[] = [];
  const keys: string[] = [];
  let patientJoined = false;
  groupBy.forEach((g, i) => {
    const a = `g${i}`;
    if (g.kind === 'token') {
      joins.push(
        `LEFT JOIN sp_token ${a} ON ${a}.resource_type = r.resource_type AND ${a}.id = r.id AND ${rowCode(a, q.resourceType, g.code, p)}`,
      );
      keys.push(
        `CASE WHEN ${a}.value IS NULL THEN NULL ELSE coalesce(${a}.system, '') || '|' || ${a}.value END`,
      );
    } else if (g.kind === 'period') {
      let column = 'r.last_updated';
      if (g.code !== '_lastUpdated') {
        joins.push(
          `LEFT JOIN sp_date ${a} ON ${a}.resource_type = r.resource_type AND ${a}.id = r.id AND ${rowCode(a, q.resourceType, g.code, p)}`,
        );
        column = `${a}.low`;
      }
      keys.push(`to_char(${column} AT TIME ZONE 'UTC', '${PERIOD_FORMAT[g.unit]}')`);
    } else {
      if (!patientJoined) {
        joins.push(
          `LEFT JOIN compartment gc ON gc.resource_type = r.resource_type AND gc.id = r.id
           LEFT JOIN resource gp ON gp.resource_type = 'Patient' AND gp.id = gc.patient_id AND NOT gp.deleted`,
        );
        patientJoined = true;
      }
      keys.push(PATIENT_ATTRIBUTE[g.attribute]);
    }
  });
  const keyColumns = keys.map((k, i) => `${k} AS k${i}`).join(', ');
  const sql = `SELECT ${keyColumns}${keys.length ? ', ' : ''}count(DISTINCT r.id) AS n
    FROM resource r ${joins.join(' ')}
    WHERE ${where.join(' AND ')}
    ${keys.length ? `GROUP BY ${keys.map((_, i) => `k${i}`).join(', ')} ORDER BY ${keys.map((_, i) => `k${i}`).join(', ')}` : ''}`;
  const rows = (await db.query<Record<string, string | null>>(sql, p.values)).rows;
  const cells = rows.map((row) => ({
    keys: keys.map((_, i) => row[`k${i}`] ?? null),
    count: Number(row.n),
  }));
  const totalRow = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM resource r WHERE ${where.join(' AND ')}`,
    p.values.slice(0, whereValues),
  );
  return { cells, total: Number(totalRow.rows[0].n) };
}
