import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { SqlClient } from './sql.ts';
import { analyze, analyzeStats, noteWrites } from './statistics.ts';

/** A database that counts the ANALYZE scripts it is sent and claims `resources` rows in `resource`. */
function countingDatabase(
  resources: () => number,
  whileAnalysing: () => void = () => undefined,
): SqlClient & { analyzed: number } {
  const db = {
    dialect: 'postgres' as const,
    analyzed: 0,
    async exec(script: string) {
      if (!script.startsWith('ANALYZE')) return;
      whileAnalysing();
      db.analyzed++;
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
  // the clock stands still unless a test moves it: an ANALYZE of the fakes below takes no time,
  // so the pause after one (a tenth of the time) is what the test makes it
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

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

  it('takes at most a tenth of the time: after an ANALYZE of d, the next waits 9·d, then runs unasked', async () => {
    const db = countingDatabase(
      () => 300,
      () => mock.timers.tick(200), // each ANALYZE takes 200 ms
    );
    noteWrites(db, 500);
    await settle();
    assert.equal(db.analyzed, 1);
    noteWrites(db, 5_000); // an import: due at once, but within 1.8 s of the last
    await settle();
    assert.equal(db.analyzed, 1, 'not back to back');
    mock.timers.tick(1_799);
    await settle();
    assert.equal(db.analyzed, 1);
    mock.timers.tick(1); // the pause is over: it runs though no write came since
    await settle();
    assert.equal(db.analyzed, 2);
    noteWrites(db, 499);
    mock.timers.tick(10_000);
    await settle();
    assert.equal(db.analyzed, 2, 'not due: nothing waits');
  });

  it('counts the runs, their time and their failures for /metrics, and a failure reaches no write', async () => {
    const db = countingDatabase(() => 300);
    await analyze(db);
    const refusing = {
      ...countingDatabase(() => 300),
      exec: () => Promise.reject(new Error('refused')),
    };
    noteWrites(refusing, 500);
    await settle();
    await settle();
    assert.deepEqual(
      { runs: analyzeStats(db).runs, failures: analyzeStats(db).failures },
      { runs: 1, failures: 0 },
    );
    assert.deepEqual(
      { runs: analyzeStats(refusing).runs, failures: analyzeStats(refusing).failures },
      { runs: 1, failures: 1 },
    );
  });

  it('counts a refused n_distinct option (a role that does not own the table) as a failure, not thrown', async () => {
    const statements: string[] = [];
    const db = {
      ...countingDatabase(() => 1_000_000),
      async query<Row>(text: string): Promise<{ rows: Row[] }> {
        statements.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        if (text.includes('relpages')) {
          // a million token rows, ANALYZE's guess one distinct value in 10,000
          return { rows: [{ rows: 1_000_000, pages: 10_000, nDistinct: 100, option: false }] as Row[] };
        }
        if (text.startsWith('WITH common')) return { rows: [{ sampled: 5_000, weight: 300 }] as Row[] };
        if (text.startsWith('ALTER')) throw new Error('must be owner of table sp_token');
        return { rows: [{ n: 1_000_000 }] as Row[] };
      },
    };
    await analyze(db);
    assert.ok(statements.includes('ALTER TABLE'), 'the measured share (0.06) was to be set');
    assert.deepEqual(
      { runs: analyzeStats(db).runs, failures: analyzeStats(db).failures },
      { runs: 1, failures: 1 },
    );
  });
});
