/**
 * Statements the engine asks to keep prepared (`{ prepared: true }`: one version's write, the
 * unique-identifier check, a read by id) are named statements on a PostgreSQL server: parsed once
 * per connection, one name per text for the whole pool, a bounded number of names, and still right
 * after the table changes under them or a failed transaction. On the embedded database the option
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlClient } from '../packages/fhir/src/index.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres, statementNames } from '../packages/server/src/db/postgres.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

describe('statements kept prepared', () => {
  let db: SqlClient;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    if (testBackend() === 'postgres') {
      const fresh = await freshPostgresDatabase();
      drop = fresh.drop;
      db = openPostgres(fresh.url, 1); // one connection: its session's prepared statements are visible
    } else db = await openPglite(undefined);
    await db.exec('CREATE TABLE thing (id text PRIMARY KEY, n int NOT NULL)');
  });
  after(async () => {
    await db?.close();
    await drop?.();
  });

  const prepared = async () =>
    db.dialect === 'postgres'
      ? (
          await db.query<{ name: string; statement: string }>(
            'SELECT name, statement FROM pg_prepared_statements',
          )
        ).rows
      : [];

  it('parses a text once and reuses it, in and out of transactions', async () => {
    const insert = 'INSERT INTO thing (id, n) VALUES ($1::text, $2::int)';
    await db.query(insert, ['a', 1], { prepared: true });
    await db.transaction((tx) => tx.query(insert, ['b', 2], { prepared: true }));
    const read = 'SELECT n FROM thing WHERE id = $1::text';
    assert.equal((await db.query<{ n: number }>(read, ['b'], { prepared: true })).rows[0].n, 2);
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 1);
    if (db.dialect !== 'postgres') return;
    const names = await prepared();
    assert.deepEqual(
      names.map((r) => r.statement).sort(),
      [insert, read].sort(),
      'two texts, two named statements — not one per call',
    );
    assert.ok(names.every((r) => /^sahti_\d+$/.test(r.name)));
    // an unprepared statement leaves nothing behind
    await db.query('SELECT count(*) FROM thing WHERE n > $1::int', [0]);
    assert.equal((await prepared()).length, 2);
  });

  it('stays right when the table changes under a prepared statement', async () => {
    const read = 'SELECT id, n FROM thing WHERE id = $1::text';
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 1);
    await db.exec('CREATE INDEX thing_n ON thing (n); ALTER TABLE thing ADD COLUMN note text');
    await db.query('UPDATE thing SET n = 10 WHERE id = $1::text', ['a']);
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 10);
  });

  it('a failed transaction neither breaks the statement nor leaves its write', async () => {
    const insert = 'INSERT INTO thing (id, n) VALUES ($1::text, $2::int)';
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, ['c', 3], { prepared: true });
        await tx.query(insert, ['c', 4], { prepared: true }); // duplicate key
      }),
      /duplicate key/,
    );
    await db.query(insert, ['d', 5], { prepared: true });
    const ids = (await db.query<{ id: string }>('SELECT id FROM thing ORDER BY id')).rows.map((r) => r.id);
    assert.deepEqual(ids, ['a', 'b', 'd']);
  });
});

describe('statement names', () => {
  it('one name per text, and none past the limit (then the text runs unnamed)', () => {
    const nameOf = statementNames(2);
    const a = nameOf('SELECT 1');
    assert.equal(nameOf('SELECT 1'), a);
    const b = nameOf('SELECT 2');
    assert.notEqual(a, b);
    assert.equal(nameOf('SELECT 3'), undefined);
    assert.equal(nameOf('SELECT 2'), b, 'names given before the limit stay');
  });
});
