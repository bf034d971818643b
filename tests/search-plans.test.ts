/**
 * The benchmark's searches keep index-driven plans on a large population, with and without planner
 * statistics: each starts from its filter's value index, reads a number of index rows that does not
 * grow with the population, reads `resource` only for the page, and never scans a table
 * sequentially; a care-giver's searches start from their care list. Plans are those of the engine's
 * own SQL (bench/explain.ts), run with EXPLAIN ANALYZE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ExplainedSearch, explainSearches } from '../bench/explain.ts';
import { cnie } from '../bench/generate.ts';
import { writePopulation } from '../bench/population.ts';
import { migrate } from '../packages/fhir/src/schema.ts';
import type { AccessScope } from '../packages/fhir/src/scope.ts';
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
let searches: {
  name: string;
  type: string;
  query: string;
  analyze: boolean;
  index: string;
  avoids?: string;
}[];
/** A care-giver's searches: a care list of 200 patients spread over the population. */
let careSearches: {
  name: string;
  type: string;
  query: string;
  analyze: boolean;
  index: string;
  scope: AccessScope;
  /** Compartment rows the search may read: the care list's rows of the type, whatever the population. */
  maxCompartmentRows: number;
  /** Index rows its checks may read: each candidate's own rows of the checked parameter (≤ 4 here). */
  maxIndexRows: number;
}[];
const CARE_LIST = 200;

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
    {
      // the weights' codes in id order, each candidate's value read by its id — not every value
      // above 118 walked through `sp_quantity_value` per candidate, the plan PGlite chose for the
      // first such search in a fresh process (14.7 s; compile.ts RANGE_CHECKED)
      name: 'search code and value',
      type: 'Observation',
      query: 'code=http://loinc.org|29463-7&value-quantity=gt118',
      index: 'sp_token_value',
      avoids: 'sp_quantity_value',
      // a weight above 118 kg is one in sixty: ~1,300 candidates for a page, one row of each read twice
      maxIndexRows: 4_000,
      pageRows: PAGE_ROWS,
    },
  ].map((s) => ({ ...s, analyze: true }));

  const care = await db.query<{ id: string }>(
    `SELECT id FROM resource WHERE resource_type = 'Patient' ORDER BY id`,
  );
  const step = care.rows.length / CARE_LIST;
  const careList = Array.from({ length: CARE_LIST }, (_, i) => care.rows[Math.floor(i * step)].id);
  const scope: AccessScope = { shared: ['Organization', 'Practitioner', 'Location'], patients: careList };
  // a list of Patients starts from the list itself (the linked ones from their own small index) and
  // probes candidates in id order until the page is full: a page's worth of compartment rows
  // without a filter, at most the list's with one
  careSearches = [
    {
      name: 'my patients',
      type: 'Patient',
      query: '',
      index: 'compartment_linked_patient',
      maxCompartmentRows: PAGE_ROWS,
      maxIndexRows: 0,
    },
    {
      name: 'my patients named Ben…',
      type: 'Patient',
      query: 'name=Ben',
      index: 'compartment_linked_patient',
      maxCompartmentRows: CARE_LIST,
      maxIndexRows: CARE_LIST * 4,
    },
    {
      name: "my patients' weights",
      type: 'Observation',
      query: 'code=http://loinc.org|29463-7',
      index: 'compartment_patient',
      maxCompartmentRows: CARE_LIST * 3,
      maxIndexRows: CARE_LIST * 3 * 4,
    },
  ].map((s) => ({ ...s, analyze: true, scope }));
  // the access layer's care view is frozen: the engine keeps its Patients in order (search/care-patients.ts,
  // found once per list — the test harness runs that look-up for real) and the page only probes them
  const kept: AccessScope = { ...scope, patients: Object.freeze([...careList]) };
  careSearches.push(
    ...[
      {
        name: 'my patients, a kept list',
        type: 'Patient',
        query: '',
        index: 'compartment_resource',
        maxCompartmentRows: PAGE_ROWS,
        maxIndexRows: 0,
        pageRows: PAGE_ROWS,
      },
      {
        name: 'my patients named Ben…, a kept list',
        type: 'Patient',
        query: 'name=Ben',
        index: 'compartment_resource',
        maxCompartmentRows: CARE_LIST,
        maxIndexRows: CARE_LIST * 4,
      },
    ].map((s) => ({ ...s, analyze: true, scope: kept })),
  );
});

