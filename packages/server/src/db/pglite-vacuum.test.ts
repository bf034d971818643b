import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlClient } from '@sahti/fhir';
import { embeddedMaintenance, openPglite } from './pglite.ts';
import { EMBEDDED_VACUUM } from './pglite-vacuum.ts';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const table = async (db: SqlClient) =>
  (
    await db.query<{ bytes: number; vacuums: number; all_visible: number; pages: number }>(
      `SELECT pg_total_relation_size('t')::float8 AS bytes, s.vacuum_count::int AS vacuums,
              c.relallvisible::int AS all_visible, c.relpages::int AS pages
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 't'`,
    )
  ).rows[0];

/** A table of 5,000 rows, each row then replaced six times over (an index on a changed column). */
async function churn(db: SqlClient, between: () => Promise<void>) {
  await db.query('CREATE TABLE t (id int PRIMARY KEY, k text, body text)');
  await db.query('CREATE INDEX t_k ON t (k)');
  await db.query(`INSERT INTO t SELECT g, md5(g::text), repeat('x', 400) FROM generate_series(1, 5000) g`);
  await db.query('ANALYZE t');
  await between();
  const first = await table(db);
  for (let round = 0; round < 6; round++) {
    await db.query(`UPDATE t SET k = md5(k), body = body || 'y'`);
    await between();
  }
  return { first, last: await table(db) };
}

describe('the embedded database is vacuumed while it runs', () => {
  it('reuses the space of replaced rows, as autovacuum would', async () => {
    const db = await openPglite(undefined, { vacuum: { ...EMBEDDED_VACUUM, lookEveryMs: 20 } });
    // PostgreSQL publishes a backend's counts of dead rows at most once a second
    const { first, last } = await churn(db, () => pause(1_100));
    const stats = embeddedMaintenance(db)?.vacuums;
    assert.ok(stats && stats.runs >= 4, `vacuums: ${JSON.stringify(stats)}`);
    assert.equal(stats.failures, 0);
    assert.ok(last.vacuums >= 4, `the table was vacuumed ${last.vacuums} times`);
    // six more versions of every row: without vacuum seven times the table's size (the next test)
    assert.ok(last.bytes < 3 * first.bytes, `${last.bytes} bytes from ${first.bytes}`);
    // and the visibility map set: index-only scans need not read the table
    assert.ok(last.all_visible > 0, 'pages marked all-visible');
    await db.close();
  });

  it('without it (a look never due) the same churn keeps every version', async () => {
    const db = await openPglite(undefined, { vacuum: { ...EMBEDDED_VACUUM, lookEveryMs: 3_600_000 } });
    const { first, last } = await churn(db, async () => undefined);
    assert.equal(embeddedMaintenance(db)?.vacuums.runs, 0);
    assert.equal(last.vacuums, 0);
    assert.ok(last.bytes > 5 * first.bytes, `${last.bytes} bytes from ${first.bytes}`);
    await db.close();
  });

  it('leaves alone a table with few changes, and stops with the database', async () => {
    const db = await openPglite(undefined, { vacuum: { ...EMBEDDED_VACUUM, lookEveryMs: 20 } });
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
    await db.query('INSERT INTO t SELECT generate_series(1, 500)');
    await db.query('ANALYZE t');
    await db.query('DELETE FROM t WHERE id <= 100'); // 100 dead rows: under 50 + 20 % of 500
    await pause(150);
    assert.equal((await table(db)).vacuums, 0);
    await db.close();
    const runs = embeddedMaintenance(db)?.vacuums.runs;
    await pause(80);
    assert.equal(embeddedMaintenance(db)?.vacuums.runs, runs);
  });
});
