import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlClient } from '@sahti/fhir';
import { openDatabase } from './index.ts';
import { EMBEDDED_SHARED_BUFFERS, openPglite } from './pglite.ts';

describe('the embedded database refuses a statement that would wait for its own transaction', () => {
  let db: SqlClient;
  before(async () => {
    db = await openPglite(undefined);
  });
  after(async () => {
    await db.close();
  });

  it('a statement, a script or a transaction on the client from inside a transaction fails at once', async () => {
    await db.exec('CREATE TABLE t (n int)');
    for (const misuse of [
      () => db.query('SELECT 1'),
      () => db.exec('SELECT 1'),
      () => db.transaction(async (tx) => tx.query('SELECT 1')),
    ]) {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          await misuse();
        }),
        /from inside one of its own transactions would wait forever/,
      );
    }
    // each transaction rolled back; the client works after it, and from a callback run later
    assert.equal((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM t')).rows[0].n, '0');
    let later: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (2)');
      later = new Promise((resolve) => setTimeout(resolve, 10)).then(() => db.query('SELECT n FROM t'));
    });
    assert.deepEqual(((await later) as { rows: unknown[] }).rows, [{ n: 2 }]);
  });
});

describe('long text parameters reach the embedded database as the same values', () => {
  let db: SqlClient;
  before(async () => {
    db = await openPglite(undefined);
  });
  after(async () => {
    await db.close();
  });

  it('text, varchar, json and jsonb of any length, in Arabic and French, with escapes, in and out of a transaction', async () => {
    const resource = (n: number) => ({
      resourceType: 'Patient',
      name: [{ family: 'الإدريسي', given: ['Aïcha'] }],
      note: [{ text: `« ligne »\n\t"quoted" \\ back ${'é'.repeat(n)} 😀` }],
    });
    await db.exec('CREATE TABLE docs (t text, v varchar, j json, b jsonb)');
    for (const n of [10, 5_000, 200_000]) {
      const json = JSON.stringify(resource(n));
      const text = `${'ب'.repeat(n)}😀 fin`;
      const insert = 'INSERT INTO docs VALUES ($1::text, $2::varchar, $3::json, $4::jsonb)';
      await db.query(insert, [text, text, json, json]);
      await db.transaction((tx) => tx.query(insert, [text, text, json, json]));
      const rows = (
        await db.query<{ t: string; v: string; j: unknown; b: unknown; tl: number; jt: string }>(
          'SELECT t, v, j, b, length(t) AS tl, j::text AS jt FROM docs',
        )
      ).rows;
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.t, text);
        assert.equal(row.v, text);
        assert.equal(row.tl, [...text].length); // characters, not bytes: decoded as UTF-8 by the server
        assert.equal(row.jt, json); // json keeps the text as sent
        assert.deepEqual(row.j, resource(n));
        assert.deepEqual(row.b, resource(n));
      }
      // the server reads what it was given: functions of the values see the same document
      const checked = await db.query<{ family: string; ok: boolean }>(
        "SELECT $1::jsonb #>> '{name,0,family}' AS family, $1::jsonb = $2::json::jsonb AS ok",
        [json, json],
      );
      assert.deepEqual(checked.rows[0], { family: 'الإدريسي', ok: true });
      await db.exec('DELETE FROM docs');
    }
    // a long string that is not valid for its type is refused by the server, as before
    await assert.rejects(
      db.query('SELECT $1::json', [`{${'x'.repeat(5_000)}`]),
      /invalid input syntax for type json/,
    );
  });
});

describe('the embedded buffer pool', () => {
  const pool = async (db: SqlClient) =>
    (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers;

  it(`is ${EMBEDDED_SHARED_BUFFERS} unless told, and the size given otherwise`, async () => {
    const byDefault = await openPglite(undefined);
    const given = await openPglite(undefined, { sharedBuffers: '48MB' });
    try {
      assert.equal(await pool(byDefault), EMBEDDED_SHARED_BUFFERS);
      assert.equal(await pool(given), '48MB');
    } finally {
      await byDefault.close();
      await given.close();
    }
  });

  it('openDatabase passes the configured size on', async () => {
    const db = await openDatabase({ embeddedSharedBuffers: '40MB' });
    try {
      assert.equal(await pool(db), '40MB');
    } finally {
      await db.close();
    }
  });
});
