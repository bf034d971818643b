/**
 * The benchmark's searches keep index-driven plans on a large population, with and without planner
 * statistics: each starts from its filter's value index, reads a number of index rows that does not
 * grow with the population, reads `resource` only for the page, and never scans a table
 * sequentially. Plans are those of the engine's own SQL (bench/explain.ts), run with EXPLAIN ANALYZE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ExplainedSearch, explainSearches } from '../bench/explain.ts';
import { cnie } from '../bench/generate.ts';
import { writePopulation } from '../bench/population.ts';
import { migrate } from '../packages/fhir/src/schema.ts';
import type { SqlClient } from '../packages/fhir/src/sql.ts';
import { analyze } from '../packages/fhir/src/statistics.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres } from '../packages/server/src/db/postgres.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

const SEED = 1_000;
const COPIES = 20;
/** A page is 20 matches and one more to know whether there is a next page. */
const PAGE_ROWS = 21;
/** Far below what a walk or a scan of the 20,000 patients' index rows would read. */
const MAX_INDEX_ROWS = 1_000;

let db: SqlClient;
let dropDatabase: (() => Promise<void>) | undefined;
let searches: { name: string; type: string; query: string; analyze: boolean; index: string }[];

before(async () => {
  if (testBackend() === 'postgres') {
    const database = await freshPostgresDatabase();
    db = openPostgres(database.url, 2);
    dropDatabase = database.drop;
  } else {
    db = await openPglite(undefined);
  }
  await migrate(db);
  await writePopulation(db, { seedPatients: SEED, copies: COPIES, observationsPerPatient: 3 });
  const patients = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM resource WHERE resource_type = 'Patient'`,
  );
  assert.equal(Number(patients.rows[0].n), SEED * COPIES);
  const subject = await db.query<{ id: string }>(
    `SELECT id FROM resource WHERE resource_type = 'Patient' ORDER BY id OFFSET 7000 LIMIT 1`,
  );
  // the benchmark's searches (bench/run.ts), each with the index it must start from
  searches = [
    {
      name: 'search identifier',
      type: 'Patient',
      query: `identifier=https://sahti.ma/fhir/NamingSystem/cnie|${cnie(SEED / 2)}`,
      index: 'sp_token_value',
    },
    { name: 'search name', type: 'Patient', query: 'name=Ben', index: 'sp_string_value' },
    {
      name: 'search birthdate',
      type: 'Patient',
      query: 'birthdate=ge1980-03-01&birthdate=lt1980-04-01',
      index: 'sp_date_value',
    },
    {
      name: 'search observation',
      type: 'Observation',
      query: `subject=Patient/${subject.rows[0].id}&code=http://loinc.org|29463-7&date=ge2024-01-01&date=lt2025-01-01`,
      index: 'sp_reference_target',
    },
  ].map((s) => ({ ...s, analyze: true }));
});

after(async () => {
  await db?.close();
  await dropDatabase?.();
});

async function plans(): Promise<ExplainedSearch[]> {
  return explainSearches((text, params) => db.query(text, params), searches);
}

function assertIndexDriven(explained: ExplainedSearch[]): void {
  for (const s of searches) {
    const statements = explained.filter((e) => e.name === s.name);
    assert.equal(statements.length, 1, `${s.name}: one statement`);
    const { shape, plan } = statements[0];
    const context = `${s.name} (${s.query})\n${plan}`;
    assert.deepEqual(shape.seqScans, [], `no sequential scan: ${context}`);
    assert.equal(shape.resourceWalk, false, `resource_pkey is read by id only: ${context}`);
    assert.ok(
      shape.indexScans.some((scan) => scan.index === s.index),
      `starts from ${s.index}: ${context}`,
    );
    assert.ok((shape.resourceRows ?? Infinity) <= PAGE_ROWS, `reads resource for the page only: ${context}`);
    assert.ok(
      (shape.indexTableRows ?? Infinity) <= MAX_INDEX_ROWS,
      `reads at most ${MAX_INDEX_ROWS} index rows: ${context}`,
    );
  }
}

describe(`search plans on ${SEED * COPIES} patients`, () => {
  it('are index-driven before the planner has any statistics', async () => {
    assertIndexDriven(await plans());
  });

  it('are index-driven with statistics', async () => {
    await analyze(db);
    assertIndexDriven(await plans());
  });
});
