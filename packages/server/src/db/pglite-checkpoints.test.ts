import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SqlClient } from '@sahti/fhir';
import { embeddedMaintenance, openPglite } from './pglite.ts';

const MiB = 2 ** 20;
const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sahti-checkpoints-'));
  folders.push(dir);
  return dir;
};
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** The WAL segments in the folder (24 hexadecimal digits; not archive_status/ or summaries/). */
const segments = (dir: string) => readdirSync(join(dir, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f));

const position = async (db: SqlClient) =>
  (
    await db.query<{ lsn: string; redo: string; since_redo: number }>(
      `SELECT pg_current_wal_lsn()::text AS lsn, redo_lsn::text AS redo,
        pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 AS since_redo FROM pg_control_checkpoint()`,
    )
  ).rows[0];

const walBytes = async (db: SqlClient, from: string) =>
  Number(
    (
      await db.query<{ n: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS n', [
        from,
      ])
    ).rows[0].n,
  );

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the embedded database checkpoints while it runs', () => {
  it('keeps pg_wal bounded however much is written, and loses nothing', async () => {
    const dir = folder();
    const policy = { walBytes: 8 * MiB, everyMs: 3_600_000, checkEveryMs: 20 };
    const db = await openPglite(dir, { checkpoints: policy });
    await db.exec('CREATE TABLE t (id serial PRIMARY KEY, body text)');
    const start = (await position(db)).lsn;
    let rows = 0;
    while ((await walBytes(db, start)) < 240 * MiB) {
      await db.query(`INSERT INTO t (body) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 5000) g`);
      rows += 5000;
      await pause(25); // a server between requests: the timer gets its turn
    }
    await pause(100);
    const written = await walBytes(db, start);
    const stats = embeddedMaintenance(db)?.checkpoints;
    assert.ok(stats && stats.runs >= 10, `checkpoints: ${JSON.stringify(stats)}`);
    assert.equal(stats.failures, 0);
    assert.ok(stats.seconds > 0);
    // the redo point follows the writes: a crash would replay at most a checkpoint's distance
    assert.ok((await position(db)).since_redo < policy.walBytes + 8 * MiB);
    // without checkpoints every byte written stays (15 segments or more here); with them, what
    // PostgreSQL recycles for checkpoints this close (min_wal_size: 4 segments) and those since the
    // redo point
    const kept = segments(dir).length;
    assert.ok(written / (16 * MiB) >= 15, `written ${written}`);
    assert.ok(kept <= 9, `${kept} segments in pg_wal`);
    await db.close();

    const again = await openPglite(dir, { checkpoints: policy });
    assert.equal(
      (await again.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n,
      rows,
      'every row is there after the reopening',
    );
    await again.close();
  });

  it('checkpoints after a while if anything was written, and not again while nothing is', async () => {
    const db = await openPglite(folder(), {
      checkpoints: { walBytes: 1024 * MiB, everyMs: 150, checkEveryMs: 20 },
    });
    const stats = embeddedMaintenance(db)?.checkpoints;
    assert.ok(stats);
    await db.exec('CREATE TABLE t (n int)');
    await db.query('INSERT INTO t VALUES (1)');
    const redo = (await position(db)).redo;
    await pause(400);
    assert.ok(stats.runs >= 1, 'a write, then the time bound: a checkpoint');
    assert.notEqual((await position(db)).redo, redo, 'the redo point moved');
    const runs = stats.runs;
    await pause(500);
    assert.equal(stats.runs, runs, 'nothing written since: no checkpoint');
    await db.query('INSERT INTO t VALUES (2)');
    await pause(400);
    assert.equal(stats.runs, runs + 1, 'one write: one more');
    await db.close();
  });

  it('makes new WAL segments without leaving buffers behind', async () => {
    // Filling a new segment with zeros went through Emscripten's pwritev, which gathers each 1 MB
    // of zeros into a new JavaScript buffer: 16 MB of garbage per segment, 16–64 MB after a
    // statement like this one (the embedded server's spikes at full volume).
    const db = await openPglite(folder(), {
      checkpoints: { walBytes: 1024 * MiB, everyMs: 3_600_000, checkEveryMs: 1_000 },
    });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, body text)');
    const start = (await position(db)).lsn;
    const before = process.memoryUsage().arrayBuffers;
    await db.query(`INSERT INTO t SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 250000) g`);
    const grown = process.memoryUsage().arrayBuffers - before;
    const written = await walBytes(db, start);
    await db.close();
    assert.ok(written >= 48 * MiB, `the statement wrote ${written} bytes of WAL: three segments or more`);
    assert.ok(grown < 8 * MiB, `buffers grew by ${(grown / MiB).toFixed(1)} MiB`);
  });

  it('stops with the database: no statement after close', async () => {
    const db = await openPglite(undefined, { checkpoints: { walBytes: 1, everyMs: 1, checkEveryMs: 5 } });
    await db.query('SELECT 1');
    await db.close();
    const stats = embeddedMaintenance(db)?.checkpoints;
    const before = stats?.failures;
    await pause(60);
    assert.equal(stats?.failures, before, 'the timer stopped: nothing tried on a closed database');
  });
});
