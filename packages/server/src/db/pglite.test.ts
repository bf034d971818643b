import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlClient } from '@sahti/fhir';
import { openPglite } from './pglite.ts';

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
