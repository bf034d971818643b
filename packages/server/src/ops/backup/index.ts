/**
 * `npm run backup` / `npm run restore` (scripts/backup.ts, scripts/restore.ts): one file holding the
 * whole database of either backend. The file's first bytes say which backend wrote it; a backup
 * restores into the same kind of database it came from.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { EMBEDDED_MAGIC } from './embedded.ts';
import { SERVER_MAGIC } from './server.ts';

export { type BackupContents, countContents, describeContents } from './contents.ts';
export { backupEmbedded, type EmbeddedRestore, restoreEmbedded } from './embedded.ts';
export { backupServer, restoreServer, type ServerRestore } from './server.ts';

export type BackupKind = 'pglite' | 'postgres';

/** Which backend wrote a backup file (pg_dump custom format, or PGlite's gzipped data folder). */
export function backupKind(file: string): BackupKind {
  const head = Buffer.alloc(5);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 5, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(0, 5).equals(SERVER_MAGIC)) return 'postgres';
  if (head.subarray(0, 2).equals(EMBEDDED_MAGIC)) return 'pglite';
  throw new Error(
    `${file} is not a Sahti backup (neither a pg_dump custom-format file nor a PGlite data folder)`,
  );
}
