/**
 * Query plans of the measured searches (and of an update's write), as the engine itself writes them: the engine's own search
 * compiler runs against an executor that answers every statement with `EXPLAIN (ANALYZE, BUFFERS)`
 * of it. Nothing of the engine is changed; this only reads what SQL it sends. A plan that reads a
 * whole large table (Seq Scan) is flagged, since it will not survive the national volume.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../packages/fhir/src/definitions.ts';
import { parseSearch } from '../packages/fhir/src/search/parse.ts';
import { runSearch } from '../packages/fhir/src/search/run.ts';
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
}

export type PlanQuery = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export async function explainSearches(
  query: PlanQuery,
  /** `analyze: false` shows the plan without running it (for a search known to take minutes). */
  searches: { name: string; type: string; query: string; analyze: boolean }[],
): Promise<ExplainedSearch[]> {
  loadDefinitions();
  const out: ExplainedSearch[] = [];
  for (const s of searches) {
    const executor = {
      query: async <Row>(text: string, params?: unknown[]) => {
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
        });
        return { rows: [] as Row[] };
      },
    };
    await runSearch(executor, parseSearch(s.type, [...new URLSearchParams(s.query)]), {
      baseUrl: 'http://127.0.0.1/fhir/R4',
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

/** Row counts and when each engine table was last analyzed: the planner's view of the data. */
export async function tableStatistics(query: PlanQuery): Promise<Record<string, unknown>[]> {
  const { rows } = await query(
    `SELECT relname AS table, n_live_tup AS rows, last_analyze::text AS analyzed,
       last_autoanalyze::text AS autoanalyzed FROM pg_stat_user_tables
     WHERE relname = 'resource' OR relname LIKE 'sp\\_%' ORDER BY relname`,
    [],
  );
  return rows;
}
