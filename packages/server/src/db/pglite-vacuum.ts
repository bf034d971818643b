/**
 * VACUUM for the embedded database. PGlite has no autovacuum, and nothing else vacuums it: the rows
 * an update replaces or a delete removes stay in their pages for ever (a table whose rows were all
 * updated ten times took eleven times its size, none of it reused), the visibility map is never set
 * (so every index-only scan also reads the table), and no row is ever frozen (after two billion
 * transactions PostgreSQL would stop accepting writes). The server does autovacuum's job with its
 * default rules: a table is vacuumed once its dead rows reach 50 + 20 % of its rows, its rows
 * inserted since the last vacuum 1,000 + 20 %, or its oldest unfrozen transaction 200 million
 * transactions of age. Like the statistics job (`@sahti/fhir` statistics.ts), one statement per
 * table, so a request waits at most for one table's vacuum, and at most a tenth of the time: after a
 * round that held the database d, the next look waits nine times d if that is longer than the
 * usual interval. Measured in docs/performance.md, *The embedded database's checkpoints and vacuum*.
 */
import type { MaintenanceStats, RunAlone } from './pglite-checkpoints.ts';

export interface VacuumPolicy {
  /** How often the tables' counts are looked at (autovacuum's naptime is a minute). */
  lookEveryMs: number;
  /** Dead rows that call for a vacuum: threshold + scale × the table's rows. */
  deadThreshold: number;
  deadScale: number;
  /** Rows inserted since the last vacuum that call for one (visibility map, freezing). */
  insertThreshold: number;
  insertScale: number;
  /** Age of the table's oldest unfrozen transaction id that calls for one. */
  freezeAge: number;
}

/** PostgreSQL's autovacuum defaults. */
export const EMBEDDED_VACUUM: VacuumPolicy = {
  lookEveryMs: 60_000,
  deadThreshold: 50,
  deadScale: 0.2,
  insertThreshold: 1_000,
  insertScale: 0.2,
  freezeAge: 200_000_000,
};

/** The largest share of the time the vacuums may take (as the statistics job's ANALYZE). */
const VACUUM_MAX_SHARE = 0.1;

/** The tables due, most dead rows first. The counts are this process's since the database opened. */
const dueTables = (p: VacuumPolicy) => `SELECT format('%I.%I', s.schemaname, s.relname) AS name
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   WHERE s.n_dead_tup >= ${p.deadThreshold} + ${p.deadScale} * GREATEST(c.reltuples, 0)
      OR s.n_ins_since_vacuum >= ${p.insertThreshold} + ${p.insertScale} * GREATEST(c.reltuples, 0)
      OR age(c.relfrozenxid) >= ${p.freezeAge}
   ORDER BY s.n_dead_tup DESC, 1`;

export interface Vacuumer {
  readonly stats: MaintenanceStats;
  stop(): void;
}

/** Starts looking for tables to vacuum on a timer that never keeps the process alive. */
export function startVacuums(run: RunAlone, policy: VacuumPolicy = EMBEDDED_VACUUM): Vacuumer {
  const stats: MaintenanceStats = { runs: 0, failures: 0, seconds: 0 };
  const query = dueTables(policy);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const round = async (): Promise<number> => {
    let held = 0;
    const { rows } = await run<{ name: string }>(query);
    for (const { name } of rows) {
      if (stopped) break;
      try {
        held += (await run(`VACUUM ${name}`)).heldMs;
        stats.runs += 1;
      } catch {
        stats.failures += 1; // a table dropped meanwhile, a closed database: the next round looks again
      }
    }
    stats.seconds += held / 1000;
    return held;
  };

  const next = (afterMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      round()
        .catch(() => 0)
        .then((held) => next(Math.max(policy.lookEveryMs, held * (1 / VACUUM_MAX_SHARE - 1))));
    }, afterMs);
    timer.unref();
  };
  next(policy.lookEveryMs);
  return {
    stats,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
