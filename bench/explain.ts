/**
 * Query plans of the measured searches (and of an update's write), as the engine itself writes them: the engine's own search
 * compiler runs against an executor that answers every statement with `EXPLAIN (ANALYZE, BUFFERS)`
 * of it. Nothing of the engine is changed; this only reads what SQL it sends. A plan that reads a
 * whole large table (Seq Scan) is flagged, since it will not survive the national volume.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../packages/fhir/src/definitions.ts';
import { CARE_PATIENTS_SQL } from '../packages/fhir/src/search/care-patients.ts';
import { parseSearch } from '../packages/fhir/src/search/parse.ts';
import { type AccessScope, runSearch } from '../packages/fhir/src/search/run.ts';
import type { SqlClient, SqlExecutor } from '../packages/fhir/src/sql.ts';
import { FhirStore } from '../packages/fhir/src/store.ts';

export interface ExplainedSearch {
  name: string;
  url: string;
  sql: string;
  params: unknown[];
  plan: string;
  executionMs: number;
  seqScans: string[];
  shape: PlanShape;
}

/** What a plan reads, from its text: enough to tell an index-driven plan from a walk or a scan. */
export interface PlanShape {
  /** Tables read by a sequential scan. */
  seqScans: string[];
  /**
   * Each index scan (plain, index-only or bitmap) with the rows it read over all its loops: those
   * it returned and those its filter removed (a range filtered by id reads them all).
   */
  indexScans: { index: string; table: string; rows?: number }[];
  /** `resource` read through its primary key without an id in the condition: a walk of a type. */
  resourceWalk: boolean;
  /** Rows returned by scans of `resource` (undefined when the plan was not run). */
  resourceRows?: number;
  /** Rows returned by scans of the index tables (`sp_*`). */
  indexTableRows?: number;
  /** Rows returned by scans of `compartment` (a care list's start, scope probes). */
  compartmentRows?: number;
}

const SCAN =
  /(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using (\w+))? on (\w+)/;
const ACTUAL = /actual (?:time=[\d.]+\.\.[\d.]+ )?rows=([\d.]+) loops=(\d+)/;

export function planShape(plan: string): PlanShape {
  const shape: PlanShape = { seqScans: [], indexScans: [], resourceWalk: false };
  const lines = plan.split('\n');
  let analyzed = false;
  let resourceRows = 0;
  let indexTableRows = 0;
  let compartmentRows = 0;
  lines.forEach((line, i) => {
    const scan = SCAN.exec(line);
    if (!scan) return;
    const [, kind, usingIndex, on] = scan;
    const actual = ACTUAL.exec(line);
    const rows = actual ? (Number(actual[1]) + removedBy(lines, i)) * Number(actual[2]) : undefined;
    if (actual) analyzed = true;
    if (kind === 'Seq Scan') {
      shape.seqScans.push(on);
      return;
    }
    // "Bitmap Index Scan on <index>" names the index; the others name the table after "on"
    const index = kind === 'Bitmap Index Scan' ? on : (usingIndex ?? on);
    const table = kind === 'Bitmap Index Scan' ? tableOfIndex(index) : on;
    shape.indexScans.push({ index, table, rows });
    if (table === 'resource') resourceRows += rows ?? 0;
    if (table.startsWith('sp_')) indexTableRows += rows ?? 0;
    if (table === 'compartment') compartmentRows += rows ?? 0;
    if (index === 'resource_pkey') {
      const cond = lines.slice(i + 1).find((l) => /Index Cond:|->/.test(l)) ?? '';
      if (!/Index Cond:.*\bid = /.test(cond)) shape.resourceWalk = true;
    }
  });
  if (analyzed) {
    shape.resourceRows = resourceRows;
    shape.indexTableRows = indexTableRows;
    shape.compartmentRows = compartmentRows;
  }
  return shape;
}

/** Rows per loop the filter of the scan on line `i` removed (its detail lines, up to the next node). */
function removedBy(lines: string[], i: number): number {
  let removed = 0;
  for (const line of lines.slice(i + 1)) {
    if (/->|SubPlan|InitPlan/.test(line)) break;
    const m = /Rows Removed by (?:Filter|Index Recheck): ([\d.]+)/.exec(line);
    if (m) removed += Number(m[1]);
  }
  return removed;
}

/** The engine's index names start with their table's name (schema.ts). */
function tableOfIndex(index: string): string {
  if (index === 'resource_pkey' || index.startsWith('resource_last')) return 'resource';
  const table = /^(sp_[a-z]+|compartment|resource_history|resource)/.exec(index);
  return table ? table[1] : index;
}

