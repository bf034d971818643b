/**
 * Read replicas against a real primary and a real streaming replica on loopback (PostgreSQL
 * pass): `pg_basebackup -R` of a throwaway primary, started as a hot standby, the server pointed
 * at both. Replay is paused on the replica (`pg_wal_replay_pause()`) to prove who answered: a
 * principal that did not write sees the replica's older state, the one that wrote sees its write
 * at once. A stopped replica falls back to the primary without an error, and access control and
 * the audit of reads are those of the primary alone. On PGlite the setting is ignored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { bootstrapSystemClient } from '../packages/server/src/auth/index.ts';
import {
  startThrowawayPostgres,
  startThrowawayReplica,
  type ThrowawayPostgres,
  type ThrowawayReplica,
} from '../scripts/pg-throwaway.ts';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { clientToken, fhirFetch, startTestServer, type TestServer, testBackend } from './support/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A plain client; the replica's goes away when the test stops that server. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

if (testBackend() === 'pglite') {
  describe('read replicas on PGlite', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        replicas: { urls: ['postgres://postgres@127.0.0.1:9/none'], maxLagMs: 1000, checkMs: 100 },
      });
    });
    after(() => server?.close());

    it('DATABASE_REPLICA_URL is ignored: the embedded database serves every read', async () => {
      assert.equal(server.platform.replicas, undefined);
      const created = await fhirFetch(server.fhirBase, '/Patient', {
        method: 'POST',
        body: { resourceType: 'Patient', name: [{ family: 'Embedded' }] },
      });
      assert.equal(created.status, 201);
      const found = await fhirFetch(server.fhirBase, '/Patient?family=Embedded');
      assert.equal(found.body.total, 1);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.doesNotMatch(metrics, /sahti_db_replica/);
    });
  });
} else {
  const primary: ThrowawayPostgres | undefined = await startThrowawayPostgres();
  const absent =
    !primary &&
    'PostgreSQL 15+ server binaries (initdb, pg_basebackup) are not installed under /usr/lib/postgresql: ' +
      'the streaming-replica tests need them (Debian: apt-get install postgresql-15)';
  if (absent) console.log(`\n*** ${absent} ***\n`);

  describe('reads on a streaming replica, with read-your-writes', { skip: absent || false }, () => {
    const DB = 'sahti_replicas';
    let replica: ThrowawayReplica;
    let server: TestServer;
    let onReplica: pg.Client;
    let onPrimary: pg.Client;
    let writerA: Record<string, string>; // the test's system client (fhirFetch's default)
    let readerB: Record<string, string>; // another system client
    let patient1: Person;
    let drA: Person;
    let drB: Person;

    const asB = (path: string) => fhirFetch(server.fhirBase, path, { headers: readerB });
    const create = async (resource: Record<string, unknown>) => {
      const res = await fhirFetch(server.fhirBase, `/${resource.resourceType}`, {
        method: 'POST',
        body: resource,
        headers: writerA,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const familyCount = async (family: string, headers: Record<string, string>) => {
      const res = await fhirFetch(server.fhirBase, `/Patient?family=${family}&_total=accurate`, { headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.total as number;
    };
    const router = () => {
      const r = server.platform.replicas;
      assert.ok(r, 'the server opened its replica');
      return r;
    };
    const counts = () => ({ ...router().counts });
    const pauseReplay = async () => {
      await onReplica.query('SELECT pg_wal_replay_pause()');
      await eventually('replay paused', async () => {
        const { rows } = await onReplica.query('SELECT pg_get_wal_replay_pause_state() AS state');
        return rows[0].state === 'paused' ? true : undefined;
      });
    };
    const resumeReplay = () => onReplica.query('SELECT pg_wal_replay_resume()');
    /** Until the replica holds this resource and the server knows it (two check rounds). */
    const replicated = async (type: string, id: string) => {
      await eventually(`${type}/${id} on the replica`, async () => {
        const { rows } = await onReplica.query(
          'SELECT 1 FROM resource WHERE resource_type = $1::text AND id = $2::text',
          [type, id],
        );
        return rows.length > 0 ? true : undefined;
      });
      await router().checkNow();
      await router().checkNow();
    };

    before(async () => {
      const admin = await connect(primary!.url);
      await admin.query(`CREATE DATABASE ${DB}`);
      await admin.end();
      replica = await startThrowawayReplica(primary!);
      server = await startTestServer({
        databaseUrl: withDatabase(primary!.url, DB),
        // a bound far above the test's pauses: a paused replica stays in use, which is the proof
        replicas: { urls: [withDatabase(replica.url, DB)], maxLagMs: 60_000, checkMs: 100 },
      });
      onPrimary = await connect(withDatabase(primary!.url, DB));
      onReplica = await connect(withDatabase(replica.url, DB));
      writerA = { authorization: `Bearer ${server.token}` };
      await bootstrapSystemClient(server.platform.db, 'reader-b:reader-b-secret-0123456789');
      readerB = {
        authorization: `Bearer ${await clientToken(server.url, 'reader-b', 'reader-b-secret-0123456789', 'system/*.*')}`,
      };
      await seedCareWorld(server);
      patient1 = await signIn(server, ['patient'], 'Patient/p1');
      drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
      drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
      await replicated('Provenance', 'prov2'); // the last resource of the care world
    });

    after(async () => {
      await onReplica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await onReplica?.end().catch(() => undefined);
      await onPrimary?.end().catch(() => undefined);
      await server?.close();
      await replica?.stop();
      await primary?.stop();
    });

    it('searches of a principal that wrote nothing are served by the replica', async () => {
      const before = counts();
      assert.equal(await familyCount('Tazi', readerB), 1);
      assert.equal(counts().replica, before.replica + 1);
      // the replica's own view of who is connected: the server's read pool
      const { rows } = await onReplica.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sahti-replica-read' AND datname = $1::text",
        [DB],
      );
      assert.ok(rows[0].n >= 1, 'the server holds read connections on the replica');

      await pauseReplay();
      const id = await create({ resourceType: 'Patient', name: [{ family: 'Lagging' }] });
      const onThePrimary = await onPrimary.query('SELECT 1 FROM resource WHERE id = $1::text', [id]);
      assert.equal(onThePrimary.rows.length, 1);
      // B reads the paused replica: the patient committed on the primary is not there yet
      assert.equal(await familyCount('Lagging', readerB), 0);
      assert.equal((await asB(`/Patient/${id}`)).status, 404);
    });

    it('the principal that wrote reads its own write at once, with replay paused', async () => {
      const before = counts();
      assert.equal(await familyCount('Lagging', writerA), 1);
      const id = (await fhirFetch(server.fhirBase, '/Patient?family=Lagging', { headers: writerA })).body
        .entry[0].resource.id as string;
      const read = await fhirFetch(server.fhirBase, `/Patient/${id}`, { headers: writerA });
      assert.equal(read.status, 200);
      const updated = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
        method: 'PUT',
        body: { ...read.body, gender: 'female' },
        headers: writerA,
      });
      assert.equal(updated.status, 200);
      const again = await fhirFetch(server.fhirBase, `/Patient/${id}`, { headers: writerA });
      assert.equal(again.body.gender, 'female');
      assert.equal(again.body.meta.versionId, '2');
      const history = await fhirFetch(server.fhirBase, `/Patient/${id}/_history`, { headers: writerA });
      assert.equal(history.body.entry.length, 2);
      const everything = await fhirFetch(server.fhirBase, `/Patient/${id}/$everything`, { headers: writerA });
      assert.equal(everything.status, 200);
      const after = counts();
      assert.equal(after.replica, before.replica, 'none of the writer’s reads went to the paused replica');
      assert.ok(after.ownWrite >= before.ownWrite + 5);
      assert.equal(await familyCount('Lagging', readerB), 0, 'the other principal still reads the replica');
    });

    it('once replay resumes the other principal sees it, and the writer is back on the replica', async () => {
      await resumeReplay();
      await eventually('the write replayed', async () =>
        (await familyCount('Lagging', readerB)) === 1 ? true : undefined,
      );
      // the writer's reads return to the replica once a check shows it replayed past the write
      await eventually('the writer served by the replica', async () => {
        await router().checkNow();
        const before = counts();
        assert.equal(await familyCount('Lagging', writerA), 1);
        return counts().replica === before.replica + 1 ? true : undefined;
      });
    });

    it('access decisions use care relationships written a moment ago; reads stay audited', async () => {
      await pauseReplay();
      // a finished encounter with Dr B opens B's care relationship with p2 — on the primary only
      await create({
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: 'Patient/p2' },
        participant: [{ individual: { reference: 'Practitioner/pr-b' } }],
      });
      await server.platform.audit.flush();
      const audited = Number((await onPrimary.query('SELECT count(*)::int AS n FROM audit_event')).rows[0].n);
      const before = counts();
      const reads: [Person, string, number][] = [
        [drB, '/Patient/p2', 200], // decided on the primary's relationships, served by the replica
        [drB, '/Patient/p1', 404],
        [patient1, '/Patient/p1', 200],
        [patient1, '/Patient/p2', 404],
        [patient1, '/Observation/o2', 404],
        [drA, '/Observation/o1', 200],
        [drA, '/Observation/o2', 404],
      ];
      for (const [person, path, status] of reads) {
        const res = await person.fhir(path);
        assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      const own = await patient1.fhir('/Observation');
      assert.deepEqual(
        own.body.entry.map((e: { resource: { id: string } }) => e.resource.id),
        ['o1'],
      );
      assert.equal(
        counts().replica,
        before.replica + reads.length + 1,
        'every read was served by the replica',
      );
      await server.platform.audit.flush();
      const rows = await onPrimary.query<{ content: { outcome: string } }>(
        'SELECT content FROM audit_trail WHERE seq > (SELECT max(seq) FROM audit_event) - $1::int ORDER BY seq',
        [reads.length + 1],
      );
      const total = Number((await onPrimary.query('SELECT count(*)::int AS n FROM audit_event')).rows[0].n);
      assert.equal(total - audited, reads.length + 1, 'one AuditEvent per read');
      assert.deepEqual(
        rows.rows.map((r) => (typeof r.content === 'string' ? JSON.parse(r.content) : r.content).outcome),
        [...reads.map(([, , status]) => (status === 200 ? '0' : '4')), '0'],
      );
      await resumeReplay();
    });

    it('a stopped replica: reads fall back to the primary without an error, and it is used again once back', async () => {
      await replica.halt();
      const id = await create({ resourceType: 'Patient', name: [{ family: 'Fallback' }] });
      for (let i = 0; i < 5; i++) {
        assert.equal(await familyCount('Fallback', readerB), 1, 'answered by the primary');
        assert.equal((await asB(`/Patient/${id}`)).status, 200);
      }
      await router().checkNow();
      const [status] = router().status();
      assert.equal(status.up, false);
      assert.equal(status.usable, false);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^sahti_db_replica_up\{replica="1"\} 0$/m);
      assert.match(metrics, /^sahti_db_reads_total\{target="primary",reason="no-usable-replica"\} [1-9]/m);

      await replica.resume();
      await eventually('the replica back in use', async () => {
        await router().checkNow();
        return router().status()[0].usable ? true : undefined;
      });
      await onReplica.end().catch(() => undefined);
      onReplica = await connect(withDatabase(replica.url, DB));
      await replicated('Patient', id);
      await pauseReplay();
      await create({ resourceType: 'Patient', name: [{ family: 'Returned' }] });
      assert.equal(await familyCount('Returned', readerB), 0, 'served by the replica again (paused)');
      assert.equal(await familyCount('Returned', writerA), 1);
      await resumeReplay();
      const back = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(back, /^sahti_db_replica_up\{replica="1"\} 1$/m);
      assert.match(back, /^sahti_db_replica_lag_seconds\{replica="1"\} [0-9.e-]+$/m);
      assert.match(back, /^sahti_db_reads_total\{target="replica",reason="fresh"\} [1-9]/m);
    });
  });
}
