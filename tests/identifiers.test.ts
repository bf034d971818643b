/** Moroccan identifiers: CNIE on patients, INPE on practitioners and facilities, format-checked on write. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CNIE_SYSTEM, INPE_SYSTEM } from '../packages/server/src/identifiers/morocco.ts';
import { type AskedStatement, withAskedStatements } from './support/asked-statements.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

const post = (path: string, body: unknown) => fhirFetch(server.fhirBase, path, { method: 'POST', body });

describe('CNIE and INPE identifiers', () => {
  it('accepts a patient with a well-formed CNIE number and finds them by it', async () => {
    const created = await post('/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: CNIE_SYSTEM, value: 'BK765432' }],
    });
    assert.equal(created.status, 201);
    const found = await fhirFetch(
      server.fhirBase,
      `/Patient?identifier=${encodeURIComponent(`${CNIE_SYSTEM}|BK765432`)}`,
    );
    assert.equal(found.body.entry[0].resource.id, created.body.id);
  });

  it('refuses a malformed CNIE number with 400 naming the element, and stores nothing', async () => {
    const res = await post('/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: CNIE_SYSTEM, value: '12-AB' }],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.issue[0].expression, ['Patient.identifier[0].value']);
    const count = await fhirFetch(
      server.fhirBase,
      `/Patient?identifier=${encodeURIComponent(`${CNIE_SYSTEM}|12-AB`)}&_summary=count`,
    );
    assert.equal(count.body.total, 0);
  });

  it('checks the INPE of practitioners and organisations', async () => {
    const bad = await post('/Practitioner', {
      resourceType: 'Practitioner',
      identifier: [{ system: INPE_SYSTEM, value: '12345' }],
    });
    assert.equal(bad.status, 400);
    const good = await post('/Organization', {
      resourceType: 'Organization',
      name: 'CHU',
      identifier: [{ system: INPE_SYSTEM, value: '100200300' }],
    });
    assert.equal(good.status, 201);
  });

  it('checks identifiers inside a transaction and rejects the whole bundle', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:8a6f1b7e-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', identifier: [{ system: CNIE_SYSTEM, value: 'AB123456' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: { resourceType: 'Patient', identifier: [{ system: CNIE_SYSTEM, value: 'not-a-cnie' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const res = await post('', bundle);
    assert.equal(res.status, 400);
    assert.match(res.body.issue[0].expression[0], /^Bundle\.entry\[1\]\.resource\.identifier\[0\]\.value$/);
    const count = await fhirFetch(server.fhirBase, `/Patient?identifier=AB123456&_summary=count`);
    assert.equal(count.body.total, 0);
  });
});

describe('a CNIE names one live patient', () => {
  const withCnie = (value: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    identifier: [{ system: CNIE_SYSTEM, value }],
    ...extra,
  });
  const holders = async (value: string): Promise<string[]> =>
    (
      await fhirFetch(server.fhirBase, `/Patient?identifier=${encodeURIComponent(`${CNIE_SYSTEM}|${value}`)}`)
    ).body.entry?.map((e: { resource: { id: string } }) => e.resource.id) ?? [];
  const put = (id: string, body: Record<string, unknown>) =>
    fhirFetch(server.fhirBase, `/Patient/${id}`, { method: 'PUT', body: { ...body, id } });
  const transaction = (...patients: unknown[]) =>
    post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: patients.map((resource) => ({ resource, request: { method: 'POST', url: 'Patient' } })),
    });

  it('refuses a second holder on create and on update; the holder itself keeps it through updates', async () => {
    const first = await post('/Patient', withCnie('UQ100001'));
    assert.equal(first.status, 201);
    const second = await post('/Patient', withCnie('UQ100001', { gender: 'female' }));
    assert.equal(second.status, 409);
    assert.equal(second.body.issue[0].code, 'duplicate');
    const other = await post('/Patient', { resourceType: 'Patient', gender: 'male' });
    assert.equal((await put(other.body.id, withCnie('UQ100001'))).status, 409);
    assert.equal((await put(first.body.id, withCnie('UQ100001', { gender: 'male' }))).status, 200);
    assert.deepEqual(await holders('UQ100001'), [first.body.id]);
  });

  it('a deleted holder frees the number; an expired CNIE beside a live holder claims nothing', async () => {
    const holder = await post('/Patient', withCnie('UQ100002'));
    assert.equal((await post('/Patient', withCnie('UQ100002'))).status, 409);
    assert.equal(
      (await fhirFetch(server.fhirBase, `/Patient/${holder.body.id}`, { method: 'DELETE' })).status,
      200,
    );
    const next = await post('/Patient', withCnie('UQ100002'));
    assert.equal(next.status, 201);
    const expired = await post('/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: CNIE_SYSTEM, value: 'UQ100002', period: { end: '2020-01-01' } }],
    });
    assert.equal(expired.status, 201, JSON.stringify(expired.body));
    assert.deepEqual((await holders('UQ100002')).sort(), [expired.body.id, next.body.id].sort());
  });

  it('an expired CNIE never holds the number: once its live holder is deleted, another patient may take it', async () => {
    const live = await post('/Patient', withCnie('UQ100016'));
    const expired = await post('/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: CNIE_SYSTEM, value: 'UQ100016', period: { end: '2020-01-01' } }],
    });
    assert.equal(expired.status, 201);
    assert.equal(
      (await post('/Patient', withCnie('UQ100016'))).status,
      409,
      'the live holder still holds it',
    );
    await fhirFetch(server.fhirBase, `/Patient/${live.body.id}`, { method: 'DELETE' });
    const next = await post('/Patient', withCnie('UQ100016'));
    assert.equal(next.status, 201, JSON.stringify(next.body));
    // the expired carrier cannot take it back while the new holder is live
    const revived = await put(expired.body.id, withCnie('UQ100016'));
    assert.equal(revived.status, 409);
    // a holder that gives the number up in the same bundle lets another take it
    const handover = await post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', id: next.body.id, gender: 'female' },
          request: { method: 'PUT', url: `Patient/${next.body.id}` },
        },
        { resource: withCnie('UQ100016', { gender: 'male' }), request: { method: 'POST', url: 'Patient' } },
      ],
    });
    assert.equal(handover.status, 200, JSON.stringify(handover.body));
    const now = await holders('UQ100016');
    assert.equal(now.length, 2, 'the new holder and the expired carrier');
    assert.ok(!now.includes(next.body.id));
  });

  it('checks a bundle against the stored holders and within itself, all or nothing', async () => {
    await post('/Patient', withCnie('UQ100003'));
    assert.equal((await transaction(withCnie('UQ100004'), withCnie('UQ100003'))).status, 409);
    assert.equal((await transaction(withCnie('UQ100005'), withCnie('UQ100005'))).status, 409);
    assert.deepEqual(await holders('UQ100004'), []);
    assert.deepEqual(await holders('UQ100005'), []);
    const both = await transaction(withCnie('UQ100004'), withCnie('UQ100005'));
    assert.equal(both.status, 200);
    assert.equal((await holders('UQ100004')).length, 1);
    assert.equal((await holders('UQ100005')).length, 1);
  });

  it('a bundle written in several chunks is judged whole: a clash in a late chunk leaves nothing, a handover across chunks passes', async () => {
    // 900 entries: the versions are built and written 400 at a time (transaction.ts), the
    // identifiers checked once the whole bundle is written
    const many = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => withCnie(`${prefix}${String(i).padStart(5, '0')}`));
    const stored = await post('/Patient', withCnie('UQ100020'));
    const lateClash = [...many('UR', 899), withCnie('UQ100020')];
    const refused = await transaction(...lateClash);
    assert.equal(refused.status, 409, JSON.stringify(refused.body).slice(0, 300));
    const within = [...many('US', 899), withCnie('US00003')];
    assert.equal((await transaction(...within)).status, 409, 'the last entry repeats the fourth');
    for (const value of ['UR00000', 'UR00450', 'UR00898', 'US00000', 'US00003', 'US00898'])
      assert.deepEqual(await holders(value), [], `${value}: nothing of a refused bundle is stored`);
    assert.deepEqual(await holders('UQ100020'), [stored.body.id]);
    // the number taken in the first chunk, given up by its holder in the last one (PUTs follow POSTs)
    const handover = await post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        ...[withCnie('UQ100020'), ...many('UT', 899)].map((resource) => ({
          resource,
          request: { method: 'POST', url: 'Patient' },
        })),
        {
          resource: { resourceType: 'Patient', id: stored.body.id, gender: 'other' },
          request: { method: 'PUT', url: `Patient/${stored.body.id}` },
        },
      ],
    });
    assert.equal(handover.status, 200, JSON.stringify(handover.body).slice(0, 300));
    const now = await holders('UQ100020');
    assert.equal(now.length, 1);
    assert.notEqual(now[0], stored.body.id);
    assert.equal((await holders('UT00898')).length, 1);
  });

  const watched = (work: (asked: AskedStatement[]) => Promise<void>) =>
    withAskedStatements(server.platform.db, work);
  const claimed = (asked: AskedStatement[]) =>
    asked.filter((a) => a.text.includes('sahti_claim_identifier('));
  const checkedInTransaction = (asked: AskedStatement[]) =>
    asked.filter((a) => a.inTransaction && a.text.includes('FROM sp_token'));

  it('a create with one CNIE is one statement, which claims the number itself', async () => {
    let holder = '';
    await watched(async (asked) => {
      const created = await post('/Patient', withCnie('UQ100030'));
      assert.equal(created.status, 201);
      holder = created.body.id;
      assert.equal(claimed(asked).length, 1, 'the write statement claims the number');
      assert.match(claimed(asked)[0].text, /INSERT INTO resource\b/);
      assert.equal(claimed(asked)[0].inTransaction, false, 'the statement is its own transaction');
      assert.deepEqual(checkedInTransaction(asked), [], 'no transaction looked the number up');
      // a second holder: the statement's claim meets the first, the transaction answers 409
      const second = await post('/Patient', withCnie('UQ100030', { gender: 'female' }));
      assert.equal(second.status, 409);
      assert.equal(second.body.issue[0].code, 'duplicate');
      assert.equal(claimed(asked).length, 2);
      assert.equal(
        checkedInTransaction(asked).length,
        1,
        'the refused claim went the way of the transaction',
      );
    });
    assert.deepEqual(await holders('UQ100030'), [holder]);
  });

  it('a create naming a GP: the number claimed by the write statement, the relationship granted in the same transaction', async () => {
    const gp = await post('/Practitioner', { resourceType: 'Practitioner', name: [{ family: 'Idrissi' }] });
    assert.equal(gp.status, 201);
    const named = { generalPractitioner: [{ reference: `Practitioner/${gp.body.id}` }] };
    let holder = '';
    await watched(async (asked) => {
      const created = await post('/Patient', withCnie('UQ100032', named));
      assert.equal(created.status, 201);
      holder = created.body.id;
      assert.equal(claimed(asked).length, 1);
      assert.equal(claimed(asked)[0].inTransaction, true, 'the write and the grant commit together');
      assert.deepEqual(checkedInTransaction(asked), []);
      const second = await post('/Patient', withCnie('UQ100032', named));
      assert.equal(second.status, 409);
      assert.equal(checkedInTransaction(asked).length, 1);
    });
    assert.deepEqual(await holders('UQ100032'), [holder]);
    const relations = await server.platform.db.query<{ patient_id: string }>(
      "SELECT patient_id FROM care_relation WHERE actor = $1::text AND source = 'gp' AND end_at IS NULL",
      [`Practitioner/${gp.body.id}`],
    );
    assert.deepEqual(
      relations.rows.map((r) => r.patient_id),
      [holder],
      'the GP relationship of the stored patient only: the refused one left none',
    );
  });

  it('a holder committed while the create waited for the number is seen: 409, one holder', async (t) => {
    if (server.backend !== 'postgres') return t.skip('two transactions at once: PostgreSQL only');
    const { db, store } = server.platform;
    // the rival holds the number's lock in an open transaction; the create's statement starts (its
    // snapshot taken) and waits for that lock, then must see the rival that committed meanwhile
    const { racing, rival } = await db.transaction(async (tx) => {
      const rival = (await store.createWithin(tx, withCnie('UQ100031'))).resource.id as string;
      const racing = post('/Patient', withCnie('UQ100031', { gender: 'female' }));
      for (let i = 0; i < 200; i++) {
        const waiting = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        if (waiting.rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      return { racing: { answer: racing }, rival };
    });
    const answer = await racing.answer;
    assert.equal(answer.status, 409, JSON.stringify(answer.body).slice(0, 300));
    assert.deepEqual(await holders('UQ100031'), [rival]);
  });

  it('five patients created at once with the same new CNIE: one is stored, four get 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        post('/Patient', withCnie('UQ100006', { birthDate: `199${i}-01-01` })),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409]);
    assert.equal((await holders('UQ100006')).length, 1);
  });
});
