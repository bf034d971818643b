/** Opens the configured database: a PostgreSQL server when DATABASE_URL is set, else PGlite. */
import { join } from 'node:path';
import { analyze, type Migration, migrate, type SqlClient } from '@sahti/fhir';
import { ACCESS_MIGRATIONS } from '../access/migrations.ts';
import { AUDIT_MIGRATIONS } from '../audit/migrations.ts';
import { AUTH_MIGRATIONS } from '../auth/migrations.ts';
import { NOTIFY_MIGRATIONS } from '../notify/migrations.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface DatabaseConfig {
  databaseUrl?: string;
  /** Folder for the embedded database; undefined means in memory (tests). */
  dataDir?: string;
  /** An in-memory database starts as a copy of this PGlite tarball (Config.embeddedTemplate). */
  template?: Blob;
  /** The embedded database's buffer pool (SAHTI_EMBEDDED_SHARED_BUFFERS); pglite.ts's default if unset. */
  embeddedSharedBuffers?: string;
  /** The modules' own migrations, applied after the server's. */
  migrations?: Migration[];
}

/** The server's own tables (accounts, audit…), versioned from 1000 up; modules bring theirs (2000 up). */
export const SERVER_MIGRATIONS: Migration[] = [
  ...AUTH_MIGRATIONS,
  ...ACCESS_MIGRATIONS,
  ...NOTIFY_MIGRATIONS,
  ...AUDIT_MIGRATIONS,
];

export async function openDatabase(config: DatabaseConfig): Promise<SqlClient> {
  const db = config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : await openPglite(config.dataDir ? join(config.dataDir, 'pglite') : undefined, {
        template: config.template,
        sharedBuffers: config.embeddedSharedBuffers,
      });
  await migrate(db, [...SERVER_MIGRATIONS, ...(config.migrations ?? [])]);
  // PGlite has no autovacuum: give the planner the tables' real sizes at every start
  await analyze(db);
  return db;
}
