/**
 * An update of a live resource runs without a transaction (store.ts `updateOptimistically`): its
 * current version read without a lock, the new one written by one statement that writes nothing
 * unless that version is still current. Through the HTTP API, on both backends: updates of one
 * resource at once each get their own version and none is lost, If-Match still lets one writer
 * win, patches at once are each applied to the version they replace, an update racing a delete
 * leaves a history in one order, and the updates that must commit with something else (a new CNIE
 * to claim) still take the transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CNIE_SYSTEM } from '../packages/server/src/identifiers/morocco.ts';
import { type AskedStatement, withAskedStatements } from './support/asked-statements.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

const call = (path: string, method = 'GET', body?: unknown, headers?: Record<string, string>) =>
  fhirFetch(server.fhirBase, path, { method, body, headers });

const patient = (family: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Salma'] }],
  birthDate: '1984-03-02',
  ...extra,
});

async function created(family: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call('/Patient', 'POST', patient(family, extra));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Family names made of letters only, one per writer (a name search matches by prefix). */
const family = (round: string, i: number) => `Tazi${round}${String.fromCharCode(97 + i)}q`;

async function familiesFound(families: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const f of families) {
    const res = await call(`/Patient?family:exact=${f}`);
    assert.equal(res.status, 200);
    found.set(
      f,
      (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id),
    );
  }
  return found;
}

describe('updates of one resource at the same time', () => {
  it('twelve PUTs at once: each gets its own version, none is lost, the index holds the last', async () => {
    const id = await created('Tazibase');
    const families = Array.from({ length: 12 }, (_, i) => family('x', i));
    const answers = await Promise.all(
      families.map((f) => call(`/Patient/${id}`, 'PUT', { ...patient(f), id })),
    );
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const versions = answers.map((a) => Number(a.body.meta.versionId)).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: 12 }, (_, i) => i + 2),
      'each update wrote its own version',
    );
    const byVersion = new Map(answers.map((a) => [a.body.meta.versionId as string, a.body.name[0].family]));

    const current = await call(`/Patient/${id}`);
    assert.equal(current.body.meta.versionId, '13');
    assert.equal(current.body.name[0].family, byVersion.get('13'), 'the last version written is current');
    // every version is kept as its writer sent it
    const history = await call(`/Patient/${id}/_history`);
    assert.equal(history.body.total, 13);
    for (const [version, f] of byVersion) {
      const old = await call(`/Patient/${id}/_history/${version}`);
      assert.equal(old.status, 200);
      assert.equal(old.body.name[0].family, f, `version ${version} holds what its PUT sent`);
    }
    // the index holds the current version's family only
    const found = await familiesFound([...families, 'Tazibase']);
    for (const [f, ids] of found)
      assert.deepEqual(ids, f === byVersion.get('13') ? [id] : [], `a search for ${f}`);
  });

  it('eight PUTs naming the same version in If-Match: one is written, the others get 412', async () => {
    const id = await created('Taziifmatch');
    const families = Array.from({ length: 8 }, (_, i) => family('m', i));
    const answers = await Promise.all(
      families.map((f) => call(`/Patient/${id}`, 'PUT', { ...patient(f), id }, { 'If-Match': 'W/"1"' })),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
    for (const refused of answers.filter((a) => a.status === 412))
      assert.equal(refused.body.resourceType, 'OperationOutcome');
    const winner = answers.find((a) => a.status === 200)?.body.name[0].family;
    const current = await call(`/Patient/${id}`);
    assert.equal(current.body.meta.versionId, '2');
    assert.equal(current.body.name[0].family, winner);
    assert.equal((await call(`/Patient/${id}/_history`)).body.total, 2);
  });

  it('a PUT racing a DELETE: both are kept in one order, and the later one is the state', async () => {
    for (let round = 0; round < 6; round++) {
      const id = await created(`Taziracer${String.fromCharCode(97 + round)}`);
      const next = family(`d${String.fromCharCode(97 + round)}`, 0);
      const [put, del] = await Promise.all([
        call(`/Patient/${id}`, 'PUT', { ...patient(next), id }),
        call(`/Patient/${id}`, 'DELETE'),
      ]);
      // after the delete, the PUT creates the resource again (201)
      assert.ok([200, 201].includes(put.status), JSON.stringify(put.body));
      assert.ok([200, 204].includes(del.status), JSON.stringify(del.body));
      const history = await call(`/Patient/${id}/_history`);
      assert.equal(history.body.total, 3, 'the creation, the update and the deletion');
      const latest = history.body.entry[0];
      const read = await call(`/Patient/${id}`);
      if (latest.request?.method === 'DELETE') {
        assert.equal(put.status, 200, 'the PUT came first');
        assert.equal(read.status, 410);
        assert.deepEqual((await familiesFound([next])).get(next), [], 'a deleted resource is not found');
      } else {
        assert.equal(put.status, 201, 'the PUT came after the deletion: a new life for the id');
        assert.equal(read.status, 200);
        assert.equal(read.body.meta.versionId, '3');
        assert.deepEqual((await familiesFound([next])).get(next), [id]);
      }
    }
  });
});

