/**
 * `npm run restore -- <file> [--force]`: puts a backup of `npm run backup` into the configured
 * database (DATABASE_URL, else the embedded one under SAHTI_DATA_DIR), which must be empty —
 * `--force` replaces a non-empty one (PostgreSQL: its schemas are dropped; embedded: the folder is
 * set aside, not deleted). Refused while a server uses the database. A backup goes back into the
 * kind of database it came from. Exit code 0 when restored, 1 when refused or failed, 2 on usage.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '../packages/server/src/kernel/config.ts';
import {
  backupKind,
  describeContents,
  restoreEmbedded,
  restoreServer,
} from '../packages/server/src/ops/backup/index.ts';

const { values, positionals } = parseArgs({
  options: { force: { type: 'boolean' } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error('usage: npm run restore -- <backup file> [--force]');
  process.exit(2);
}
const file = resolve(positionals[0]);
const config = readConfig();

try {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const kind = backupKind(file);
  const target = config.databaseUrl ? 'postgres' : 'pglite';
  if (kind !== target) {
    throw new Error(
      kind === 'pglite'
        ? 'this is a backup of the embedded database: restore it with SAHTI_DATA_DIR set and DATABASE_URL unset'
        : 'this is a backup of a PostgreSQL server: restore it with DATABASE_URL set to an empty database',
    );
  }
  const started = performance.now();
  const force = values.force === true;
  if (config.databaseUrl) {
    const result = await restoreServer(file, config.databaseUrl, force);
    if (result.dropped.length > 0)
      console.log(`--force: dropped the schemas ${result.dropped.join(', ')} first`);
    report(result.contents);
  } else {
    const result = await restoreEmbedded(file, join(config.dataDir, 'pglite'), force);
    if (result.setAside) console.log(`--force: the database that was there is kept in ${result.setAside}`);
    report(result.contents);
  }

  function report(contents: Parameters<typeof describeContents>[0]): void {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `restored ${file} into the ${target} database in ${seconds} s: ${describeContents(contents)}`,
    );
    console.log('check the audit trail with: npm run audit:verify');
  }
} catch (err) {
  console.error(`restore REFUSED or FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
}
