/**
 * The module contract and the events of committed writes: a module added here (not in platform.ts)
 * brings its migration, route, operation, job and event handler; every committed write leaves
 * exactly one event, a rolled-back one none; a durable handler sees each event once even with two
 * dispatchers; a server killed with -9 right after acknowledging writes has lost none of their events.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createEventBus, type ResourceEvent } from '../packages/server/src/events/bus.ts';
import type { SahtiModule } from '../packages/server/src/kernel/index.ts';
import { killAllChildren, request, startChild } from './support/child-server.ts';
import { signIn } from './support/people.ts';
import {
  fhirFetch,
  freshPostgresDatabase,
  startTestServer,
  type TestServer,
  testBackend,
} from './support/server.ts';

let server: TestServer;
const seen: ResourceEvent[] = [];
const ticks: string[] = [];

/** A module as a service would be written, registered only by this test. */
const noteModule: SahtiModule = {
  name: 'test-notes',
  migrations: [
    {
      version: 9001,
      name: 'test notes',
      sql: 'CREATE TABLE test_note (id serial PRIMARY KEY, text text NOT NULL)',
    },
  ],
  register(ctx) {
    // a note under a key the caller chooses, in a transaction of the module's own: two callers with
    // the same key race, and the database refuses the second (a unique violation, not our mistake)
    ctx.app.post('/api/test-notes/keyed', async (req, reply) => {
      const { id } = req.body as { id: number };
      await ctx.db.transaction(async (tx) => {
        await tx.query("INSERT INTO test_note (id, text) VALUES ($1::int, 'keyed')", [id]);
        await tx.query('SELECT pg_sleep(0.05)');
      });
      return reply.code(201).send({ id });
    });
    ctx.app.get('/api/test-notes/count', async () => {
      const rows = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM test_note');
      return { count: rows.rows[0].n };
    });
    ctx.fhir.registerOperation({
      name: 'echo-count',
      levels: ['type'],
      resourceTypes: ['Observation'],
      methods: ['GET'],
      effect: 'search',
      run: async (op) => {
        const found = await op.store.search('Observation', [['_summary', 'count']]);
        return {
          status: 200,
          headers: {},
          body: {
            resourceType: 'Parameters',
            parameter: [{ name: 'count', valueInteger: found.total ?? 0 }],
          },
        };
      },
    });
    ctx.jobs.register('test-notes.tick', async (payload: { text: string }) => {
      ticks.push(payload.text);
    });
    ctx.events.on('test-notes.observations', { types: ['Observation'] }, async (event) => {
      seen.push(event);
      await ctx.db.query('INSERT INTO test_note (text) VALUES ($1::text)', [
        `${event.action} ${event.resourceType}/${event.id}`,
      ]);
    });
  },
};

before(async () => {
  server = await startTestServer({}, { modules: [noteModule] });
});
after(async () => {
  await server?.close();
  await killAllChildren();
});

const until = async (check: () => boolean | Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};
const weight = (subject: string, value = 70) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: subject },
  valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});

describe('module contract', () => {
  it('a module registers its migration, route, operation, job and event handler without touching platform.ts', async () => {
    const admin = await signIn(server, ['administrator']);
    const route = await admin.call('/api/test-notes/count');
    assert.deepEqual(route.body, { count: 0 });
    const op = await fhirFetch(server.fhirBase, '/Observation/$echo-count');
    assert.equal(op.status, 200, JSON.stringify(op.body));
    const capabilities = await fhirFetch(server.fhirBase, '/metadata');
    assert.ok(JSON.stringify(capabilities.body).includes('echo-count'));
    await server.platform.db.transaction((tx) =>
      server.platform.jobs.enqueue(tx, 'test-notes.tick', { text: 'hello' }),
    );
    await until(() => ticks.includes('hello'));
    const created = await fhirFetch(server.fhirBase, '/Observation', {
      method: 'POST',
      body: weight('Patient/ev-1'),
    });
    await until(() => seen.some((e) => e.id === created.body.id));
    await until(async () => (await admin.call('/api/test-notes/count')).body.count >= 1);
  });
});

describe('a module route that loses a race in its own transaction', () => {
  it('answers 409 with an OperationOutcome (retry), not 500, and keeps the winner only', async () => {
    const admin = await signIn(server, ['administrator']);
    const answers = await Promise.all(
      [1, 2, 3].map(() => admin.call('/api/test-notes/keyed', { method: 'POST', body: { id: 900_001 } })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409], JSON.stringify(answers));
    for (const refused of answers.filter((a) => a.status === 409)) {
      assert.equal(refused.body.resourceType, 'OperationOutcome');
      assert.equal(refused.body.issue[0].code, 'conflict');
    }
    const kept = await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM test_note WHERE id = 900001',
    );
    assert.equal(kept.rows[0].n, 1);
  });
});

