/**
 * `npm run backup` and `npm run restore` as an operator runs them (child processes, configured by
 * the environment), on the backend of the pass: a restore into an empty database holds every row
 * of every table of `public` and `pgboss` as the source had it — resources, every history version,
 * every audit event (whose hash chain still verifies), pending jobs — and a server started on it
 * serves the data. A non-empty target is refused without --force; on PGlite, both commands refuse
 * while a server holds the folder; on PostgreSQL the backup also runs online.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SqlClient } from '@sahti/fhir';
import { verifyAuditChain } from '../packages/server/src/audit/index.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres } from '../packages/server/src/db/postgres.ts';
import { countContents, describeContents } from '../packages/server/src/ops/backup/index.ts';
import {
  fhirFetch,
  freshPostgresDatabase,
  startTestServer,
  type TestServer,
  testBackend,
} from './support/server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const backend = testBackend();
const PATIENTS = 25;
const JOB = 'backup-test.later';

let work: string;
const databases: { url: string; drop(): Promise<void> }[] = [];
let server: TestServer | undefined;
/** Where the source lives: a data folder (PGlite) or a database URL (PostgreSQL). */
let source: Target;
let patientIds: string[] = [];
let jobId: string;

interface Target {
  dataDir?: string;
  databaseUrl?: string;
}

async function newTarget(): Promise<Target> {
  // a folder that does not exist yet: the restore creates it
  if (backend === 'pglite') return { dataDir: join(await mkdtemp(join(work, 'data-')), 'sahti') };
  const database = await freshPostgresDatabase();
  databases.push(database);
  return { databaseUrl: database.url };
}

/** Runs `npm run <script>` the way npm does (node scripts/<script>.ts), against `target`. */
function npmRun(
  script: 'backup' | 'restore',
  args: string[],
  target: Target,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join('scripts', `${script}.ts`), ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: target.databaseUrl ?? '', SAHTI_DATA_DIR: target.dataDir ?? '' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function open(target: Target): Promise<SqlClient> {
  return target.databaseUrl
    ? openPostgres(target.databaseUrl, 2)
    : openPglite(join(target.dataDir as string, 'pglite'));
}

/** Every table of public and pgboss: its row count and a digest of all its rows, in order. */
async function fingerprint(db: SqlClient): Promise<Record<string, string>> {
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT schemaname AS schema, tablename AS name FROM pg_tables
      WHERE schemaname IN ('public', 'pgboss') ORDER BY 1, 2`,
  );
  const prints: Record<string, string> = {};
  for (const t of tables.rows) {
    const { rows } = await db.query<{ n: number; digest: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest
         FROM "${t.schema}"."${t.name}" t`,
    );
    prints[`${t.schema}.${t.name}`] = `${rows[0].n} rows ${rows[0].digest}`;
  }
  return prints;
}

async function fingerprintOf(target: Target): Promise<Record<string, string>> {
  const db = await open(target);
  try {
    return await fingerprint(db);
  } finally {
    await db.close();
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'sahti-backup-'));
  source = await newTarget();
  server = await startTestServer(source);
  const created = await fhirFetch(server.fhirBase, '', {
    method: 'POST',
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: PATIENTS }, (_, i) => ({
        request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', name: [{ family: `Sauvegarde${i}`, given: ['Amina'] }] },
      })),
    },
  });
  assert.equal(created.status, 200);
  patientIds = created.body.entry.map(
    (e: { response: { location: string } }) => e.response.location.split('/')[1],
  );
  for (const id of patientIds.slice(0, 5)) {
    const patient: Record<string, unknown> = (await fhirFetch(server.fhirBase, `/Patient/${id}`)).body;
    assert.equal(
      (
        await fhirFetch(server.fhirBase, `/Patient/${id}`, {
          method: 'PUT',
          body: { ...patient, gender: 'female' },
        })
      ).status,
      200,
    );
  }
  assert.equal(
    (await fhirFetch(server.fhirBase, `/Patient/${patientIds[5]}`, { method: 'DELETE' })).status,
    200,
  );
  // a job due tomorrow: it must survive in pgboss
  server.platform.jobs.declare(JOB);
  await server.platform.jobs.ready();
  jobId = await server.platform.db.transaction((tx) =>
    server!.platform.jobs.enqueue(
      tx,
      JOB,
      { reason: 'backup test' },
      { runAt: new Date(Date.now() + 86_400_000) },
    ),
  );
  await server.platform.audit.flush();
});

after(async () => {
  await server?.close();
  for (const database of databases) await database.drop();
  await rm(work, { recursive: true, force: true });
});