after(async () => {
  await db?.close();
  await dropDatabase?.();
});

interface PlannedSearch {
  name: string;
  type: string;
  query: string;
  /** The index the search must start from. */
  index: string;
  /** An index it must not read. */
  avoids?: string;
  /** Index-table rows it may read (MAX_INDEX_ROWS unless said). */
  maxIndexRows?: number;
  /** Compartment rows it may read besides the page's own (unchecked unless said). */
  maxCompartmentRows?: number;
  /** Resource rows it must read: a full page (unchecked unless said). */
  pageRows?: number;
}

/** Each search is one statement that starts from its index and reads within its bounds. */
function assertShapes(list: PlannedSearch[], explained: ExplainedSearch[]): void {
  for (const s of list) {
    const statements = explained.filter((e) => e.name === s.name);
    assert.equal(statements.length, 1, `${s.name}: one statement`);
    const { shape, plan } = statements[0];
    const context = `${s.name} (${s.type}?${s.query})\n${plan}`;
    assert.deepEqual(shape.seqScans, [], `no sequential scan: ${context}`);
    assert.equal(shape.resourceWalk, false, `resource_pkey is read by id only: ${context}`);
    assert.ok(
      shape.indexScans.some((scan) => scan.index === s.index),
      `starts from ${s.index}: ${context}`,
    );
    if (s.avoids)
      assert.ok(
        !shape.indexScans.some((scan) => scan.index === s.avoids),
        `never reads ${s.avoids}: ${context}`,
      );
    assert.ok((shape.resourceRows ?? Infinity) <= PAGE_ROWS, `reads resource for the page only: ${context}`);
    if (s.pageRows !== undefined)
      assert.equal(shape.resourceRows, s.pageRows, `finds a full page: ${context}`);
    if (s.maxCompartmentRows !== undefined) {
      // and the page's own rows, for the patients each match belongs to (run.ts PATIENTS_COLUMN)
      const maxCompartmentRows = s.maxCompartmentRows + PAGE_ROWS;
      assert.ok(
        (shape.compartmentRows ?? Infinity) <= maxCompartmentRows,
        `reads at most ${maxCompartmentRows} compartment rows: ${context}`,
      );
    }
    const maxIndexRows = s.maxIndexRows ?? MAX_INDEX_ROWS;
    assert.ok(
      (shape.indexTableRows ?? Infinity) <= maxIndexRows,
      `reads at most ${maxIndexRows} index rows: ${context}`,
    );
  }
}

const explain = (list: Parameters<typeof explainSearches>[1]) =>
  explainSearches((text, params) => db.query(text, params), list);

describe(`search plans on ${SEED * COPIES} patients`, () => {
  it('are index-driven before the planner has any statistics', async () => {
    assertShapes(searches, await explain(searches));
    // a care-giver's searches start from their care list: what they read grows with the list, not the population
    assertShapes(careSearches, await explain(careSearches));
  });

  it('are index-driven with statistics', async () => {
    await analyze(db);
    // from a sample of 3,000 resources and versions, not 30,000 (schema version 14): the embedded
    // database's memory grows to hold the sample for good
    const targets = await db.query<{ table: string; target: number }>(
      `SELECT attrelid::regclass::text AS table, max(attstattarget)::int AS target FROM pg_attribute
        WHERE attrelid IN ('resource'::regclass, 'resource_history'::regclass) AND attnum > 0 AND NOT attisdropped
        GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      targets.rows.map((r) => [r.table, Number(r.target)]),
      [
        ['resource', 10],
        ['resource_history', 10],
      ],
    );
    assertShapes(searches, await explain(searches));
    // a care-giver's searches start from their care list: what they read grows with the list, not the population
    assertShapes(careSearches, await explain(careSearches));
  });
});
