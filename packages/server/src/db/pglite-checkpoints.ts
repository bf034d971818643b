/**
 * Checkpoints for the embedded database. PGlite runs PostgreSQL as one process, without the
 * checkpointer a server has: the single backend checkpoints only when it is closed (or told to), so
 * while the server runs, every byte of WAL it writes stays in `pg_wal` — a folder that grows
 * without bound (3.3 GB after 1.4 GB of rows were written, `max_wal_size` notwithstanding: only a
 * server's checkpointer obeys it), and a crash replays all of it at the next start. Here the server
 * does the checkpointer's job: it looks at the WAL written since the last checkpoint's redo point
 * every second, and checkpoints once that reaches `walBytes` (PostgreSQL's `max_wal_size` trigger),
 * or once `everyMs` has passed with anything written (its `checkpoint_timeout`). PostgreSQL then
 * recycles or removes the segments before the new redo point, keeping as many as the start
 * parameters below allow. Measured in docs/performance.md, *The embedded database's checkpoints and vacuum*.
 */
export interface CheckpointPolicy {
  /** WAL written since the last checkpoint's redo point that calls for the next one. */
  walBytes: number;
  /** Time after which anything written calls for a checkpoint (a bound on recovery after a crash). */
  everyMs: number;
  /** How often the WAL written is looked at. */
  checkEveryMs: number;
}

export const EMBEDDED_CHECKPOINTS: CheckpointPolicy = {
  walBytes: 64 * 2 ** 20,
  everyMs: 5 * 60_000,
  checkEveryMs: 1_000,
};

/**
 * What PostgreSQL keeps of `pg_wal` after a checkpoint: segments are recycled (renamed for reuse) up
 * to about twice the distance between checkpoints, within these bounds, and the others removed. The
 * defaults (80 MB, 1 GB) are a server's; at a checkpoint every 64 MB the embedded folder keeps about
 * 190 MB (97 MB at every 32 MB, but each checkpoint holds the one connection ~35 ms, and twice as
 * many of them raised an update's p99 at full volume by 12–16 ms). A folder left with a gigabyte of
 * recycled segments by an older version shrinks as WAL is written: a segment made ahead of time is
 * used, then removed rather than recycled (64 segments, 6 after 1.2 GB of writes).
 *
 * A new segment is not filled with zeros (`wal_init_zero`): PostgreSQL writes them 1 MB at a time as
 * 128 blocks in one `pwritev`, and Emscripten's `pwritev` gathers its blocks into a new 1 MB
 * JavaScript buffer before writing — 16 MB of garbage per segment, which piles up until the
 * collector's limit for memory outside its heap is crossed (a throwaway statement writing WAL left
 * 16–64 MB of such buffers behind; the vacuum rounds' memory spikes at full volume). Without it PostgreSQL writes the segment's
 * last byte and the file system allocates the rest as it is written, which is what the setting is
 * for (file systems where zeros buy nothing); WAL records are written and synced as before.
 */
export const EMBEDDED_WAL_PARAMS = [
  '-c',
  'min_wal_size=64MB',
  '-c',
  'max_wal_size=192MB',
  '-c',
  'wal_init_zero=off',
];

/** What this process's checkpoints or vacuums did on one embedded database, for /metrics. */
export interface MaintenanceStats {
  /** Statements that succeeded (checkpoints, tables vacuumed). */
  runs: number;
  failures: number;
  /** Time they held the one connection, seconds. */
  seconds: number;
}

interface WalPosition {
  /** WAL written since the last checkpoint's redo point, bytes. */
  since_redo: number;
  /** The current write position, as text (`0/16EF920`). */
  lsn: string;
}

const WAL_POSITION = `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 AS since_redo,
  pg_current_wal_lsn()::text AS lsn FROM pg_control_checkpoint()`;

export interface Checkpointer {
  readonly stats: MaintenanceStats;
  /** Stops looking (before the database is closed, which checkpoints one last time itself). */
  stop(): void;
}

/**
 * Runs one statement alone on the embedded database, outside any transaction (pglite.ts): its rows,
 * and how long it held the database — from when it had the database to itself, not counting the
 * wait behind a transaction (an import's bundle holds it most of a second).
 */
export type RunAlone = <Row>(text: string) => Promise<{ rows: Row[]; heldMs: number }>;

/** Starts checking the WAL on a timer that never keeps the process alive. */
export function startCheckpoints(
  run: RunAlone,
  policy: CheckpointPolicy = EMBEDDED_CHECKPOINTS,
): Checkpointer {
  const stats: MaintenanceStats = { runs: 0, failures: 0, seconds: 0 };
  let stopped = false;
  let busy = false;
  let lastAt = Date.now();
  /** The write position right after the last checkpoint: anything past it was written since. */
  let lastLsn: string | undefined;

  const check = async () => {
    const position = (await run<WalPosition>(WAL_POSITION)).rows[0];
    const written = lastLsn === undefined || position.lsn !== lastLsn;
    const due = position.since_redo >= policy.walBytes || (written && Date.now() - lastAt >= policy.everyMs);
    if (!due || stopped) return;
    try {
      stats.seconds += (await run('CHECKPOINT')).heldMs / 1000;
      stats.runs += 1;
    } catch (err) {
      stats.failures += 1;
      throw err;
    } finally {
      lastAt = Date.now();
    }
    lastLsn = (await run<WalPosition>(WAL_POSITION)).rows[0].lsn;
  };

  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    check()
      .catch(() => undefined) // a failed checkpoint is counted above; the next look tries again
      .finally(() => {
        busy = false;
      });
  }, policy.checkEveryMs);
  timer.unref();
  return {
    stats,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
