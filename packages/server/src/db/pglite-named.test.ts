import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from '@sahti/fhir';
import { openPglite } from './pglite.ts';
import { namedStatements } from './pglite-named.ts';
import { statementNames } from './statement-names.ts';

const SELECT_ROW = `SELECT id, n, big, flag, tags, doc::text AS doc, at, bytes, $2::text AS echoed
  FROM t WHERE id = $1::text`;

describe('a statement kept prepared on the embedded database', () => {
  let db: SqlClient;
  before(async () => {
    db = await openPglite(undefined);
    await db.exec(`CREATE TABLE t (id text PRIMARY KEY, n int, big bigint, flag boolean, tags text[],
      doc json, at timestamptz, bytes bytea)`);
    await db.query(
      'INSERT INTO t VALUES ($1::text, $2::int, $3::bigint, $4::boolean, $5::text[], $6::json, $7::timestamptz, $8::bytea)',
      [
        'a',
        7,
        '9007199254740993',
        true,
        ['x', 'y "z"', 'é'],
        '{"k":"ن"}',
        '2026-12-04T10:00:00Z',
        Buffer.from([0, 1, 255]),
      ],
    );
    await db.query('INSERT INTO t (id) VALUES ($1::text)', ['b']);
  });
  after(async () => {
    await db.close();
  });

  it('gives what an unprepared statement gives, for every type and for nulls, again and again', async () => {
    for (const id of ['a', 'b', 'a', 'missing']) {
      const plain = await db.query(SELECT_ROW, [id, null]);
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await db.query(SELECT_ROW, [id, null], { prepared: true }), plain);
    }
    const [row] = (await db.query<Record<string, unknown>>(SELECT_ROW, ['a', 'écho'], { prepared: true }))
      .rows;
    assert.deepEqual(row.tags, ['x', 'y "z"', 'é']);
    assert.equal(row.echoed, 'écho');
    assert.deepEqual([...(row.bytes as Uint8Array)], [0, 1, 255]);
  });

  it('writes, and counts the rows it changed', async () => {
    const update = 'UPDATE t SET n = n + $2::int WHERE id = $1::text';
    assert.equal((await db.query(update, ['a', 1], { prepared: true })).affectedRows, 1);
    assert.equal((await db.query(update, ['nobody', 1], { prepared: true })).affectedRows, 0);
    assert.deepEqual((await db.query('SELECT n FROM t WHERE id = $1::text', ['a'])).rows, [{ n: 8 }]);
  });

  it('fails like any statement on bad SQL or a bad value, and the database works after', async () => {
    await assert.rejects(db.query('SELEC 1', [], { prepared: true }), { code: '42601' });
    const byBig = 'SELECT id FROM t WHERE big = $1::bigint';
    await assert.rejects(db.query(byBig, ['not a number'], { prepared: true }), { code: '22P02' });
    assert.deepEqual((await db.query(byBig, ['9007199254740993'], { prepared: true })).rows, [{ id: 'a' }]);
    assert.deepEqual((await db.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 2 }]);
  });

  it("never runs inside another caller's open transaction", async () => {
    const count = 'SELECT count(*)::int AS n FROM t WHERE id LIKE $1::text';
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1::text)', ['tx-1']);
      await held;
      await tx.query('DELETE FROM t WHERE id = $1::text', ['tx-1']);
    });
    // asked while the transaction holds the database: waits for its end, then sees it committed
    const seen = db.query<{ n: number }>(count, ['tx-%'], { prepared: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await writing;
    assert.deepEqual((await seen).rows, [{ n: 0 }]);
  });

  it('past its limit of names, leaves the text to the unprepared path', async () => {
    const pg = await PGlite.create();
    const runNamed = namedStatements(pg, statementNames(1));
    assert.deepEqual((await runNamed('SELECT $1::int AS v', [1], undefined))?.rows, [{ v: 1 }]);
    assert.deepEqual((await runNamed('SELECT $1::int AS v', [2], undefined))?.rows, [{ v: 2 }]);
    assert.equal(await runNamed('SELECT $1::int + 1 AS v', [1], undefined), undefined);
    await pg.close();
  });
});