describe(`backup and restore (${backend})`, () => {
  let reference: Record<string, string>;
  /** What the backup command should say it holds, counted on the stopped source. */
  let summary: string;
  const file = () => join(work, backend === 'pglite' ? 'sahti.tar.gz' : 'sahti.dump');

  if (backend === 'pglite') {
    it('refuses to copy the embedded database while the server holds it', async () => {
      const res = await npmRun('backup', ['--out', file()], source);
      assert.equal(res.code, 1, res.output);
      assert.match(res.output, /in use by process \d+.*stop that process/s);
      await assert.rejects(stat(file()));
    });
  } else {
    it('copies a PostgreSQL database online, while the server runs', async () => {
      const online = join(work, 'online.dump');
      const res = await npmRun('backup', ['--out', online], source);
      assert.equal(res.code, 0, res.output);
      assert.match(res.output, /\d+ resources, \d+ history versions, \d+ audit events, \d+ jobs/);
      const target = await newTarget();
      const restored = await npmRun('restore', [online], target);
      assert.equal(restored.code, 0, restored.output);
      const db = await open(target);
      try {
        const counts = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM resource_history WHERE resource_type = 'Patient'`,
        );
        assert.equal(counts.rows[0].n, PATIENTS + 6);
        assert.equal((await verifyAuditChain(db)).ok, true);
      } finally {
        await db.close();
      }
    });
  }

  it('writes one file holding the whole database once the server is stopped', async () => {
    await server?.close();
    server = undefined;
    reference = await fingerprintOf(source);
    const db = await open(source);
    summary = describeContents(await countContents((text) => db.query(text)));
    await db.close();
    assert.ok(reference['pgboss.job'], 'the pgboss schema is part of the database');
    const res = await npmRun('backup', ['--out', file()], source);
    assert.equal(res.code, 0, res.output);
    assert.ok(res.output.includes(`: ${summary}\n`), res.output);
    assert.ok((await stat(file())).size > 0);
    assert.deepEqual(await fingerprintOf(source), reference, 'the backup changed nothing');
  });

  it('restores into an empty database every row of every table, the audit chain intact', async () => {
    const target = await newTarget();
    const res = await npmRun('restore', [file()], target);
    assert.equal(res.code, 0, res.output);
    assert.ok(res.output.includes(`: ${summary}\n`), res.output);
    assert.deepEqual(await fingerprintOf(target), reference);

    const db = await open(target);
    try {
      const resources = await db.query<{ id: string; deleted: boolean }>(
        `SELECT id, deleted FROM resource WHERE resource_type = 'Patient' ORDER BY id`,
      );
      assert.deepEqual(resources.rows.map((r) => r.id).sort(), [...patientIds].sort());
      const history = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM resource_history WHERE resource_type = 'Patient'`,
      );
      assert.equal(history.rows[0].n, PATIENTS + 5 + 1, 'created, 5 updated, 1 deleted');
      const audit = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event');
      assert.ok(audit.rows[0].n > PATIENTS);
      const chain = await verifyAuditChain(db);
      assert.equal(chain.ok, true, chain.reason);
      assert.equal(chain.checked, audit.rows[0].n);
      const job = await db.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1::uuid', [
        jobId,
      ]);
      assert.equal(job.rows[0]?.state, 'created', 'the delayed job is still waiting');
    } finally {
      await db.close();
    }

    // the restored database serves: a read and a version history through the API
    const restored = await startTestServer(target);
    try {
      const read = await fhirFetch(restored.fhirBase, `/Patient/${patientIds[0]}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.gender, 'female');
      const versions = await fhirFetch(restored.fhirBase, `/Patient/${patientIds[0]}/_history`);
      assert.equal(versions.body.total ?? versions.body.entry.length, 2);
      assert.equal((await fhirFetch(restored.fhirBase, `/Patient/${patientIds[5]}`)).status, 410);
      if (backend === 'pglite') {
        // and while it runs, nobody restores over it
        const over = await npmRun('restore', [file(), '--force'], target);
        assert.equal(over.code, 1, over.output);
        assert.match(over.output, /in use by process/);
      }
    } finally {
      await restored.close();
    }
  });

  it('refuses a database that is not empty, and replaces it with --force', async () => {
    const target = await newTarget();
    assert.equal((await npmRun('restore', [file()], target)).code, 0);
    const again = await npmRun('restore', [file()], target);
    assert.equal(again.code, 1, again.output);
    assert.match(again.output, /not empty.*--force/s);

    const forced = await npmRun('restore', [file(), '--force'], target);
    assert.equal(forced.code, 0, forced.output);
    assert.deepEqual(await fingerprintOf(target), reference);
    if (backend === 'pglite') {
      const kept = (await readdir(target.dataDir as string)).filter((name) =>
        name.startsWith('pglite.before-restore-'),
      );
      assert.equal(kept.length, 1, 'the replaced database is set aside, not deleted');
    } else {
      assert.match(
        forced.output,
        /dropped the schemas .*pgboss.*public|dropped the schemas .*public.*pgboss/,
      );
    }
  });

  it('refuses a backup of the other backend and a file that is no backup', async () => {
    const other: Target =
      backend === 'pglite' ? { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' } : { dataDir: work };
    const wrong = await npmRun('restore', [file()], other);
    assert.equal(wrong.code, 1, wrong.output);
    assert.match(
      wrong.output,
      backend === 'pglite' ? /backup of the embedded database/ : /backup of a PostgreSQL server/,
    );
    const junk = await npmRun('restore', [join(root, 'package.json')], source);
    assert.equal(junk.code, 1);
    assert.match(junk.output, /not a Sahti backup/);
  });
});
