/**
 * Backup and restore of the embedded database (PGlite): the whole data folder — every schema,
 * `public` and pg-boss's `pgboss` alike — as PGlite's own gzipped tarball (dumpDataDir), taken
 * from an instance this command opens itself. The folder has one owner at a time (db/owner.ts):
 * both commands refuse while the server holds it, because a copy taken under a live writer would
 * not be consistent and two writers corrupt the folder.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { claimEmbedded } from '../../db/owner.ts';
import { embeddedInstance, openPglite, pgliteStartParams } from '../../db/pglite.ts';
import { pgliteModule } from '../../db/pglite-module.ts';
import { readEmbeddedSharedBuffers } from '../../kernel/config.ts';
import { type BackupContents, countContents } from './contents.ts';

export const EMBEDDED_MAGIC = Buffer.from([0x1f, 0x8b]); // gzip

export async function backupEmbedded(dir: string, file: string): Promise<BackupContents> {
  if (!existsSync(`${dir}/PG_VERSION`))
    throw new Error(`no embedded database in ${dir} (check SAHTI_DATA_DIR)`);
  // claims the folder: refused while the server runs
  const db = await openPglite(dir, { sharedBuffers: readEmbeddedSharedBuffers() });
  try {
    const pg = embeddedInstance(db) as PGlite;
    const contents = await countContents((text) => db.query(text));
    await db.exec('CHECKPOINT'); // everything in the data files, nothing left to replay
    const tarball = await pg.dumpDataDir('gzip');
    const partial = `${file}.partial`;
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, file);
    return contents;
  } finally {
    await db.close();
  }
}

export interface EmbeddedRestore {
  contents: BackupContents;
  /** With --force, where the database that was there went. */
  setAside?: string;
}

export async function restoreEmbedded(file: string, dir: string, force: boolean): Promise<EmbeddedRestore> {
  const release = claimEmbedded(dir); // refused while the server holds the folder
  try {
    let setAside: string | undefined;
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      if (!force) {
        throw new Error(
          `${dir} is not empty: restore into an empty folder, or pass --force to set the current database aside`,
        );
      }
      setAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dir, setAside);
    } else if (existsSync(dir)) rmSync(dir, { recursive: true });
    const tarball = new File([readFileSync(file)], 'pglite.tar.gz', { type: 'application/x-gzip' });
    // the server's module and buffer pool: a restore peaks no higher than the server it precedes
    const pg = await PGlite.create({
      dataDir: dir,
      loadDataDir: tarball,
      pgliteWasmModule: await pgliteModule(),
      startParams: pgliteStartParams(readEmbeddedSharedBuffers()),
    });
    try {
      const contents = await countContents((text) => pg.query<Record<string, unknown>>(text));
      return { contents, setAside };
    } finally {
      await pg.close();
    }
  } finally {
    release();
  }
}
