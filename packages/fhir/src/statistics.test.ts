import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlClient } from './sql.ts';
import { noteWrites } from './statistics.ts';

/** A database that counts the ANALYZE scripts it is sent and claims `resources` rows in `resource`. */
function countingDatabase(resources: () => number): SqlClient & { analyzed: number } {
  const db = {
    dialect: 'postgres' as const,
    analyzed: 0,
    async exec(script: string) {
      if (script.startsWith('ANALYZE')) db.analyzed++;
    },
    async query<Row>() {
      return { rows: [{ n: resources() }] as Row[] };
    },
    transaction: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
  return db;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('planner statistics during writes', () => {
  it('analyzes every 5,000 written resources while the database is small', async () => {
    const db = countingDatabase(() => 8_000); // half of it is less than 5,000
    noteWrites(db, 4_999);
    await settle();
    assert.equal(db.analyzed, 0);
    noteWrites(db, 1);
    await settle();
    assert.equal(db.analyzed, 1);
    noteWrites(db, 5_000);
    await settle();
    assert.equal(db.analyzed, 2);
  });

  it('waits for half of what the last ANALYZE counted once that is more (a national load)', async () => {
    const db = countingDatabase(() => 80_000);
    noteWrites(db, 5_000); // the first: then 80,000 resources counted, the next due after 40,000
    await settle();
    assert.equal(db.analyzed, 1);
    for (let i = 0; i < 7; i++) noteWrites(db, 5_000);
    await settle();
    assert.equal(db.analyzed, 1, '35,000 written: not yet');
    noteWrites(db, 5_000);
    await settle();
    assert.equal(db.analyzed, 2);
  });
});
