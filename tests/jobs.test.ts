/**
 * The job runner on both databases: transactional enqueue, retries with backoff, dead letters an
 * administrator sees and retries, delayed and scheduled jobs, deduplication, graceful stop — and on
 * PostgreSQL, several runners on one database: each job once, a killed worker's job taken over.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SqlClient } from '@sahti/fhir';
import { openDatabase } from '../packages/server/src/db/index.ts';
import {
  createJobRunner,
  type JobContext,
  type JobRunner,
  PermanentJobFailure,
  readJobSettings,
} from '../packages/server/src/jobs/index.ts';
import { type Person, signIn } from './support/people.ts';
import { freshPostgresDatabase, startTestServer, type TestServer, testBackend } from './support/server.ts';

const SETTINGS = {
  SAHTI_JOBS_POLL_SECONDS: '0.5',
  SAHTI_JOBS_SUPERVISE_SECONDS: '1',
  SAHTI_JOBS_STOP_SECONDS: '5',
};
Object.assign(process.env, SETTINGS);

let server: TestServer;
let jobs: JobRunner;
let admin: Person;

before(async () => {
  server = await startTestServer();
  jobs = server.platform.jobs;
  admin = await signIn(server, ['administrator']);
});
after(() => server?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs of a handler: payloads, contexts and times. */
function recorder<P>() {
  const runs: { payload: P; job: JobContext; at: number }[] = [];
  return {
    runs,
    handler: async (payload: P, job: JobContext) => void runs.push({ payload, job, at: Date.now() }),
  };
}

