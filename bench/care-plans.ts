/**
 * What a care-giver's searches read as the nation grows: the same searches by a doctor with 200
 * patients in care, on generated populations of growing size (bench/population.ts), run with
 * `EXPLAIN (ANALYZE, BUFFERS)` on the engine's own SQL (bench/explain.ts). The baseline, in the same
 * run and on the same data, is the same search without any access scope (the engine alone, as a
 * system client with every patient sees it). What must hold: the rows a care-giver's search reads
 * stay the same from one size to the next (they grow with the care list, not the population).
 *
 *   node bench/care-plans.ts [--backend pglite|postgres] [--sizes 20000,100000] [--care 200]
 *
 * Prints a Markdown table and writes bench/results/care-plans-<timestamp>.json (with the plans).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../packages/fhir/src/schema.ts';
import type { AccessScope } from '../packages/fhir/src/scope.ts';
import type { SqlClient } from '../packages/fhir/src/sql.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres } from '../packages/server/src/db/postgres.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { type ExplainedSearch, explainSearches } from './explain.ts';
import { writePopulation } from './population.ts';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    sizes: { type: 'string', default: '20000,100000' },
    care: { type: 'string', default: '200' },
  },
});
const SIZES = flags.sizes.split(',').map(Number);
const CARE = Number(flags.care);
const SEED = 1_000;
const OBSERVATIONS = 3;

/** A doctor's screens: their patient list, a name typed in it, one kind of result across the list. */
const SEARCHES = [
  { name: 'my patients', type: 'Patient', query: '' },
  { name: 'my patients named Ben…', type: 'Patient', query: 'name=Ben' },
  { name: "my patients' weights", type: 'Observation', query: 'code=http://loinc.org|29463-7' },
  {
    name: "my patients' weights, newest first",
    type: 'Observation',
    query: 'code=http://loinc.org|29463-7&_sort=-date',
  },
];

const log = (m: string) =>
  process.stderr.write(`[bench care-plans ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

interface Row {
  size: number;
  search: string;
  scoped: boolean;
  executionMs: number;
  compartmentRows?: number;
  indexTableRows?: number;
  resourceRows?: number;
  /** What the search starts from: the care list, a value index, or a walk of `resource`. */
  from: string;
  plan: string;
}

async function openAt(
  size: number,
  postgres: ThrowawayPostgres | undefined,
  tmp: string,
): Promise<SqlClient> {
  if (!postgres) return openPglite(join(tmp, `pglite-${size}`));
  const name = `sahti_care_plans_${size}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return openPostgres(url.toString(), 2);
}

function startsFrom(explained: ExplainedSearch[]): string {
  if (explained.some((e) => e.shape.resourceWalk)) return 'walk of resource';
  const scans = explained.flatMap((e) => e.shape.indexScans.map((i) => i.index));
  if (scans.includes('compartment_patient')) return 'care list';
  return scans.find((i) => i.startsWith('sp_')) ?? '—';
}

/** The statement's total rows from one kind of table, summed over the engine's statements. */
const sum = (explained: ExplainedSearch[], pick: (e: ExplainedSearch) => number | undefined) =>
  explained.reduce((n, e) => n + (pick(e) ?? 0), 0);

async function measure(db: SqlClient, size: number): Promise<Row[]> {
  const patients = await db.query<{ id: string }>(
    `SELECT id FROM resource WHERE resource_type = 'Patient' ORDER BY id`,
  );
  const step = patients.rows.length / CARE;
  const careList = Array.from({ length: CARE }, (_, i) => patients.rows[Math.floor(i * step)].id);
  // frozen, as the access layer's care view is: the engine then keeps the list's Patients in order
  // (search/care-patients.ts) — found by the warm-up run, so the measured run shows the page alone
  const scope: AccessScope = {
    shared: ['Organization', 'Practitioner', 'Location'],
    patients: Object.freeze(careList),
  };
  const rows: Row[] = [];
  for (const scoped of [true, false]) {
    const searches = SEARCHES.map((s) => ({ ...s, analyze: true, ...(scoped ? { scope } : {}) }));
    const query = (text: string, params: unknown[]) => db.query(text, params);
    await explainSearches(query, searches); // warm the cache: the second run is measured
    const explained = await explainSearches(query, searches);
    for (const s of SEARCHES) {
      const mine = explained.filter((e) => e.name === s.name);
      rows.push({
        size,
        search: s.name,
        scoped,
        executionMs: sum(mine, (e) => e.executionMs),
        compartmentRows: sum(mine, (e) => e.shape.compartmentRows),
        indexTableRows: sum(mine, (e) => e.shape.indexTableRows),
        resourceRows: sum(mine, (e) => e.shape.resourceRows),
        from: startsFrom(mine),
        plan: mine.map((e) => e.plan).join('\n\n'),
      });
    }
  }
  return rows;
}

const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-care-'));
const postgres = flags.backend === 'postgres' ? await startThrowawayPostgres() : undefined;
if (flags.backend === 'postgres' && !postgres)
  throw new Error('no PostgreSQL binaries for --backend postgres');
const results: Row[] = [];
try {
  for (const size of SIZES) {
    const db = await openAt(size, postgres, tmp);
    try {
      await migrate(db);
      log(`${flags.backend}: writing ${size} patients × ${OBSERVATIONS} observations`);
      await writePopulation(db, {
        seedPatients: SEED,
        copies: Math.ceil(size / SEED),
        observationsPerPatient: OBSERVATIONS,
      });
      log(`${flags.backend}: ${size} patients written; measuring (no ANALYZE)`);
      results.push(...(await measure(db, size)));
    } finally {
      await db.close();
    }
  }
} finally {
  await postgres?.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const fmt = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en'));
const lines = [
  `## A care-giver's searches (${CARE} patients in care) — ${flags.backend}, no ANALYZE`,
  '',
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; *unscoped* = the same search with no access scope (the engine alone), the baseline`,
  '',
  '| search | patients | care-giver ms | unscoped ms | ratio | compartment rows | index rows | resource rows | starts from |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
];
for (const s of SEARCHES) {
  for (const size of SIZES) {
    const care = results.find((r) => r.search === s.name && r.size === size && r.scoped);
    const open = results.find((r) => r.search === s.name && r.size === size && !r.scoped);
    if (!care || !open) continue;
    lines.push(
      `| ${s.type}?${s.query} | ${fmt(size)} | ${care.executionMs.toFixed(2)} | ${open.executionMs.toFixed(2)} | ${(care.executionMs / open.executionMs).toFixed(2)} | ${fmt(care.compartmentRows)} | ${fmt(care.indexTableRows)} | ${fmt(care.resourceRows)} | ${care.from} (unscoped: ${open.from}) |`,
    );
  }
}
console.log(lines.join('\n'));
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(
  import.meta.dirname,
  'results',
  `care-plans-${new Date().toISOString().replaceAll(':', '-')}.json`,
);
writeFileSync(file, JSON.stringify({ backend: flags.backend, care: CARE, sizes: SIZES, results }, null, 2));
console.log(`\nresults: ${file}`);
