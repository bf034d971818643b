import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import { openPglite } from './pglite.ts';
import { pgliteStatements } from './pglite-statements.ts';
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

  it('past its limit of names, runs a text asked to be prepared unnamed, with the same results', async () => {
    const pg = await PGlite.create();
    const statements = pgliteStatements(pg, statementNames(1));
    const run = (text: string, v: number) =>
      statements.run<{ v: number }>(text, [v], { prepared: true, inTransaction: false });
    assert.deepEqual((await run('SELECT $1::int AS v', 1)).rows, [{ v: 1 }]);
    assert.deepEqual((await run('SELECT $1::int AS v', 2)).rows, [{ v: 2 }]);
    for (const v of [1, 2]) assert.deepEqual((await run('SELECT $1::int + 1 AS v', v)).rows, [{ v: v + 1 }]);
    const names = await pg.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
    assert.deepEqual(
      names.rows.map((row) => row.name),
      ['sahti_1'],
    );
    await pg.close();
  });
});

describe('any other statement on the embedded database', () => {
  let db: SqlClient;
  before(async () => {
    db = await openPglite(undefined);
    await db.exec('CREATE TABLE u (id text PRIMARY KEY, n int, doc jsonb)');
  });
  after(async () => {
    await db.close();
  });

  it('gives the same rows the first time a text is seen and after, whatever the values', async () => {
    const insert = 'INSERT INTO u VALUES ($1::text, $2::int, $3::jsonb) RETURNING id, n, doc';
    for (let i = 0; i < 3; i++) {
      const row = { id: `u${i}`, n: i, doc: { name: [{ family: 'الإدريسي', given: ['Aïcha'] }], i } };
      const result = await db.query(insert, [row.id, row.n, JSON.stringify(row.doc)]);
      assert.deepEqual(result, { rows: [row], affectedRows: 1 });
    }
    const byRange = 'SELECT id FROM u WHERE n >= $1::int AND n < $2::int ORDER BY id';
    assert.deepEqual((await db.query(byRange, [1, 3])).rows, [{ id: 'u1' }, { id: 'u2' }]);
    assert.deepEqual((await db.query(byRange, [0, 1])).rows, [{ id: 'u0' }]);
    assert.deepEqual((await db.query(byRange, [5, 9])).rows, []);
  });

  it('learns a text again after a script or a statement changed the types of its parameters', async () => {
    const byN = 'SELECT id FROM u WHERE n = $1 ORDER BY id';
    assert.deepEqual((await db.query(byN, [1])).rows, [{ id: 'u1' }]);
    await db.exec("ALTER TABLE u ALTER COLUMN n TYPE text USING 'n' || n");
    assert.deepEqual((await db.query(byN, ['n1'])).rows, [{ id: 'u1' }]);
    await db.exec('ALTER TABLE u ALTER COLUMN n TYPE int USING substr(n, 2)::int');
    assert.deepEqual((await db.query(byN, [1])).rows, [{ id: 'u1' }]);
    // a migration changes the schema with statements in a transaction, not with a script
    await db.transaction(async (tx) => {
      await tx.query("ALTER TABLE u ALTER COLUMN n TYPE text USING 'n' || n");
    });
    assert.deepEqual((await db.query(byN, ['n1'])).rows, [{ id: 'u1' }]);
    await db.transaction((tx) => tx.query('ALTER TABLE u ALTER COLUMN n TYPE int USING substr(n, 2)::int'));
  });

  it('inside a transaction: commits together, rolls back together, and fails at once when over', async () => {
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM u')).rows[0].n;
    const before = await count();
    const insert = 'INSERT INTO u (id, n) VALUES ($1::text, $2::int)';
    await db.transaction(async (tx) => {
      await tx.query(insert, ['t1', 10]);
      await tx.query(insert, ['t2', 11], { prepared: true });
      assert.equal(
        (await tx.query('SELECT id FROM u WHERE id = $1::text', ['t2'], { prepared: true })).rows.length,
        1,
      );
    });
    assert.equal(await count(), before + 2);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, ['t3', 12]);
        await tx.query(insert, ['t1', 13], { prepared: true }); // already there
      }),
      { code: '23505' },
    );
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, ['t4', 14]);
        await tx.query(insert, ['t5', 'not a number']);
      }),
      { code: '22P02' },
    );
    assert.equal(await count(), before + 2);
    let kept: SqlExecutor | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
    });
    await assert.rejects(kept!.query(insert, ['t6', 16]), /the transaction is over/);
    assert.equal(await count(), before + 2);
  });
});