describe('events of committed writes', () => {
  const eventsOf = async (ids: string[]) =>
    (
      await server.platform.db.query<{ id: string; action: string; patients: string[] }>(
        'SELECT id, action, patients FROM resource_event WHERE id = ANY($1::text[]) ORDER BY seq',
        [ids],
      )
    ).rows;

  it('one event per committed version, naming the action and the patients', async () => {
    const a = await fhirFetch(server.fhirBase, '/Observation', {
      method: 'POST',
      body: weight('Patient/ev-2'),
    });
    await fhirFetch(server.fhirBase, `/Observation/${a.body.id}`, {
      method: 'PUT',
      body: { ...weight('Patient/ev-2', 71), id: a.body.id },
    });
    await fhirFetch(server.fhirBase, `/Observation/${a.body.id}`, { method: 'DELETE' });
    assert.deepEqual(
      (await eventsOf([a.body.id])).map((e) => [e.action, e.patients]),
      [
        ['create', ['ev-2']],
        ['update', ['ev-2']],
        ['delete', ['ev-2']],
      ],
    );
  });

  it('a rolled-back transaction leaves no event; a committed one leaves one per entry', async () => {
    const bundle = (ifMatch?: string) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0f8c2b6e-1111-4a4a-9a9a-000000000001',
          resource: { ...weight('Patient/ev-3'), id: undefined },
          request: { method: 'PUT', url: 'Observation/ev-tx-1' },
        },
        {
          resource: { ...weight('Patient/ev-3'), id: 'ev-tx-2' },
          request: { method: 'PUT', url: 'Observation/ev-tx-2', ...(ifMatch ? { ifMatch } : {}) },
        },
      ],
    });
    const bodyWithIds = (b: any) => {
      b.entry[0].resource.id = 'ev-tx-1';
      return b;
    };
    const refused = await fhirFetch(server.fhirBase, '', {
      method: 'POST',
      body: bodyWithIds(bundle('W/"9"')),
    });
    assert.equal(refused.status, 412);
    assert.deepEqual(await eventsOf(['ev-tx-1', 'ev-tx-2']), []);
    const done = await fhirFetch(server.fhirBase, '', { method: 'POST', body: bodyWithIds(bundle()) });
    assert.equal(done.status, 200, JSON.stringify(done.body).slice(0, 300));
    assert.equal((await eventsOf(['ev-tx-1', 'ev-tx-2'])).length, 2);
  });

  it('two dispatchers on one database hand each event to a durable handler once', async () => {
    const received = new Map<number, number>();
    const buses = [0, 1].map(() =>
      createEventBus({ db: server.platform.db, jobs: server.platform.jobs, pollMs: 20 }),
    );
    buses[0].on('test.once', { types: ['Observation'] }, async (e) => {
      received.set(e.seq, (received.get(e.seq) ?? 0) + 1);
    });
    // the second process runs the same handler under the same name: it only claims
    const noop = {
      register: () => undefined,
      enqueue: server.platform.jobs.enqueue.bind(server.platform.jobs),
    };
    const second = createEventBus({
      db: server.platform.db,
      jobs: { ...server.platform.jobs, ...noop },
      pollMs: 20,
    });
    second.on('test.once', { types: ['Observation'] }, async () => undefined);
    await server.platform.events.stop(); // the platform's own dispatcher stays out of the race
    const made: string[] = [];
    for (let i = 0; i < 40; i++) {
      made.push(
        (
          await fhirFetch(server.fhirBase, '/Observation', {
            method: 'POST',
            body: weight('Patient/ev-4', 60 + i),
          })
        ).body.id,
      );
    }
    const rows = await server.platform.db.query<{ seq: string }>(
      'SELECT seq::text AS seq FROM resource_event WHERE id = ANY($1::text[])',
      [made],
    );
    buses[0].start();
    second.start();
    await until(() => rows.rows.every((r) => received.has(Number(r.seq))), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(
      [...received.values()].every((n) => n === 1),
      'no event handled twice',
    );
    await Promise.all([buses[0].stop(), second.stop()]);
    server.platform.events.start();
  });

  it('listeners in the process are told of each write', async () => {
    const heard: string[] = [];
    const stop = server.platform.events.listen((e) => heard.push(e.id));
    const a = await fhirFetch(server.fhirBase, '/Observation', {
      method: 'POST',
      body: weight('Patient/ev-5'),
    });
    assert.equal(a.status, 201);
    await until(() => heard.includes(a.body.id));
    stop();
  });

  it('listeners hear the events of one commit in the order written, across a power of ten', async () => {
    // the sequence is moved to just below the next power of ten: the ten events of one bundle
    // cross it (…97, …98, …99, then 1000…), where text order puts 1000 before 997
    const db = server.platform.db;
    const { rows } = await db.query<{ last: string }>(
      'SELECT last_value::text AS last FROM resource_event_seq_seq',
    );
    const below = 10 ** Math.ceil(Math.log10(Number(rows[0].last) + 10)) - 4;
    await db.query("SELECT setval('resource_event_seq_seq', $1::bigint)", [below]);
    const heard: number[] = [];
    const stop = server.platform.events.listen((e) => {
      if (e.resourceType === 'Observation') heard.push(e.seq);
    });
    const bundle = await fhirFetch(server.fhirBase, '', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: 10 }, (_, i) => ({
          resource: weight('Patient/ev-7', 60 + i),
          request: { method: 'POST', url: 'Observation' },
        })),
      },
    });
    assert.equal(bundle.status, 200);
    try {
      await until(() => heard.length >= 10);
      assert.deepEqual(
        heard,
        [...heard].sort((a, b) => a - b),
        'in the order of their sequence numbers',
      );
      assert.ok(heard[0] <= below + 1 && heard[9] >= below + 4, `the sequence crossed ${below + 4}`);
    } finally {
      stop();
    }
  });

  it('a first listener hears a write that commits while its tail is still being placed', async () => {
    // on a pool, the question placing the tail may wait for a connection while a write made after
    // the listener commits on another: here it waits until that write is acknowledged
    const db = server.platform.db;
    let release = () => {};
    const placed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: typeof db = Object.create(db);
    let first = true;
    slow.query = (async (sql: string, params?: unknown[]) => {
      if (first) {
        first = false; // the bus's first question is where its tail starts
        await placed;
      }
      return db.query(sql, params);
    }) as typeof db.query;
    // the same handler as the platform's (it only claims; the platform's runner runs the jobs)
    const bus = createEventBus({
      db: slow,
      jobs: { ...server.platform.jobs, register: () => undefined },
      pollMs: 20,
    });
    bus.on('test-notes.observations', { types: ['Observation'] }, async () => undefined);
    const heard: string[] = [];
    const stop = bus.listen((e) => heard.push(e.id));
    const a = await fhirFetch(server.fhirBase, '/Observation', {
      method: 'POST',
      body: weight('Patient/ev-6'),
    });
    assert.equal(a.status, 201);
    release();
    bus.start();
    try {
      await until(() => heard.includes(a.body.id));
    } finally {
      stop();
      await bus.stop();
    }
  });
});

