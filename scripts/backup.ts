/**
 * `npm run backup [-- --out <file>]`: a consistent copy of the whole database — every schema the
 * platform uses, pg-boss's `pgboss` included — in one file. On a PostgreSQL server (DATABASE_URL)
 * it runs online with pg_dump (custom format); the embedded database (SAHTI_DATA_DIR) is copied
 * with PGlite's dumpDataDir and only while no server holds it. docs/operations.md, "Backup and
 * restore", is the procedure. Exit code 0 when the file is written, 1 otherwise.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '../packages/server/src/kernel/config.ts';
import { backupEmbedded, backupServer, describeContents } from '../packages/server/src/ops/backup/index.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const config = readConfig();
const kind = config.databaseUrl ? 'postgres' : 'pglite';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = resolve(
  values.out ?? join('backups', `sahti-${kind}-${stamp}.${kind === 'postgres' ? 'dump' : 'tar.gz'}`),
);
mkdirSync(dirname(file), { recursive: true });

try {
  const started = performance.now();
  const contents = config.databaseUrl
    ? await backupServer(config.databaseUrl, file)
    : await backupEmbedded(join(config.dataDir, 'pglite'), file);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `backup of the ${kind} database written to ${file} in ${seconds} s: ${describeContents(contents)}`,
  );
} catch (err) {
  console.error(`backup FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
}
