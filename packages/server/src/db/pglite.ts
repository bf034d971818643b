/** The embedded default: PostgreSQL compiled to WASM, in-process, persisted to a folder. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { type SqlClient, type SqlExecutor, turnToEventLoop } from '@sahti/fhir';
import { claimEmbedded } from './owner.ts';
import {
  type CheckpointPolicy,
  EMBEDDED_WAL_PARAMS,
  type MaintenanceStats,
  startCheckpoints,
} from './pglite-checkpoints.ts';
import { pgliteModule } from './pglite-module.ts';
import { pgliteStatements } from './pglite-statements.ts';
import { startVacuums, type VacuumPolicy } from './pglite-vacuum.ts';

/** The instance behind each embedded client, for libraries that drive PGlite themselves (jobs/). */
const instances = new WeakMap<SqlClient, PGlite>();

export function embeddedInstance(db: SqlClient): PGlite | undefined {
  return instances.get(db);
}

/** Calls waiting for or holding the one connection (metrics; pg-boss's own statements not counted). */
const pending = new WeakMap<SqlClient, () => number>();

export function embeddedPending(db: SqlClient): number | undefined {
  return pending.get(db)?.();
}

/** The checkpoints and vacuums this process ran on each embedded client, for /metrics. */
export interface EmbeddedMaintenance {
  checkpoints: MaintenanceStats;
  vacuums: MaintenanceStats;
}

const maintenance = new WeakMap<SqlClient, EmbeddedMaintenance>();

export function embeddedMaintenance(db: SqlClient): EmbeddedMaintenance | undefined {
  return maintenance.get(db);
}

/**
 * The transaction the current async call chain runs inside, per client. PGlite is one connection:
 * a statement sent on the client (not on the transaction's executor) from inside one of its own
 * transactions waits for that transaction to end, which waits for the statement — forever. Such a
 * call is refused at once with its stack instead (a bug to fix at the caller, never a hang).
 */
const openTransactions = new AsyncLocalStorage<{ client: object; open: boolean }>();

export function refuseInsideOwnTransaction(client: object, what: string): void {
  const current = openTransactions.getStore();
  if (current?.open && current.client === client) {
    throw new Error(
      `${what} on the embedded database from inside one of its own transactions would wait forever: ` +
        'run it on the transaction, or after it',
    );
  }
}

const INITDB = fileURLToPath(new URL('./pglite-initdb.ts', import.meta.url));

/**
 * A new folder gets its cluster from a child process (pglite-initdb.ts). initdb is the embedded
 * engine's hungriest moment — the process peaks at about 1.1 GB (0.7 GB with npm start's
 * WebAssembly flags, which it is given), and WASM memory is never returned — while opening an
 * existing cluster costs about 350 MB. The cluster is made in a staging folder
 * and renamed into place, so an interrupted start leaves no half-made cluster behind.
 */
async function initializeAside(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION')) || readdirSync(dataDir).length > 0) return;
  const staging = `${dataDir.replace(/\/+$/, '')}.initdb-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    // the server's WebAssembly flags (npm start's compilation tiers), not its others (--inspect…)
    const wasmFlags = process.execArgv.filter((flag) => /wasm|liftoff/.test(flag));
    await promisify(execFile)(process.execPath, [...wasmFlags, INITDB, staging], { timeout: 300_000 });
    rmdirSync(dataDir);
    renameSync(staging, dataDir);
  } catch {
    // PGlite will run initdb in this process instead: slower on memory, same result
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
}

/**
 * The embedded database's buffer pool (PostgreSQL's `shared_buffers`). PGlite makes PostgreSQL's
 * shared memory inside its WebAssembly memory and writes all of it at start, so the whole pool is
 * resident from the first moment, whatever the data: PostgreSQL's default of 128 MB was a quarter
 * of the server's memory. Pages beyond the pool are read from the data folder, which the operating
 * system caches outside the process. SAHTI_EMBEDDED_SHARED_BUFFERS sets another size.
 */
export const EMBEDDED_SHARED_BUFFERS = '64MB';

/**
 * PGlite's start parameters with the buffer pool set (`32MB`, `256MB`… as PostgreSQL writes sizes)
 * and the WAL kept after a checkpoint bounded (pglite-checkpoints.ts).
 */
export function pgliteStartParams(sharedBuffers: string = EMBEDDED_SHARED_BUFFERS): string[] {
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`, ...EMBEDDED_WAL_PARAMS];
}