describe('patches of one resource at the same time', () => {
  it('ten PATCHes each adding a nickname: all ten are kept, in ten versions', async () => {
    const id = await created('Tazipatch');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(
          `/Patient/${id}`,
          'PATCH',
          [{ op: 'add', path: '/name/-', value: { use: 'nickname', text: `Surnom ${i}` } }],
          {
            'content-type': 'application/json-patch+json',
          },
        ),
      ),
    );
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const current = await call(`/Patient/${id}`);
    assert.equal(current.body.meta.versionId, '11');
    assert.deepEqual(
      current.body.name
        .slice(1)
        .map((n: { text: string }) => n.text)
        .sort(),
      Array.from({ length: 10 }, (_, i) => `Surnom ${i}`),
      'no patch was applied to a version another one had replaced',
    );
  });

  it('a PATCH is a read and a conditional write; a stale If-Match and a patch of the id are refused', async () => {
    const id = await created('Tazipatchone');
    const patch = (ops: unknown, headers: Record<string, string> = {}) =>
      call(`/Patient/${id}`, 'PATCH', ops, { 'content-type': 'application/json-patch+json', ...headers });
    await withAskedStatements(server.platform.db, async (asked) => {
      const res = await patch([{ op: 'replace', path: '/birthDate', value: '1985-04-03' }]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const statements = asked.filter((a) => /\bJOIN resource r\b|INSERT INTO resource\b/.test(a.text));
      assert.equal(statements.length, 2);
      assert.ok(statements.every((st) => !st.inTransaction));
    });
    assert.equal(
      (await patch([{ op: 'replace', path: '/gender', value: 'female' }], { 'If-Match': 'W/"1"' })).status,
      412,
    );
    assert.equal((await patch([{ op: 'replace', path: '/id', value: 'another' }])).status, 400);
    const current = await call(`/Patient/${id}`);
    assert.equal(current.body.meta.versionId, '2');
    assert.equal(current.body.birthDate, '1985-04-03');
    assert.equal(current.body.gender, undefined);
  });
});

describe('deletions of one resource at the same time', () => {
  it('six DELETEs at once write one deletion; a stale If-Match is refused', async () => {
    const id = await created('Tazidelete');
    const stale = await call(`/Patient/${id}`, 'DELETE', undefined, { 'If-Match': 'W/"9"' });
    assert.equal(stale.status, 412);
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(`/Patient/${id}`, 'DELETE')));
    for (const a of answers) assert.ok([200, 204].includes(a.status), JSON.stringify(a.body));
    const history = await call(`/Patient/${id}/_history`);
    assert.equal(history.body.total, 2, 'the creation and one deletion');
    assert.equal(history.body.entry[0].request.method, 'DELETE');
    assert.equal((await call(`/Patient/${id}`)).status, 410);
  });
});

