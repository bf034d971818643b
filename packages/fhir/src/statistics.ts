/**
 * Planner statistics. PGlite runs without autovacuum, so an embedded database never learns its
 * tables' sizes, and PostgreSQL's autovacuum lags a bulk import: plans stay those of empty tables
 * (a code search scanning a third of the observations instead of one patient's ten). The store
 * therefore runs ANALYZE itself in the background once the resources written since the last one
 * reach half as many as it counted then, and at least a few hundred: a young database is sampled
 * again as it doubles (a prepared statement's generic plan, made while a table held a few rows, is
 * a sequential scan, kept until ANALYZE invalidates it), a national load is not sampled every few
 * thousand resources (each ANALYZE sorts a sample of every index table), and the planner scales
 * the row counts it learnt by the tables' sizes now. However fast the writes, ANALYZE takes at most
 * a tenth of the time: after one that took d, the next waits 9·d. An import doubles a young
 * database every few seconds, so the doubling rule alone ran one ANALYZE after another through it
 * (seven back to back on PGlite at the quick volume, where each holds the only connection 1–2 s).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlClient } from './sql.ts';
import { tuneValueDistinct, type ValueDistinct } from './value-distinct.ts';

/** Written resources after which an ANALYZE is due however few there were. */
const ANALYZE_AT_LEAST_EVERY = 500;
/** Of the resources there were at the last ANALYZE: written since, the next one is due. */
const ANALYZE_FRACTION = 0.5;
/** The largest share of the time ANALYZE may take: the pause after one is (1/share − 1) × its duration. */
const ANALYZE_MAX_SHARE = 0.1;

interface State {
  sinceLast: number;
  running: boolean;
  /** Written resources after which the next ANALYZE is due. */
  due: number;
  /** When the last ANALYZE ended and how long it took (ms), for the pause before the next. */
  lastEnd: number;
  lastDuration: number;
  /** A due ANALYZE waiting for the pause to end (it runs then even if no write comes). */
  waiting?: ReturnType<typeof setTimeout>;
  /** What the operator sees (/metrics): a failed background ANALYZE is otherwise silent. */
  runs: number;
  failures: number;
  seconds: number;
  /** The share of distinct token values after the last ANALYZE: the planner's and the measure. */
  tokenValueDistinct?: ValueDistinct;
}

/** The ANALYZEs run on a database by this process (at start and in the background), for /metrics. */
export interface AnalyzeStats {
  runs: number;
  failures: number;
  /** Wall time spent in them, seconds. */
  seconds: number;
  /** The share of distinct token values after the last ANALYZE (value-distinct.ts). */
  tokenValueDistinct?: ValueDistinct;
}

export function analyzeStats(db: SqlClient): AnalyzeStats {
  const { runs, failures, seconds, tokenValueDistinct } = stateOf(db);
  return { runs, failures, seconds, tokenValueDistinct };
}

const states = new WeakMap<SqlClient, State>();

/**
 * Runs a function in the async context of this module's loading, where no request or transaction
 * is open. noteWrites is called from inside the write's transaction; the ANALYZE it starts is not
 * part of it and must not look so: the embedded database refuses a script from inside one of its
 * own transactions (it would wait for itself), and that refusal, swallowed below, kept PGlite from
 * ever being analysed after its start. Detached, the script waits for the transaction to end.
 */
const detached = AsyncLocalStorage.snapshot();

function stateOf(db: SqlClient): State {
  let state = states.get(db);
  if (!state) {
    state = {
      sinceLast: 0,
      running: false,
      due: ANALYZE_AT_LEAST_EVERY,
      lastEnd: 0,
      lastDuration: 0,
      runs: 0,
      failures: 0,
      seconds: 0,
    };
    states.set(db, state);
  }
  return state;
}

/** Counts resources written (created, updated or deleted, as PostgreSQL's own count of changes does). */
export function noteWrites(db: SqlClient, resources: number): void {
  stateOf(db).sinceLast += resources;
  runIfDue(db);
}

function runIfDue(db: SqlClient): void {
  const state = stateOf(db);
  if (state.sinceLast < state.due || state.running || state.waiting) return;
  const pause = state.lastEnd + state.lastDuration * (1 / ANALYZE_MAX_SHARE - 1) - Date.now();
  if (pause > 0) {
    state.waiting = setTimeout(() => {
      state.waiting = undefined;
      runIfDue(db);
    }, pause);
    state.waiting.unref?.();
    return;
  }
  state.sinceLast = 0;
  state.running = true;
  detached(() => analyze(db))
    // statistics are an optimisation: a failure must not reach a request (counted for /metrics)
    .catch(() => undefined)
    .finally(() => {
      state.running = false;
      runIfDue(db); // what was written meanwhile may make the next one due (after the pause)
    });
}

/** The engine's tables, analysed on PostgreSQL, where autovacuum keeps the others but lags a load. */
const ENGINE_TABLES = [
  'resource',
  'compartment',
  'sp_string',
  'sp_token',
  'sp_date',
  'sp_number',
  'sp_quantity',
  'sp_reference',
  'sp_uri',
  'sp_composite',
  // the event bus's tail (prepared) otherwise kept the plan it was given on a near-empty table
  // (read everything, then sort) while the table grew by every write
  'resource_event',
];

/**
 * The embedded database's own tables (the engine's, the server's and its modules'), largest first.
 * The system catalogs are left out: a whole-database ANALYZE sampled them too, for plans no
 * request makes.
 */
async function embeddedTables(db: SqlClient): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY c.relpages DESC, 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * ANALYZE now (the server does at every start); the next is due after it. The embedded database
 * has no autovacuum, so there every table is analysed: the server's and its modules' tables (care
 * relations, slots, notifications, the audit) grow too, and their prepared statements would keep
 * the plans of their empty start for as long as the process runs. Analysing the whole embedded
 * database costs about what the engine's tables alone do (0.3–0.6 s at 8,000 patients). There
 * each table is its own statement: PGlite runs one statement at a time on the server's thread, and
 * one ANALYZE of the whole database held every other request's statements for its whole length.
 * Then the share of distinct token values is measured and, where ANALYZE's guess is far from it,
 * given to the planner (value-distinct.ts).
 */
export async function analyze(db: SqlClient): Promise<void> {
  const state = stateOf(db);
  const started = Date.now();
  try {
    if (db.dialect === 'pglite') {
      // a statement, not a script: a script makes the client forget its prepared statements
      for (const table of await embeddedTables(db)) await db.query(`ANALYZE ${table}`);
    } else {
      await db.exec(ENGINE_TABLES.map((table) => `ANALYZE ${table}`).join('; '));
    }
    // ANALYZE's count of distinct token values is a guess that a few codes skew: measured instead.
    // An optimisation: a refusal (a role that does not own the table) is counted, not thrown
    await tuneValueDistinct(db).then(
      (result) => {
        state.tokenValueDistinct = result;
      },
      () => {
        state.failures++;
      },
    );
  } catch (err) {
    state.failures++;
    throw err;
  } finally {
    state.runs++;
    state.seconds += (Date.now() - started) / 1000;
  }
  state.lastEnd = Date.now();
  state.lastDuration = state.lastEnd - started;
  state.due = Math.max(ANALYZE_AT_LEAST_EVERY, Math.round(ANALYZE_FRACTION * (await resourceCount(db))));
}

/** The planner's count of current resources, as the last ANALYZE left it. */
async function resourceCount(db: SqlClient): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'resource'::regclass",
  );
  return Number(rows[0]?.n ?? 0);
}
