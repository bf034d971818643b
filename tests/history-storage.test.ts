/**
 * A version's content is stored once: the current version's in `resource`, a superseded one's in
 * its history row (write.ts moves it there when the next version is written). Through HTTP: every
 * version of a resource updated, patched, deleted and created again reads back as it was (vread,
 * instance and type history, conditional and transaction updates); superseded contents are
 * packed (packed.ts); and the migrations drop the copies an older version kept of current versions
 * and pack the superseded ones.
 * (It found that PGlite's history said PUT and 200 for a version 1: its bigint version came back as
 * a number, compared with '1'.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

describe('version contents stored once', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  const patient = (family: string, id?: string): Patient => ({
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    name: [{ family, given: ['Versions'] }],
  });
  /** How each of a resource's history rows holds its content, by version. */
  async function storedContents(id: string): Promise<Record<string, 'packed' | 'json' | 'none'>> {
    const { rows } = await server.platform.db.query<{
      version_id: string;
      stored: 'packed' | 'json' | 'none';
    }>(
      `SELECT version_id::text AS version_id,
              CASE WHEN packed IS NOT NULL THEN 'packed' WHEN content IS NOT NULL THEN 'json' ELSE 'none' END AS stored
         FROM resource_history WHERE resource_type = 'Patient' AND id = $1::text ORDER BY version_id`,
      [id],
    );
    return Object.fromEntries(rows.map((r) => [r.version_id, r.stored]));
  }
  const familyOf = (body: Patient) => body.name?.[0]?.family;

  it('reads every version back after updates, a patch, a deletion and a new creation', async () => {
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body: patient('Un') });
    assert.equal(created.status, 201);
    const id: string = created.body.id;
    assert.deepEqual(await storedContents(id), { '1': 'none' }, 'the current version has no copy');

    const put = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
      method: 'PUT',
      body: patient('Deux', id),
    });
    assert.equal(put.status, 200);
    const patch = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/name/0/family', value: 'Trois' }],
    });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    assert.deepEqual(await storedContents(id), { '1': 'packed', '2': 'packed', '3': 'none' });

    const gone = await fhirFetch(server.fhirBase, `/Patient/${id}`, { method: 'DELETE' });
    assert.ok([200, 204].includes(gone.status));
    assert.deepEqual(await storedContents(id), { '1': 'packed', '2': 'packed', '3': 'packed', '4': 'none' });
    const again = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
      method: 'PUT',
      body: patient('Cinq', id),
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));

    for (const [version, family] of [
      ['1', 'Un'],
      ['2', 'Deux'],
      ['3', 'Trois'],
      ['5', 'Cinq'],
    ]) {
      const read = await fhirFetch(server.fhirBase, `/Patient/${id}/_history/${version}`);
      assert.equal(read.status, 200, `version ${version}`);
      assert.equal(familyOf(read.body), family, `version ${version}`);
      assert.equal(read.body.meta.versionId, version);
    }
    assert.equal((await fhirFetch(server.fhirBase, `/Patient/${id}/_history/4`)).status, 410);
    assert.equal(familyOf((await fhirFetch(server.fhirBase, `/Patient/${id}`)).body), 'Cinq');

    const history = (await fhirFetch(server.fhirBase, `/Patient/${id}/_history`)).body as Bundle<Patient>;
    assert.deepEqual(
      history.entry?.map((e) => [e.request?.method, e.resource ? familyOf(e.resource) : null]),
      [
        ['PUT', 'Cinq'],
        ['DELETE', null],
        ['PUT', 'Trois'], // a patch is recorded as the update it is
        ['PUT', 'Deux'],
        ['POST', 'Un'],
      ],
    );
    const typeHistory = (await fhirFetch(server.fhirBase, '/Patient/_history?_count=100'))
      .body as Bundle<Patient>;
    const ours = typeHistory.entry?.filter(
      (e) => e.fullUrl?.endsWith(`/Patient/${id}`) || e.resource?.id === id,
    );
    assert.deepEqual(
      ours?.map((e) => (e.resource ? familyOf(e.resource) : null)),
      ['Cinq', null, 'Trois', 'Deux', 'Un'],
    );
  });

  it('moves the replaced content in a transaction and a conditional update too', async () => {
    const created = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { ...patient('Avant'), identifier: [{ system: 'urn:test:versions', value: 'v-1' }] },
    });
    const id: string = created.body.id;
    const bundle = await fhirFetch(server.fhirBase, '/', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: {
              ...patient('Pendant', id),
              identifier: [{ system: 'urn:test:versions', value: 'v-1' }],
            },
            request: { method: 'PUT', url: `Patient/${id}` },
          },
        ],
      },
    });
    assert.equal(bundle.status, 200, JSON.stringify(bundle.body));
    const conditional = await fhirFetch(server.fhirBase, '/Patient?identifier=urn:test:versions|v-1', {
      method: 'PUT',
      body: { ...patient('Après', id), identifier: [{ system: 'urn:test:versions', value: 'v-1' }] },
    });
    assert.equal(conditional.status, 200, JSON.stringify(conditional.body));
    assert.deepEqual(await storedContents(id), { '1': 'packed', '2': 'packed', '3': 'none' });
    const families = await Promise.all(
      ['1', '2', '3'].map(async (v) =>
        familyOf((await fhirFetch(server.fhirBase, `/Patient/${id}/_history/${v}`)).body),
      ),
    );
    assert.deepEqual(families, ['Avant', 'Pendant', 'Après']);
  });

  it('pages through a history by its next links, every version once, newest first', async () => {
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body: patient('V1') });
    const id: string = created.body.id;
    for (const n of [2, 3, 4, 5])
      await fhirFetch(server.fhirBase, `/Patient/${id}`, { method: 'PUT', body: patient(`V${n}`, id) });
    const seen: (string | undefined)[] = [];
    let next: string | undefined = `${server.fhirBase}/Patient/${id}/_history?_count=2`;
    while (next) {
      assert.ok(next.startsWith(server.fhirBase), next);
      const page = await fhirFetch(server.fhirBase, next.slice(server.fhirBase.length));
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const bundle = page.body as Bundle<Patient>;
      seen.push(...(bundle.entry ?? []).map((e) => (e.resource ? familyOf(e.resource) : undefined)));
      next = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    assert.deepEqual(seen, ['V5', 'V4', 'V3', 'V2', 'V1']);
  });

  it('the migrations drop the copy of each current version and pack the superseded ones', async () => {
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body: patient('Ancien') });
    const id: string = created.body.id;
    await fhirFetch(server.fhirBase, `/Patient/${id}`, { method: 'PUT', body: patient('Récent', id) });
    const db = server.platform.db;
    // what writes did before: every version's content in its history row, as JSON
    await db.query(
      `UPDATE resource_history h SET packed = NULL,
              content = CASE h.version_id WHEN 1 THEN jsonb_set(r.content::jsonb, '{name,0,family}', '"Ancien"')::json ELSE r.content END
         FROM resource r WHERE h.resource_type = r.resource_type AND h.id = r.id AND r.id = $1::text`,
      [id],
    );
    assert.deepEqual(await storedContents(id), { '1': 'json', '2': 'json' });
    assert.equal(familyOf((await fhirFetch(server.fhirBase, `/Patient/${id}/_history/1`)).body), 'Ancien');
    await db.query('DELETE FROM sahti_migration WHERE version IN (7, 8)');
    assert.deepEqual(await migrate(db), [7, 8]);
    assert.deepEqual(await storedContents(id), { '1': 'packed', '2': 'none' });
    assert.equal(familyOf((await fhirFetch(server.fhirBase, `/Patient/${id}/_history/1`)).body), 'Ancien');
    assert.equal(familyOf((await fhirFetch(server.fhirBase, `/Patient/${id}/_history/2`)).body), 'Récent');
    const history = (await fhirFetch(server.fhirBase, `/Patient/${id}/_history`)).body as Bundle<Patient>;
    assert.deepEqual(
      history.entry?.map((e) => (e.resource ? familyOf(e.resource) : null)),
      ['Récent', 'Ancien'],
    );
  });
});
