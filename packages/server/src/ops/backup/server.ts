/**
 * Backup and restore on a PostgreSQL server, with pg_dump's custom format: the whole database
 * (every schema — `public`, pg-boss's `pgboss` — with its data, sequences, indexes and triggers).
 * The backup is online and consistent: pg_dump reads one snapshot, exported by a read-only
 * transaction that also counts what the backup holds. The restore goes into an empty database in
 * one transaction (all or nothing), without the source's owners and grants.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { type BackupContents, countContents } from './contents.ts';
import { connectionFor, findPgTool, run } from './pg-tools.ts';

export const SERVER_MAGIC = Buffer.from('PGDMP');

export async function backupServer(url: string, file: string): Promise<BackupContents> {
  const dump = await findPgTool('pg_dump');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await refuseOlderTool(client, dump.major, 'pg_dump');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    const contents = await countContents((text) => client.query(text));
    const connection = connectionFor(url);
    const partial = `${file}.partial`;
    try {
      await run(
        dump.path,
        ['--format=custom', `--snapshot=${snapshot}`, `--file=${partial}`, `--dbname=${connection.url}`],
        connection.env,
      );
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    renameSync(partial, file);
    await client.query('COMMIT');
    return contents;
  } finally {
    await client.end();
  }
}

export interface ServerRestore {
  contents: BackupContents;
  /** With --force, the schemas dropped first. */
  dropped: string[];
}

export async function restoreServer(file: string, url: string, force: boolean): Promise<ServerRestore> {
  const restore = await findPgTool('pg_restore');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await refuseOlderTool(client, restore.major, 'pg_restore');
    const others = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    if (others.rows[0].n > 0) {
      throw new Error(
        `${others.rows[0].n} other connection(s) to this database: stop the Sahti servers (and other clients) first`,
      );
    }
    const used = await usedSchemas(client);
    if (used.length > 0 && !force) {
      throw new Error(
        `the database is not empty (${used.map((s) => `${s.name}: ${s.relations} relations`).join(', ')}): restore into an empty database, or pass --force to drop these schemas first`,
      );
    }
    if (used.length > 0) {
      await client.query('BEGIN');
      for (const s of used) await client.query(`DROP SCHEMA ${pg.escapeIdentifier(s.name)} CASCADE`);
      await client.query('CREATE SCHEMA IF NOT EXISTS public');
      await client.query('COMMIT');
    }
    const connection = connectionFor(url);
    // the target has its own `public` schema: leave out the dump's entry for it, if any
    const list = (await run(restore.path, ['--list', file], connection.env))
      .split('\n')
      .filter((line) => !/^\d+; \d+ \d+ SCHEMA - public /.test(line))
      .join('\n');
    const listFile = `${file}.restore-list`;
    writeFileSync(listFile, list);
    try {
      await run(
        restore.path,
        [
          '--single-transaction',
          '--exit-on-error',
          '--no-owner',
          '--no-acl',
          `--use-list=${listFile}`,
          `--dbname=${connection.url}`,
          file,
        ],
        connection.env,
      );
    } finally {
      rmSync(listFile, { force: true });
    }
    const contents = await countContents((text) => client.query(text));
    return { contents, dropped: used.map((s) => s.name) };
  } finally {
    await client.end();
  }
}

/** Schemas holding anything besides PostgreSQL's own (an empty `public` does not count). */
async function usedSchemas(client: pg.Client): Promise<{ name: string; relations: number }[]> {
  const { rows } = await client.query<{ name: string; relations: number }>(
    `SELECT n.nspname AS name, count(c.oid)::int AS relations
       FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
      GROUP BY n.nspname ORDER BY n.nspname`,
  );
  return rows.filter((r) => r.name !== 'public' || r.relations > 0);
}

/** pg_dump and pg_restore read and write servers of their major version or older only. */
async function refuseOlderTool(client: pg.Client, toolMajor: number, tool: string): Promise<void> {
  const server = Number((await client.query<{ v: string }>('SHOW server_version_num')).rows[0].v);
  const serverMajor = Math.floor(server / 10000);
  if (toolMajor < serverMajor) {
    throw new Error(
      `${tool} ${toolMajor} cannot handle a PostgreSQL ${serverMajor} server: install the client tools of version ${serverMajor} or newer`,
    );
  }
}