describe('which writes take a transaction', () => {
  const watched = <T>(work: (asked: AskedStatement[]) => Promise<T>) =>
    withAskedStatements(server.platform.db, work);
  /** The statements that read or write the resource itself (the audit's own are left out). */
  const ofResource = (asked: AskedStatement[]) =>
    asked.filter((a) => /\bJOIN resource r\b|INSERT INTO resource\b/.test(a.text));

  it('an update of a live resource is a read and a conditional write, no transaction and no lock', async () => {
    const id = await created('Tazistatements');
    await watched(async (asked) => {
      const res = await call(`/Patient/${id}`, 'PUT', { ...patient('Tazistatementz'), id });
      assert.equal(res.status, 200);
      const statements = ofResource(asked);
      assert.equal(statements.length, 2, statements.map((s) => s.text.slice(0, 80)).join('\n'));
      assert.ok(statements.every((s) => !s.inTransaction));
      assert.doesNotMatch(statements[0].text, /FOR UPDATE/, 'the current version is read without a lock');
      assert.match(statements[1].text, /version_id = \$4::bigint FOR UPDATE/, 'the write names the version');
    });
  });

  it('a deletion of a live resource is a read and a conditional write, no transaction', async () => {
    // (a Patient's deletion has a write hook's effect to commit with it, and takes the transaction)
    const device = await call('/Device', 'POST', {
      resourceType: 'Device',
      deviceName: [{ name: 'Tensiomètre', type: 'user-friendly-name' }],
    });
    assert.equal(device.status, 201, JSON.stringify(device.body));
    const id = device.body.id as string;
    await watched(async (asked) => {
      const res = await call(`/Device/${id}`, 'DELETE');
      assert.ok([200, 204].includes(res.status));
      const statements = ofResource(asked);
      assert.equal(statements.length, 2, statements.map((s) => s.text.slice(0, 80)).join('\n'));
      assert.ok(statements.every((s) => !s.inTransaction));
      assert.match(statements[1].text, /version_id = \$4::bigint FOR UPDATE/);
    });
  });

  it('an update that claims a new CNIE, or re-creates a deleted id, takes the transaction', async () => {
    const id = await created('Tazicnie', { identifier: [{ system: CNIE_SYSTEM, value: 'QA200101' }] });
    await watched(async (asked) => {
      const res = await call(`/Patient/${id}`, 'PUT', {
        ...patient('Tazicnie', { identifier: [{ system: CNIE_SYSTEM, value: 'QA200102' }] }),
        id,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const write = ofResource(asked).find((s) => /INSERT INTO resource\b/.test(s.text));
      assert.equal(write?.inTransaction, true, 'a new number is claimed under its lock');
    });
    // the number the first version held is free again; the new one is held
    const other = await call(
      '/Patient',
      'POST',
      patient('Taziother', { identifier: [{ system: CNIE_SYSTEM, value: 'QA200102' }] }),
    );
    assert.equal(other.status, 409);
    assert.equal(
      (
        await call(
          '/Patient',
          'POST',
          patient('Taziother', { identifier: [{ system: CNIE_SYSTEM, value: 'QA200101' }] }),
        )
      ).status,
      201,
    );
    const gone = await created('Tazigone');
    assert.equal((await call(`/Patient/${gone}`, 'DELETE')).status >= 200, true);
    await watched(async (asked) => {
      const res = await call(`/Patient/${gone}`, 'PUT', { ...patient('Tazigone'), id: gone });
      assert.equal(res.status, 201);
      const write = ofResource(asked).find((s) => /INSERT INTO resource\b/.test(s.text));
      assert.equal(write?.inTransaction, true, 'a re-creation is locked');
    });
  });

  it('an update whose version changed in between is read and written again', async () => {
    const id = await created('Taziretry');
    // the first read of the PUT is answered, then another writer's update is let through before
    // the PUT's conditional write: that write finds another version and writes nothing
    const db = server.platform.db;
    const query = db.query;
    let interfered = false;
    db.query = (async (text: string, params?: unknown[], options?: unknown) => {
      const result = await query.call(db, text, params, options as never);
      if (!interfered && /\bJOIN resource r\b/.test(text) && !/FOR UPDATE/.test(text)) {
        interfered = true;
        db.query = query;
        const other = await call(`/Patient/${id}`, 'PUT', { ...patient('Taziretryother'), id });
        assert.equal(other.status, 200);
      }
      return result;
    }) as typeof query;
    try {
      const res = await call(`/Patient/${id}`, 'PUT', { ...patient('Taziretrymine'), id });
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.versionId, '3', 'written over the other writer’s version');
    } finally {
      db.query = query;
    }
    assert.ok(interfered);
    const history = await call(`/Patient/${id}/_history`);
    assert.deepEqual(
      history.body.entry.map((e: { resource: { name: { family: string }[] } }) => e.resource.name[0].family),
      ['Taziretrymine', 'Taziretryother', 'Taziretry'],
    );
  });
});