describe('events survive a crash', () => {
  it('after kill -9, every write the server acknowledged has its event', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sahti-events-'));
    const database = testBackend() === 'postgres' ? await freshPostgresDatabase() : undefined;
    try {
      const child = await startChild({ dataDir, databaseUrl: database?.url });
      const acknowledged: string[] = [];
      const writes = Array.from({ length: 60 }, (_, i) =>
        request(child, '/Observation', { method: 'POST', body: weight('Patient/ev-crash', i) }).then((r) => {
          if (r.status === 201) acknowledged.push(r.body.id);
        }),
      );
      await until(() => acknowledged.length >= 10, 60_000);
      await child.kill();
      await Promise.all(writes);
      assert.ok(acknowledged.length > 0, 'some writes were acknowledged before the kill');
      if (database) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const rows = await client.query('SELECT id FROM resource_event WHERE id = ANY($1::text[])', [
          acknowledged,
        ]);
        await client.end();
        assert.equal(rows.rowCount, acknowledged.length);
      } else {
        const again = await startChild({ dataDir });
        const found = await request(again, `/Observation?_id=${acknowledged.join(',')}&_count=1000`);
        assert.equal(found.body.entry.length, acknowledged.length);
        await again.kill();
        const { openDatabase } = await import('../packages/server/src/db/index.ts');
        const db = await openDatabase({ dataDir });
        const rows = await db.query('SELECT id FROM resource_event WHERE id = ANY($1::text[])', [
          acknowledged,
        ]);
        await db.close();
        assert.equal(rows.rows.length, acknowledged.length);
      }
    } finally {
      await killAllChildren();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
