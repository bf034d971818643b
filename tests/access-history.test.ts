/**
 * History is scoped per version and ids stay in their compartment: a deleted patient resource's id
 * cannot come back as another patient's, a resource moved between patients shows each its own
 * versions, and what is hidden or deleted-and-hidden looks exactly like what never existed.
 * Identity numbers: one live record per CNIE, and only administrators or systems change it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { systemToken, withToken } from './support/smart-tokens.ts';

let server: TestServer;
let patient1: Person;
let patient2: Person;
let drA: Person;
let admin: Person;

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const obs = (id: string, subject: string, text: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text },
  subject: { reference: `Patient/${subject}` },
});
const put = (body: { resourceType: string; id: string }) =>
  fhirFetch(server.fhirBase, `/${body.resourceType}/${body.id}`, { method: 'PUT', body });

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  patient2 = await signIn(server, ['patient'], 'Patient/p2');
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  admin = await signIn(server, ['administrator']);
});
after(() => server?.close());

describe('history per version, ids per compartment', () => {
  it("a deleted id of one patient cannot be reused for another; the owner's history stays theirs", async () => {
    assert.equal((await put(obs('h-del', 'p2', 'HIV viral load'))).status, 201);
    assert.equal((await fhirFetch(server.fhirBase, '/Observation/h-del', { method: 'DELETE' })).status, 200);
    const reuse = await put(obs('h-del', 'p1', 'weight'));
    assert.equal(reuse.status, 409, JSON.stringify(reuse.body));
    const asP1 = await patient1.fhir('/Observation/h-del/_history');
    assert.equal(asP1.status, 404);
    assert.equal((await patient1.fhir('/Observation/h-del/_history/1')).status, 404);
    // the owner still sees their history; the same patient may bring the id back
    const asP2 = await patient2.fhir('/Observation/h-del/_history');
    assert.equal(asP2.status, 200);
    assert.equal(asP2.body.entry.length, 2);
    assert.equal((await put(obs('h-del', 'p2', 'HIV viral load'))).status, 201);
  });

  it('a resource moved to another patient shows each patient only their own versions', async () => {
    await put(obs('h-move', 'p2', 'recorded on the wrong patient'));
    await put(obs('h-move', 'p1', 'corrected'));
    const p1 = await patient1.fhir('/Observation/h-move/_history');
    assert.deepEqual(
      p1.body.entry.map((e: any) => e.response.etag),
      ['W/"2"'],
    );
    assert.equal((await patient1.fhir('/Observation/h-move/_history/1')).status, 404);
    const p1All = await patient1.fhir('/_history?_count=1000');
    assert.ok(!JSON.stringify(p1All.body).includes('recorded on the wrong patient'));
    const p2 = await patient2.fhir('/Observation/h-move/_history');
    assert.deepEqual(
      p2.body.entry.map((e: any) => e.response.etag),
      ['W/"1"'],
    );
  });

  it('hidden, deleted-and-hidden and unknown answer alike (404); deleted-and-mine answers 410', async () => {
    await put(obs('h-gone', 'p2', 'gone'));
    await fhirFetch(server.fhirBase, '/Observation/h-gone', { method: 'DELETE' });
    await put(obs('h-mine', 'p1', 'mine'));
    await fhirFetch(server.fhirBase, '/Observation/h-mine', { method: 'DELETE' });
    const answers = await Promise.all(
      ['/Observation/o2', '/Observation/h-gone', '/Observation/never-was'].map((p) => patient1.fhir(p)),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      [404, 404, 404],
    );
    assert.deepEqual(
      answers.map((a) => a.body.issue[0].code),
      ['not-found', 'not-found', 'not-found'],
    );
    assert.equal((await patient1.fhir('/Observation/h-mine')).status, 410);
    for (const who of [drA, patient1]) {
      const refused = await who.fhir('/Observation/o2', { method: 'PUT', body: obs('o2', 'p2', 'changed') });
      assert.equal(refused.status, 404, 'a write to a hidden resource answers as for an unknown one');
      assert.doesNotMatch(JSON.stringify(refused.body), /Patient\/p2/);
    }
  });
});

describe('identity numbers', () => {
  it('one live Patient per CNIE, even when two registrations race', async () => {
    const make = () =>
      fhirFetch(server.fhirBase, '/Patient', {
        method: 'POST',
        body: {
          resourceType: 'Patient',
          identifier: [{ system: CNIE, value: 'CD765432' }],
          name: [{ family: 'Race' }],
        },
      });
    const results = await Promise.all([make(), make(), make()]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409]);
    const found = await fhirFetch(server.fhirBase, `/Patient?identifier=${CNIE}|CD765432`);
    assert.equal(found.body.entry.length, 1);
    const bundle = await fhirFetch(server.fhirBase, '', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: ['a', 'b'].map((n) => ({
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: CNIE, value: 'EF111222' }],
            name: [{ family: n }],
          },
          request: { method: 'POST', url: 'Patient' },
        })),
      },
    });
    assert.equal(bundle.status, 409, 'two entries cannot claim the same number');
  });

  it("a patient corrects their name, not their CNIE; another person's CNIE cannot be taken", async () => {
    await put({
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: CNIE, value: 'GH123456' }],
      name: [{ family: 'Tazi' }],
    } as never);
    const me = (await patient1.fhir('/Patient/p1')).body;
    const renamed = await patient1.fhir('/Patient/p1', {
      method: 'PUT',
      body: { ...me, name: [{ family: 'Tazi-Alaoui' }] },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const taken = await patient1.fhir('/Patient/p1', {
      method: 'PUT',
      body: { ...renamed.body, identifier: [{ system: CNIE, value: 'ZZ999999' }] },
    });
    assert.equal(taken.status, 403);
    const changed = await patient1.fhir('/Patient/p1', {
      method: 'PUT',
      body: { ...renamed.body, identifier: [{ system: CNIE, value: 'GH654321' }] },
    });
    assert.equal(changed.status, 403);
    // the conditional reference by CNIE still resolves to the one owner
    const p3 = await fhirFetch(server.fhirBase, `/Patient?identifier=${CNIE}|ZZ999999`);
    assert.deepEqual(
      p3.body.entry.map((e: any) => e.resource.id),
      ['p3'],
    );
  });

  it('a system client with update rights corrects a CNIE; a duplicate is still refused', async () => {
    const token = await systemToken(server, 'system/Patient.rus');
    const p1 = (await withToken(server, token, '/Patient/p1')).body;
    const fixed = await withToken(server, token, '/Patient/p1', {
      method: 'PUT',
      body: { ...p1, identifier: [{ system: CNIE, value: 'GH654321' }] },
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    const duplicate = await withToken(server, token, '/Patient/p1', {
      method: 'PUT',
      body: { ...fixed.body, identifier: [{ system: CNIE, value: 'ZZ999999' }] },
    });
    assert.equal(duplicate.status, 409);
    assert.equal((await admin.fhir('/Patient/p1')).status, 403, 'administrators do not read records');
  });

  it('an administrator corrects a CNIE with a reason through $change-identifier; others may not', async () => {
    const params = (value: string, reason = 'keyed wrongly at registration') => ({
      resourceType: 'Parameters',
      parameter: [
        { name: 'system', valueUri: CNIE },
        { name: 'value', valueString: value },
        { name: 'reason', valueString: reason },
      ],
    });
    const done = await admin.fhir('/Patient/p1/$change-identifier', {
      method: 'POST',
      body: params('GH777777'),
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const check = await fhirFetch(server.fhirBase, `/Patient?identifier=${CNIE}|GH777777`);
    assert.deepEqual(
      check.body.entry.map((e: any) => e.resource.id),
      ['p1'],
    );
    assert.equal(
      (await admin.fhir('/Patient/p1/$change-identifier', { method: 'POST', body: params('ZZ999999') }))
        .status,
      409,
    );
    assert.equal(
      (await admin.fhir('/Patient/p1/$change-identifier', { method: 'POST', body: params('GH888888', 'x') }))
        .status,
      400,
    );
    for (const who of [patient1, drA]) {
      const res = await who.fhir('/Patient/p1/$change-identifier', {
        method: 'POST',
        body: params('GH999999'),
      });
      assert.equal(res.status, 403);
    }
    await server.platform.audit.flush();
    const events = await server.platform.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_trail WHERE patient_id = 'p1' AND content::text LIKE '%identity number changed%'",
    );
    assert.equal(events.rows[0].n, 1);
  });
});
