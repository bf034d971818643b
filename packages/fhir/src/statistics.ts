/**
 * Planner statistics. PGlite runs without autovacuum, so an embedded database never learns its
 * tables' sizes, and PostgreSQL's autovacuum lags a bulk import: plans stay those of empty tables
 * (a code search scanning a third of the observations instead of one patient's ten). The store
 * therefore runs ANALYZE itself after every few thousand written resources, in the background.
 */
import type { SqlClient } from './sql.ts';

const ANALYZE_EVERY = 5_000;

interface State {
  sinceLast: number;
  running: boolean;
}

const states = new WeakMap<SqlClient, State>();

export function noteWrites(db: SqlClient, resources: number): void {
  let state = states.get(db);
  if (!state) {
    state = { sinceLast: 0, running: false };
    states.set(db, state);
  }
  state.sinceLast += resources;
  if (state.sinceLast < ANALYZE_EVERY || state.running) return;
  state.sinceLast = 0;
  state.running = true;
  const s = state;
  analyze(db)
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