export interface EmbeddedOptions {
  /**
   * In memory only: a data-directory tarball from `dumpDataDir` to start from instead of running
   * initdb — a few times faster (tests start a server per file from one migrated cluster).
   */
  template?: Blob;
  /** The buffer pool's size; EMBEDDED_SHARED_BUFFERS unless given. */
  sharedBuffers?: string;
  /** When to checkpoint; EMBEDDED_CHECKPOINTS unless given (tests give smaller ones). */
  checkpoints?: CheckpointPolicy;
  /** When to vacuum; EMBEDDED_VACUUM unless given. */
  vacuum?: VacuumPolicy;
}

export async function openPglite(
  dataDir: string | undefined,
  options: EmbeddedOptions = {},
): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const release = dataDir ? claimEmbedded(dataDir) : () => undefined;
  if (dataDir) await initializeAside(dataDir);
  const { template, sharedBuffers } = options;
  const source = dataDir ? { dataDir } : template ? { loadDataDir: template } : {};
  const startParams = pgliteStartParams(sharedBuffers);
  const pg = await pgliteModule()
    .then((pgliteWasmModule) => PGlite.create({ ...source, pgliteWasmModule, startParams }))
    .catch((err) => {
      release();
      throw err;
    });
  let inFlight = 0;
  // PGlite runs on this thread and resolves its promises as microtasks: a loop of awaited
  // statements (an event dispatcher, a bulk job) would never let the event loop reach the
  // network, and requests — even /healthz — would wait for the loop to end. Each call therefore
  // returns through a macrotask, so waiting requests get their turn between statements.
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      await turnToEventLoop();
    }
  };
  const statements = pgliteStatements(pg);
  const client: SqlClient = {
    dialect: 'pglite',
    query: (text, params, options) => {
      refuseInsideOwnTransaction(pg, 'a statement');
      return counted(() =>
        statements.run(text, params, { prepared: options?.prepared, inTransaction: false }),
      );
    },
    // PGlite is one connection: its transaction() holds it exclusively until COMMIT/ROLLBACK
    transaction: (work) => {
      refuseInsideOwnTransaction(pg, 'a nested transaction');
      return counted(() =>
        pg.transaction(async () => {
          const current = { client: pg, open: true };
          const executor: SqlExecutor = {
            query: async (text, params, options) => {
              if (!current.open) throw new Error('the transaction is over: run the statement on the client');
              return statements.run(text, params, { prepared: options?.prepared, inTransaction: true });
            },
          };
          try {
            return await openTransactions.run(current, () => work(executor));
          } finally {
            current.open = false; // callbacks started inside and run later are free to use the client
          }
        }),
      );
    },
    exec: async (script) => {
      refuseInsideOwnTransaction(pg, 'a script');
      await counted(() => pg.exec(script));
      statements.forget(); // the script may have changed what a text's parameters are
    },
    close: () => {
      checkpointer.stop();
      vacuumer.stop();
      return pg.close().finally(release);
    },
  };
  // PGlite's one process has neither a checkpointer nor autovacuum: the server does their work, or
  // pg_wal and every updated table grow for ever. Each statement alone, timed from when it has the
  // database (not while it waits behind a transaction).
  const alone = <Row>(text: string) =>
    counted(() =>
      pg._runExclusiveTransaction(async () => {
        const started = performance.now();
        const { rows } = await statements.run<Row>(text, undefined, { inTransaction: true });
        return { rows, heldMs: performance.now() - started };
      }),
    );
  const checkpointer = startCheckpoints(alone, options.checkpoints);
  const vacuumer = startVacuums(alone, options.vacuum);
  maintenance.set(client, { checkpoints: checkpointer.stats, vacuums: vacuumer.stats });
  instances.set(client, pg);
  pending.set(client, () => inFlight);
  return client;
}
