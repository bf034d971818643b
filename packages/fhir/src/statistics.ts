/**
 * Planner statistics. PGlite runs without autovacuum, so an embedded database never learns its
 * tables' sizes, and PostgreSQL's autovacuum lags a bulk import: plans stay those of empty tables
 * (a code search scanning a third of the observations instead of one patient's ten). The store
 * therefore runs ANALYZE itself in the background after every few thousand written resources, or
 * once half as many resources as it counted at the last ANALYZE have been written if that is more:
 * a national load is not sampled again every few thousand resources (each ANALYZE sorts a sample
 * of every index table), and the planner scales the row counts it learnt by the tables' sizes now.
 */
import type { SqlClient } from './sql.ts';

const ANALYZE_EVERY = 5_000;
/** Of the resources there were at the last ANALYZE: written since, the next one is due. */
const ANALYZE_FRACTION = 0.5;

interface State {
  sinceLast: number;
  running: boolean;
  /** Written resources after which the next ANALYZE is due. */
  due: number;
}

const states = new WeakMap<SqlClient, State>();

export function noteWrites(db: SqlClient, resources: number): void {
  let state = states.get(db);
  if (!state) {
    state = { sinceLast: 0, running: false, due: ANALYZE_EVERY };
    states.set(db, state);
  }
  state.sinceLast += resources;
  if (state.sinceLast < state.due || state.running) return;
  state.sinceLast = 0;
  state.running = true;
  const s = state;
  analyze(db)
    .then(async () => {
      s.due = Math.max(ANALYZE_EVERY, Math.round(ANALYZE_FRACTION * (await resourceCount(db))));
    })
    .catch(() => undefined) // statistics are an optimisation: a failure must not reach a request
    .finally(() => {
      s.running = false;
    });
}

export async function analyze(db: SqlClient): Promise<void> {
  await db.exec(
    'ANALYZE resource; ANALYZE compartment; ANALYZE sp_string; ANALYZE sp_token; ANALYZE sp_date; ANALYZE sp_number; ANALYZE sp_quantity; ANALYZE sp_reference; ANALYZE sp_uri; ANALYZE sp_composite',
  );
}

/** The planner's count of current resources, as the last ANALYZE left it. */
async function resourceCount(db: SqlClient): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'resource'::regclass",
  );
  return Number(rows[0]?.n ?? 0);
}
