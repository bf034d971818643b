import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlClient } from './sql.ts';
import { analyze, noteWrites } from './statistics.ts';

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
  it('samples a young database again every 500 written resources', async () => {
    const db = countingDatabase(() => 300); // half of it is less than 500
    noteWrites(db, 499);
    await settle();
    assert.equal(db.analyzed, 0);
    noteWrites(db, 1);
    await settle();
    assert.equal(db.analyzed, 1);
    noteWrites(db, 500);
    await settle();
    assert.equal(db.analyzed, 2);
  });

  it('waits for half of what the last ANALYZE counted once that is more (a national load)', async () => {
    const db = countingDatabase(() => 80_000);
    noteWrites(db, 500); // the first: then 80,000 resources counted, the next due after 40,000
    await settle();
    assert.equal(db.analyzed, 1);
    for (let i = 0; i < 7; i++) noteWrites(db, 5_000);
    await settle();
    assert.equal(db.analyzed, 1, '35,000 written: not yet');
    noteWrites(db, 5_000);
    await settle();
    assert.equal(db.analyzed, 2);
  });

  it('counts from the ANALYZE the server runs at start', async () => {
    const db = countingDatabase(() => 80_000);
    await analyze(db);
    noteWrites(db, 39_999);
    await settle();
    assert.equal(db.analyzed, 1, 'a restarted national database is not sampled again after 500 writes');
    noteWrites(db, 1);
    await settle();
    assert.equal(db.analyzed, 2);
  });
});
