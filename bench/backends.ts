/**
 * The two database backends as the benchmark needs them: where the server keeps its data, where the
 * floor keeps its own, how to read query plans and sizes, and how to clean up.
 */
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import type { PlanQuery } from './explain.ts';
import { type FloorDb, openPgliteFloor, openPostgresFloor } from './floor.ts';
import type { ServerOptions } from './server-process.ts';

export interface Backend {
  name: 'pglite' | 'postgres';
  server: Omit<ServerOptions, 'logDir' | 'access'>;
  openFloor(connections: number): Promise<FloorDb>;
  /**
   * Runs `work` with a plan reader on the server's own database. For PGlite only once the server
   * has stopped: an embedded database has one owner at a time.
   */
  withPlans<T>(work: (query: PlanQuery) => Promise<T>): Promise<T>;
  plansWhileServing: boolean;
  /** PostgreSQL database names, to count their backends' CPU (none for PGlite: it is in-process). */
  databases?: { fhir: string; floor: string };
  /** PostgreSQL: the floor database's URL, for the floor behind HTTP (floor-http-server.ts). */
  floorUrl?: string;
  engineVersion(): Promise<string>;
  storage(): Promise<Storage>;
  dispose(keep: boolean): Promise<void>;
}

/**
 * What each side stores once stopped: its data, as PostgreSQL's `pg_database_size` counts it — the
 * write-ahead log apart. On PGlite the log is in the data folder, and its size says how long ago the
 * last checkpoint was, not what the rows cost: the server checkpoints every 64 MB of WAL
 * (db/pglite-checkpoints.ts), the floor's bare PGlite only when closed, keeping ~1 GB of recycled
 * segments at the full volume (945 MiB beside 832 MiB of data, 2026-12-06). Counted in the folder's
 * total, that log made the floor twice its size and the ratio look half of what it is.
 */
export interface Storage {
  fhirBytes: number;
  floorBytes: number;
  /** PGlite: the write-ahead log each folder keeps (`pg_wal`), not counted above. */
  wal?: { fhirBytes: number; floorBytes: number };
}

function folderBytes(dir: string, leaveOut?: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && (leaveOut === undefined || !path.startsWith(leaveOut)))
      total += statSync(path).size;
  }
  return total;
}

/** A folder holding a PGlite database in `database`: its data, and its write-ahead log apart. */
function pgliteBytes(dir: string, database: string): { data: number; wal: number } {
  const wal = join(database, 'pg_wal');
  return { data: folderBytes(dir, `${wal}/`), wal: folderBytes(wal) };
}

export function pgliteBackend(tmp: string): Backend {
  const serverDir = join(tmp, 'server');
  const floorDir = join(tmp, 'floor');
  return {
    name: 'pglite',
    server: { dataDir: serverDir },
    openFloor: () => openPgliteFloor(floorDir),
    plansWhileServing: false,
    async withPlans(work) {
      const db = await PGlite.create({ dataDir: join(serverDir, 'pglite') });
      try {
        return await work((text, params) => db.query<Record<string, unknown>>(text, params));
      } finally {
        await db.close();
      }
    },
    async engineVersion() {
      const db = await PGlite.create();
      const v = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
      await db.close();
      return `PGlite, PostgreSQL ${v} in WASM`;
    },
    async storage() {
      const fhir = pgliteBytes(serverDir, join(serverDir, 'pglite'));
      const floor = pgliteBytes(floorDir, floorDir);
      return {
        fhirBytes: fhir.data,
        floorBytes: floor.data,
        wal: { fhirBytes: fhir.wal, floorBytes: floor.wal },
      };
    },
    async dispose(keep) {
      if (!keep) await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** One throwaway server per benchmark run; each backend run gets two fresh databases on it. */
export async function postgresBackend(tmp: string, cluster: ThrowawayPostgres): Promise<Backend> {
  const suffix = Date.now().toString(36);
  const fhirDb = `bench_fhir_${suffix}`;
  const floorDb = `bench_floor_${suffix}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${fhirDb}`);
  await admin.query(`CREATE DATABASE ${floorDb}`);
  // a pathological plan at full volume runs for hours; capped, it shows as errors and the run goes on
  await admin.query(`ALTER DATABASE ${fhirDb} SET statement_timeout = '60s'`);
  const urlOf = (name: string): string => {
    const u = new URL(cluster.url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const size = async (name: string): Promise<number> =>
    Number((await admin.query('SELECT pg_database_size($1::text) AS n', [name])).rows[0].n);
  return {
    name: 'postgres',
    server: { databaseUrl: urlOf(fhirDb) },
    openFloor: (connections) => openPostgresFloor(urlOf(floorDb), connections),
    floorUrl: urlOf(floorDb),
    plansWhileServing: true,
    databases: { fhir: fhirDb, floor: floorDb },
    async withPlans(work) {
      const client = new pg.Client({ connectionString: urlOf(fhirDb) });
      await client.connect();
      try {
        // no ANALYZE here: the plans shown are those the server got, with whatever statistics
        // autovacuum had gathered by then
        return await work((text, params) => client.query(text, params));
      } finally {
        await client.end();
      }
    },
    async engineVersion() {
      return `PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version} server`;
    },
    async storage() {
      return { fhirBytes: await size(fhirDb), floorBytes: await size(floorDb) };
    },
    async dispose(keep) {
      if (!keep) {
        await admin.query(`DROP DATABASE IF EXISTS ${fhirDb} WITH (FORCE)`);
        await admin.query(`DROP DATABASE IF EXISTS ${floorDb} WITH (FORCE)`);
      }
      await admin.end();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export { startThrowawayPostgres };

/** One statement on a connection of its own (CREATE DATABASE cannot run in a pool's transaction). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
