/**
 * The planner's count of distinct token values is measured (value-distinct.ts), not left to
 * ANALYZE's guess. On 8,000 patients with ten observations each — where ANALYZE's sample of 30,000
 * of 368,000 token rows is filled by a few codes and sees each CNIE at most once — the guess is a
 * tenth of the truth, and the engine's CNIE search, a prepared statement, was planned anew at every
 * execution (in most runs: the sample varies). After the engine's own ANALYZE the planner's share
 * is within the measure's tolerance of the exact count and the generic plan is kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { explainSearches } from '../bench/explain.ts';
import { cnie } from '../bench/generate.ts';
import { writePopulation } from '../bench/population.ts';
import { migrate } from '../packages/fhir/src/schema.ts';
import type { SqlClient } from '../packages/fhir/src/sql.ts';
import { analyze, analyzeStats } from '../packages/fhir/src/statistics.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres } from '../packages/server/src/db/postgres.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

const PATIENTS = 8_000;

async function open(): Promise<{ db: SqlClient; drop?: () => Promise<void> }> {
  if (testBackend() !== 'postgres') return { db: await openPglite(undefined) };
  const database = await freshPostgresDatabase();
  return { db: openPostgres(database.url, 2), drop: database.drop };
}

/** The planner's share of distinct values in sp_token.value, and whether an option sets it. */
async function plannerShare(db: SqlClient): Promise<{ share: number; option: string | null }> {
  const { rows } = await db.query<{ n_distinct: number; rows: number; option: string | null }>(
    `SELECT s.n_distinct::float8 AS n_distinct, c.reltuples::float8 AS rows,
            (SELECT o FROM pg_attribute a, unnest(a.attoptions) AS o
              WHERE a.attrelid = c.oid AND a.attname = 'value') AS option
       FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'value'
      WHERE c.oid = 'sp_token'::regclass`,
  );
  const { n_distinct, rows: count, option } = rows[0];
  const share = n_distinct === null ? 0 : n_distinct < 0 ? -n_distinct : n_distinct / count;
  return { share, option };
}

/**
 * The exact share, counted as the measure counts (one type, one parameter, one value: how the
 * engine's searches ask) or as ANALYZE does (the column's values whatever their parameter).
 */
async function exactShare(db: SqlClient, per: 'parameter' | 'column' = 'parameter'): Promise<number> {
  const distinct = per === 'parameter' ? '(resource_type, code, value)' : 'value';
  const { rows } = await db.query<{ share: number }>(
    `SELECT (count(DISTINCT ${distinct})::float8 / count(*)) AS share FROM sp_token`,
  );
  return Number(rows[0].share);
}

/** Runs the engine's CNIE search as the prepared statement it is ten times: plans made, by kind. */
async function cniePlans(db: SqlClient): Promise<{ generic: number; custom: number }> {
  const [search] = await explainSearches(
    (text, params) => db.query(text, params),
    [
      {
        name: 'search identifier',
        type: 'Patient',
        query: `identifier=https://sahti.ma/fhir/NamingSystem/cnie|${cnie(PATIENTS / 2)}`,
        analyze: false,
      },
    ],
  );
  // EXECUTE takes no bound parameters: its arguments as literals
  const args = search.params.map((v) => `'${String(v).replaceAll("'", "''")}'`).join(', ');
  return db.transaction(async (tx) => {
    await tx.query(`PREPARE cnie_search AS ${search.sql}`);
    try {
      for (let i = 0; i < 10; i++) {
        const found = await tx.query(`EXECUTE cnie_search(${args})`);
        assert.equal(found.rows.length, 1, 'the CNIE is found');
      }
      const { rows } = await tx.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom
           FROM pg_prepared_statements WHERE name = 'cnie_search'`,
      );
      return rows[0];
    } finally {
      await tx.query('DEALLOCATE cnie_search');
    }
  });
}

describe(`distinct token values measured on ${PATIENTS} patients`, () => {
  let db: SqlClient;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    ({ db, drop } = await open());
    await migrate(db);
    await writePopulation(db, { seedPatients: PATIENTS, copies: 1, observationsPerPatient: 10 });
  });
  after(async () => {
    await db?.close();
    await drop?.();
  });

  it("shows ANALYZE's own guess far below the truth", async () => {
    await db.query('ANALYZE sp_token'); // ANALYZE alone, as PostgreSQL's autovacuum runs it
    const [guess, exact] = [(await plannerShare(db)).share, await exactShare(db)];
    assert.ok(guess < exact / 4, `ANALYZE's share ${guess} against ${exact}`);
    // with it the CNIE search is planned anew at every execution in most runs (0 generic plans of
    // 10); not asserted: ANALYZE's sample varies, and a lucky one keeps the generic plan
    const plans = await cniePlans(db);
    assert.equal(plans.generic + plans.custom, 10);
  });

  it("gives the planner the measured share after the engine's ANALYZE, and the generic plan is kept", async () => {
    await analyze(db);
    const [planner, exact] = [await plannerShare(db), await exactShare(db)];
    assert.match(planner.option ?? '', /^n_distinct=-0\.0\d+$/);
    assert.ok(
      planner.share > exact / 1.5 && planner.share < exact * 1.5,
      `the planner's share ${planner.share} against ${exact}`,
    );
    assert.deepEqual(await cniePlans(db), { generic: 5, custom: 5 });
    // what /metrics reports (sahti_db_token_distinct_share): the planner's share now, and the measure
    const reported = analyzeStats(db).tokenValueDistinct;
    assert.ok(reported?.measured !== undefined);
    assert.ok(
      Math.abs(reported.planner / planner.share - 1) < 0.01,
      `${reported.planner} ≠ ${planner.share}`,
    );
    // a later ANALYZE keeps it: the measure is taken again, the option changes only beyond its tolerance
    await analyze(db);
    const again = await plannerShare(db);
    assert.ok(again.share > exact / 1.5 && again.share < exact * 1.5);
  });

  it('leaves a table that ANALYZE reads whole to its exact count, removing a measure set before', async () => {
    const small = await open();
    try {
      await migrate(small.db);
      await writePopulation(small.db, { seedPatients: 300, copies: 1, observationsPerPatient: 3 });
      await small.db.query('ALTER TABLE sp_token ALTER COLUMN value SET (n_distinct = -0.01)');
      await analyze(small.db);
      const planner = await plannerShare(small.db);
      assert.equal(planner.option, null);
      const exact = await exactShare(small.db, 'column');
      assert.ok(
        Math.abs(planner.share / exact - 1) < 0.01,
        `ANALYZE's count: ${planner.share} against ${exact}`,
      );
    } finally {
      await small.db.close();
      await small.drop?.();
    }
  });
});
