/**
 * Durability of the real server process under `kill -9`: every write the server acknowledged is
 * there after a restart on the same data, and a transaction bundle cut off by the kill is stored
 * entirely or not at all. On PGlite this is the embedded engine's on-disk durability; on the
 * PostgreSQL pass it checks that the server acknowledges only committed work and writes a bundle in
 * one database transaction (PostgreSQL's own durability is not under test).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type ChildServer, killAllChildren, request, startChild } from './support/child-server.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

const SYSTEM = 'urn:sahti-test:durability';
const BUNDLE_SIZE = 2000;
let dataDir: string;
let database: { url: string; drop(): Promise<void> } | undefined;
/** Set by `after`: a test body still running after a timeout must not start more servers. */
let closed = false;
/** A server left running by one test for the next. */
let live: ChildServer | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the server on the test's data; on PostgreSQL, first lets the killed server's work end. */
async function start(): Promise<ChildServer> {
  if (closed) throw new Error('the test has ended');
  if (database) await untilNoOpenTransactions(database.url);
  return startChild({ dataDir, databaseUrl: database?.url });
}

/** A killed client's transaction is rolled back by PostgreSQL when it notices; wait for that. */
async function untilNoOpenTransactions(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 200; i++) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
      );
      if (rows[0].n === 0) return;
      await sleep(50);
    }
    throw new Error('the killed server still has a transaction open after 10 s');
  } finally {
    await client.end();
  }
}

const patient = (i: number) => ({ resourceType: 'Patient', name: [{ family: `Durable${i}` }] });

function bundleOf(tag: string) {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const identifier = [{ system: SYSTEM, value: tag }];
  const observation = (i: number) => ({
    resource: {
      resourceType: 'Observation',
      identifier,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: patientUrl },
      valueQuantity: {
        value: 60 + (i % 40),
        unit: '/min',
        system: 'http://unitsofmeasure.org',
        code: '/min',
      },
    },
    request: { method: 'POST', url: 'Observation' },
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: { resourceType: 'Patient', identifier },
        request: { method: 'POST', url: 'Patient' },
      },
      ...Array.from({ length: BUNDLE_SIZE }, (_, i) => observation(i)),
    ],
  };
}

async function count(server: ChildServer, query: string): Promise<number> {
  const res = await request(server, `${query}${query.includes('?') ? '&' : '?'}_summary=count`);
  assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
  return res.body.total;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sahti-durability-'));
  if (testBackend() === 'postgres') database = await freshPostgresDatabase();
});
after(async () => {
  closed = true;
  await killAllChildren();
  await rm(dataDir, { recursive: true, force: true });
  await database?.drop();
});

describe('data survives kill -9 of the server', { timeout: 300_000 }, () => {
  it('reads back every acknowledged write, with its version, after a SIGKILL and restart', async () => {
    let server = await start();
    const acknowledged = new Map<string, string>();
    for (let i = 0; i < 150; i++) {
      const res = await request(server, '/Patient', { method: 'POST', body: patient(i) });
      assert.equal(res.status, 201, JSON.stringify(res.body)?.slice(0, 300));
      acknowledged.set(res.body.id, res.body.meta.versionId);
      if (i % 5 === 0) {
        const body = { ...patient(i), id: res.body.id, active: true };
        const update = await request(server, `/Patient/${res.body.id}`, { method: 'PUT', body });
        assert.equal(update.status, 200);
        acknowledged.set(res.body.id, update.body.meta.versionId);
      }
    }
    // then four writers keep creating while the process is killed under them
    let killed = false;
    const writer = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const res = await request(server, '/Patient', {
          method: 'POST',
          body: patient(1000 * w + i),
        });
        if (res.status === 201 && res.body?.meta?.versionId)
          acknowledged.set(res.body.id, res.body.meta.versionId);
        else if (res.status === 0) return;
      }
    };
    const writers = [1, 2, 3, 4].map(writer);
    await sleep(100 + Math.random() * 400);
    await server.kill();
    killed = true;
    await Promise.all(writers);

    server = await start();
    const ids = [...acknowledged.keys()];
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map(async (id) => {
          const res = await request(server, `/Patient/${id}`);
          assert.equal(res.status, 200, `acknowledged Patient/${id} is gone after the restart`);
          assert.equal(res.body.meta.versionId, acknowledged.get(id), `Patient/${id} lost a version`);
        }),
      );
    }
    assert.ok((await count(server, '/Patient')) >= ids.length);
    const after = await request(server, '/Patient', { method: 'POST', body: patient(-1) });
    assert.equal(after.status, 201, 'the restarted server accepts writes');
    live = server; // the next test starts from here: a restart is the slow part of this file
  });

  it('stores a transaction bundle cut off by a SIGKILL entirely or not at all', async () => {
    const bundles: { tag: string; acknowledged: boolean }[] = [];
    let duration: number | undefined;
    for (let round = 0; round < 3; round++) {
      const server = live ?? (await start());
      live = undefined;
      // bundles go back to back until a SIGKILL at a random moment (0.1 to 1.9 times the time one
      // bundle takes), so the kill nearly always lands while one is being sent or written
      let timer: NodeJS.Timeout | undefined;
      const armKill = (ms: number) => {
        timer = setTimeout(() => server.kill(), (0.1 + Math.random() * 1.8) * ms);
      };
      if (duration !== undefined) armKill(duration);
      for (let i = 0; ; i++) {
        const tag = `round${round}-bundle${i}`;
        const started = Date.now();
        const res = await request(server, '/', { method: 'POST', body: bundleOf(tag) });
        bundles.push({ tag, acknowledged: res.status === 200 });
        if (res.status === 0) break;
        assert.equal(res.status, 200, JSON.stringify(res.body)?.slice(0, 300));
        if (duration === undefined) {
          duration = Date.now() - started;
          armKill(duration);
        }
      }
      clearTimeout(timer);
      await server.kill();
    }

    const server = await start();
    let stored = 0;
    for (const { tag, acknowledged } of bundles) {
      const observations = await count(server, `/Observation?identifier=${SYSTEM}|${tag}`);
      const patients = await count(server, `/Patient?identifier=${SYSTEM}|${tag}`);
      assert.ok(
        (observations === 0 && patients === 0) || (observations === BUNDLE_SIZE && patients === 1),
        `bundle ${tag} is partly stored: ${observations} of ${BUNDLE_SIZE} Observations, ${patients} Patient`,
      );
      if (acknowledged) assert.equal(observations, BUNDLE_SIZE, `acknowledged bundle ${tag} is missing`);
      stored += observations;
    }
    assert.equal(await count(server, '/Observation'), stored, 'no Observation outside a whole bundle');
    const cut = bundles.filter((b) => !b.acknowledged).length;
    const cutStored = stored / BUNDLE_SIZE - (bundles.length - cut);
    console.log(`durability: ${cut} bundles cut off by a kill; ${cutStored} of them had committed`);
    await server.kill();
  });
});