describe('enqueue inside the caller’s transaction', () => {
  it('runs a committed job once with its payload, and never one whose transaction rolled back', async () => {
    const echo = recorder<{ n: number }>();
    jobs.register('test.echo', echo.handler);
    await jobs.ready();
    await assert.rejects(
      server.platform.db.transaction(async (tx) => {
        await jobs.enqueue(tx, 'test.echo', { n: 1 });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    const id = await server.platform.db.transaction((tx) => jobs.enqueue(tx, 'test.echo', { n: 2 }));
    await until('the committed job', () => echo.runs.length > 0);
    await sleep(1500);
    assert.deepEqual(
      echo.runs.map((r) => [r.payload, r.job.id, r.job.attempt]),
      [[{ n: 2 }, id, 1]],
    );
  });

  it('refuses a job name nobody registered', async () => {
    await assert.rejects(
      server.platform.db.transaction((tx) => jobs.enqueue(tx, 'test.unknown', {})),
      /no job named "test.unknown"/,
    );
  });

  it('creates one job per key, whatever the number of enqueues', async () => {
    const once = recorder<{ n: number }>();
    jobs.register('test.once', once.handler);
    await jobs.ready();
    const first = await server.platform.db.transaction((tx) =>
      jobs.enqueue(tx, 'test.once', { n: 1 }, { key: 'appointment/42' }),
    );
    const second = await server.platform.db.transaction((tx) =>
      jobs.enqueue(tx, 'test.once', { n: 2 }, { key: 'appointment/42' }),
    );
    assert.equal(second, first);
    await until('the job', () => once.runs.length > 0);
    await sleep(1000);
    assert.deepEqual(
      once.runs.map((r) => r.payload),
      [{ n: 1 }],
    );
  });

  it('enqueues a batch in one call: each job once, keys kept, a rolled-back batch leaves nothing', async () => {
    const batch = recorder<{ n: number }>();
    jobs.register('test.batch', batch.handler);
    await jobs.ready();
    await assert.rejects(
      server.platform.db.transaction(async (tx) => {
        await jobs.enqueueMany(tx, 'test.batch', [{ payload: { n: 0 } }]);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    await server.platform.db.transaction((tx) =>
      jobs.enqueue(tx, 'test.batch', { n: 1 }, { key: 'appointment/7' }),
    );
    await server.platform.db.transaction((tx) =>
      jobs.enqueueMany(tx, 'test.batch', [
        { payload: { n: 2 }, options: { key: 'appointment/7' } }, // taken already: skipped
        { payload: { n: 3 } },
        { payload: { n: 4 }, options: { key: 'appointment/8' } },
        { payload: { n: 5 }, options: { key: 'appointment/8' } }, // twice in the batch: the first kept
      ]),
    );
    await until('the batch', () => batch.runs.length >= 3);
    await sleep(1000);
    assert.deepEqual(batch.runs.map((r) => r.payload.n).sort(), [1, 3, 4]);
    await assert.rejects(
      server.platform.db.transaction((tx) => jobs.enqueueMany(tx, 'test.unknown', [{ payload: {} }])),
      /no job named "test.unknown"/,
    );
  });

  it('runs a delayed job not before its time', async () => {
    const later = recorder<object>();
    jobs.register('test.later', later.handler);
    await jobs.ready();
    const runAt = new Date(Date.now() + 2000);
    await server.platform.db.transaction((tx) => jobs.enqueue(tx, 'test.later', {}, { runAt }));
    await until('the delayed job', () => later.runs.length > 0, 10_000);
    assert.ok(later.runs[0].at >= runAt.getTime(), `ran ${runAt.getTime() - later.runs[0].at} ms early`);
  });
});

describe('failures', () => {
  it('retries with growing delays, then keeps a dead letter that an administrator sees and retries', async () => {
    let broken = true;
    const attempts: { attempt: number; at: number }[] = [];
    jobs.register(
      'test.flaky',
      async (_payload: { order: string }, job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        if (broken) throw new Error(`gateway down (attempt ${job.attempt} of ${job.maxAttempts})`);
      },
      { maxAttempts: 3, retryDelaySeconds: 1 },
    );
    await jobs.ready();
    const id = await server.platform.db.transaction((tx) => jobs.enqueue(tx, 'test.flaky', { order: 'A-1' }));
    const dead = await until('the dead letter', async () => {
      const list = await admin.call('/api/admin/jobs?state=dead');
      return list.body.jobs.find((j: { jobId: string }) => j.jobId === id);
    });
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3],
    );
    const [first, second] = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    assert.ok(first >= 900, `first retry after ${first} ms`);
    assert.ok(second >= 1900, `second retry after ${second} ms (backoff doubles)`);
    assert.deepEqual(
      { name: dead.name, payload: dead.payload, attempts: dead.attempts, error: dead.error },
      { name: 'test.flaky', payload: { order: 'A-1' }, attempts: 3, error: 'gateway down (attempt 3 of 3)' },
    );

    broken = false;
    assert.equal((await admin.call(`/api/admin/jobs/${dead.id}/retry`, { method: 'POST' })).status, 202);
    await until('the retried job', () => attempts.length === 4);
    assert.equal(attempts[3].attempt, 1, 'a retried dead letter starts with fresh attempts');
    const stats = await until('the counters', async () => {
      const s = (await admin.call('/api/admin/jobs/stats')).body;
      return s.counters['test.flaky'].completed === 1 ? s : undefined;
    });
    assert.deepEqual(stats.counters['test.flaky'], { completed: 1, failedAttempts: 3, dead: 1 });
    assert.equal((await admin.call(`/api/admin/jobs/${dead.id}/retry`, { method: 'POST' })).status, 404);
  });

  it('sends a permanent failure to the dead letters at once', async () => {
    let runs = 0;
    jobs.register(
      'test.refused',
      async () => {
        runs += 1;
        throw new PermanentJobFailure('address refused');
      },
      { maxAttempts: 5, retryDelaySeconds: 1 },
    );
    await jobs.ready();
    const id = await server.platform.db.transaction((tx) => jobs.enqueue(tx, 'test.refused', {}));
    const dead = await until('the dead letter', async () =>
      (await jobs.deadJobs()).find((j) => j.jobId === id),
    );
    assert.equal(dead.attempts, 1);
    await sleep(1500);
    assert.equal(runs, 1);
  });

  it('shows dead letters to administrators only', async () => {
    const doctor = await signIn(server, ['doctor']);
    assert.equal((await doctor.call('/api/admin/jobs?state=dead')).status, 403);
    assert.equal((await fetch(`${server.url}/api/admin/jobs?state=dead`)).status, 401);
    assert.equal((await admin.call('/api/admin/jobs?state=running')).status, 400);
    assert.equal((await admin.call('/api/admin/jobs?limit=0')).status, 400);
    assert.equal((await admin.call('/api/admin/jobs/not-a-uuid/retry', { method: 'POST' })).status, 404);
    const gone = await admin.call('/api/admin/jobs?state=dead&after=00000000-0000-4000-8000-000000000000');
    assert.deepEqual([gone.status, gone.body.jobs], [200, []]);
  });
});

/** A job runner of its own on a fresh database (PostgreSQL: its own pool; PGlite: in memory). */
async function standaloneRunner(databaseUrl?: string): Promise<{ db: SqlClient; runner: JobRunner }> {
  const db = await openDatabase({ databaseUrl });
  return { db, runner: createJobRunner({ db, databaseUrl, settings: readJobSettings(process.env) }) };
}

describe('scheduled jobs and stopping', () => {
  it('runs "every 1 seconds" once per occurrence', async () => {
    const ticks = recorder<{ source: string }>();
    jobs.register('test.tick', ticks.handler);
    jobs.schedule('test.tick', 'every 1 seconds', { source: 'schedule' });
    await until('four ticks', () => ticks.runs.length >= 4, 15_000);
    const occurrences = ticks.runs.map((r) => r.job.scheduledFor?.getTime() as number);
    assert.equal(new Set(occurrences).size, occurrences.length, 'no occurrence twice');
    for (let i = 1; i < occurrences.length; i++) assert.equal(occurrences[i] - occurrences[i - 1], 1000);
    assert.deepEqual(ticks.runs[0].payload, { source: 'schedule' });
    for (const run of ticks.runs) assert.ok(run.at >= (run.job.scheduledFor as Date).getTime());
  });

  it('refuses a schedule it cannot read', () => {
    assert.throws(() => jobs.schedule('test.tick', 'every blue moon'), /neither/);
  });

  it('stops claiming at stop() but lets the running job finish', async () => {
    const database = testBackend() === 'postgres' ? await freshPostgresDatabase() : undefined;
    const { db, runner } = await standaloneRunner(database?.url);
    try {
      let finished = false;
      let started = false;
      runner.register('test.slow', async () => {
        started = true;
        await sleep(1500);
        finished = true;
      });
      await runner.start();
      await db.transaction((tx) => runner.enqueue(tx, 'test.slow', {}));
      await until('the job started', () => started);
      await runner.stop();
      assert.equal(finished, true, 'stop() waited for the running job');
      await assert.rejects(
        db.transaction((tx) => runner.enqueue(tx, 'test.slow', {})),
        /not started/,
      );
    } finally {
      await runner.stop();
      await db.close();
      await database?.drop();
    }
  });
});

describe('several processes on one PostgreSQL database', {
  skip: testBackend() !== 'postgres' && 'PGlite is one process',
}, () => {
  let database: { url: string; drop(): Promise<void> };
  const opened: { db: SqlClient; runner: JobRunner }[] = [];
  before(async () => {
    database = await freshPostgresDatabase();
  });
  after(async () => {
    for (const { db, runner } of opened) {
      await runner.stop();
      await db.close();
    }
    await database?.drop();
  });
  const runnerOn = async () => {
    const pair = await standaloneRunner(database.url);
    opened.push(pair);
    return pair;
  };

  it('run each of N jobs exactly once between two runners, and each occurrence of a schedule once', async () => {
    const runs: { n: number; runner: string }[] = [];
    const ticks: { at: number; runner: string }[] = [];
    const [a, b] = [await runnerOn(), await runnerOn()];
    for (const [label, { runner }] of [
      ['a', a],
      ['b', b],
    ] as const) {
      runner.register(
        'test.count',
        async (payload: { n: number }) => {
          await sleep(5);
          runs.push({ n: payload.n, runner: label });
        },
        { concurrency: 4 },
      );
      runner.register(
        'test.tick',
        async (_p, job) => void ticks.push({ at: job.scheduledFor!.getTime(), runner: label }),
      );
      runner.schedule('test.tick', 'every 1 seconds');
    }
    await Promise.all([a.runner.start(), b.runner.start()]);
    const N = 200;
    await a.db.transaction(async (tx) => {
      for (let n = 0; n < N; n++) await a.runner.enqueue(tx, 'test.count', { n });
    });
    await until('every job', () => runs.length >= N, 30_000);
    await until('three ticks', () => ticks.length >= 3, 15_000);
    await sleep(1500);
    const counts = new Map<number, number>();
    for (const r of runs) counts.set(r.n, (counts.get(r.n) ?? 0) + 1);
    assert.equal(counts.size, N);
    assert.deepEqual(
      [...counts.values()].filter((c) => c !== 1),
      [],
      'no job ran twice',
    );
    assert.ok(
      runs.some((r) => r.runner === 'a') && runs.some((r) => r.runner === 'b'),
      'both runners worked',
    );
    const occurrences = ticks.map((t) => t.at);
    assert.equal(new Set(occurrences).size, occurrences.length, 'no occurrence ran twice');
  });

  it('takes over the job of a worker killed mid-job once its heartbeat goes stale', async () => {
    const { db, runner } = await runnerOn();
    runner.declare('test.crash', { heartbeatSeconds: 10, maxAttempts: 3, retryDelaySeconds: 1 });
    await runner.start();
    const child = spawn(
      process.execPath,
      [join(dirname(fileURLToPath(import.meta.url)), 'support', 'job-worker-child.ts')],
      {
        env: { ...process.env, DATABASE_URL: database.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until('the child worker', () => out.includes('ready'), 30_000);
      const id = await db.transaction((tx) => runner.enqueue(tx, 'test.crash', {}));
      await until('the child claimed the job', () => out.includes(`claimed ${id}`));
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      const takenOver = new Promise<JobContext>((resolve) =>
        runner.register('test.crash', async (_p, job) => resolve(job), {
          heartbeatSeconds: 10,
          maxAttempts: 3,
          retryDelaySeconds: 1,
        }),
      );
      const job = await Promise.race([takenOver, sleep(40_000).then(() => undefined)]);
      assert.ok(job, 'the job was taken over');
      assert.equal(job.id, id);
      assert.equal(job.attempt, 2);
      // stale after 10 s without heartbeat, found by the next supervision pass (1 s here), retried 1–2 s later
      const elapsed = Date.now() - killedAt;
      assert.ok(elapsed >= 9_000 && elapsed < 30_000, `taken over ${elapsed} ms after the kill`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