export type PlanQuery = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export async function explainSearches(
  query: PlanQuery,
  /**
   * `analyze: false` shows the plan without running it (for a search known to take minutes);
   * `scope`: what the searching caller may read (a care-giver's care list, say).
   */
  searches: { name: string; type: string; query: string; analyze: boolean; scope?: AccessScope }[],
): Promise<ExplainedSearch[]> {
  loadDefinitions();
  const out: ExplainedSearch[] = [];
  for (const s of searches) {
    const executor = {
      query: async <Row>(text: string, params?: unknown[]) => {
        // a care-giver's Patients, found once per kept list (care-patients.ts): the search needs
        // the real answer to compile its page, and a request seldom runs it (once per care view)
        if (text === CARE_PATIENTS_SQL) return (await query(text, params ?? [])) as { rows: Row[] };
        const explain = s.analyze ? 'EXPLAIN (ANALYZE, BUFFERS)' : 'EXPLAIN';
        let plan: string;
        try {
          const result = await query(`${explain} ${text}`, params ?? []);
          plan = result.rows.map((r) => String(Object.values(r)[0])).join('\n');
        } catch (err) {
          plan = `${explain} failed: ${(err as Error).message}`;
        }
        out.push({
          name: s.name,
          url: `${s.type}?${s.query}`,
          sql: text,
          params: params ?? [],
          plan,
          executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN),
          seqScans: [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]),
          shape: planShape(plan),
        });
        // a count (`_total`) is read by the search: answer one, zero
        return { rows: (/count\(\*\) AS n/.test(text) ? [{ n: '0' }] : []) as Row[] };
      },
    };
    await runSearch(executor, parseSearch(s.type, [...new URLSearchParams(s.query)]), {
      baseUrl: 'http://127.0.0.1/fhir/R4',
      scope: s.scope,
    });
  }
  return out;
}

/**
 * The plan of the one statement an update writes (current row, history, index rows replaced), run
 * by the engine's own FhirStore inside a transaction that is rolled back, so nothing changes.
 */
export async function explainUpdate(
  query: PlanQuery,
  resource: { resourceType: string; id: string },
): Promise<ExplainedSearch[]> {
  loadDefinitions();
  const out: ExplainedSearch[] = [];
  const executor: SqlExecutor = {
    query: async <Row>(text: string, params?: unknown[]) => {
      if (!text.startsWith('WITH input')) return (await query(text, params ?? [])) as { rows: Row[] };
      const result = await query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params ?? []);
      const plan = result.rows.map((r) => String(Object.values(r)[0])).join('\n');
      out.push({
        name: 'update (write statement)',
        url: `PUT ${resource.resourceType}/${resource.id}`,
        sql: text,
        params: [],
        plan,
        executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN),
        seqScans: [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]),
        shape: planShape(plan),
      });
      return { rows: [] as Row[] };
    },
  };
  const client: SqlClient = {
    ...executor,
    dialect: 'postgres',
    transaction: (work) => work(executor),
    exec: async () => undefined,
    close: async () => undefined,
  };
  await query('BEGIN', []);
  try {
    await new FhirStore(client, { baseUrl: 'http://127.0.0.1/fhir/R4' }).update(
      resource.resourceType,
      resource.id,
      resource as Resource,
    );
  } finally {
    await query('ROLLBACK', []);
  }
  return out;
}

/**
 * Per table of the FHIR database: live rows, statistics, and bytes in the heap (with TOAST) and in
 * indexes. PGlite keeps no activity statistics (`n_live_tup` stays 0): the rows are then the count
 * its last ANALYZE left in `pg_class`.
 */
export async function tableStatistics(query: PlanQuery): Promise<Record<string, unknown>[]> {
  const { rows } = await query(
    `SELECT s.relname AS table, COALESCE(NULLIF(s.n_live_tup, 0), GREATEST(c.reltuples, 0)::bigint) AS rows,
       s.last_analyze::text AS analyzed, s.last_autoanalyze::text AS autoanalyzed,
       (pg_total_relation_size(s.relid) - pg_indexes_size(s.relid))::float8 AS "heapBytes",
       pg_indexes_size(s.relid)::float8 AS "indexBytes"
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      ORDER BY pg_total_relation_size(s.relid) DESC`,
    [],
  );
  return rows;
}
