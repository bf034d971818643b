/**
 * A new, migrated platform database of the backend under test, with no server around it: for tests
 * of the engine as services use it (a store over it, its statistics). PGlite in memory, or a fresh
 * database on the test PostgreSQL server, dropped by close().
 */
import type { SqlClient } from '../../packages/fhir/src/index.ts';
import { openDatabase } from '../../packages/server/src/db/index.ts';
import { freshPostgresDatabase, testBackend } from './server.ts';

export async function newEngineDatabase(): Promise<{ db: SqlClient; close(): Promise<void> }> {
  const fresh = testBackend() === 'postgres' ? await freshPostgresDatabase() : undefined;
  const db = await openDatabase({ databaseUrl: fresh?.url });
  return {
    db,
    async close() {
      await db.close();
      await fresh?.drop();
    },
  };
}
