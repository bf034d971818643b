/**
 * `phone` and `email` read the `telecom` rows of their system (overlap.ts tokenAlias, schema version
 * 18): Patient `phone` is `Patient.telecom.where(system='phone')`. Through HTTP: a number, an address
 * in any case, `system|value`, another system's value (nothing), `:missing`, `:not`, the sort, a
 * Practitioner's; no row is stored under `phone` or `email`; the migration removes those an older
 * version wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { namesFound } from './support/named-search.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

describe('contact points of one system', () => {
  let server: TestServer;
  const ids: Record<'amina' | 'badr' | 'chama' | 'driss', string> = {
    amina: '',
    badr: '',
    chama: '',
    driss: '',
  };
  const telecoms: Record<keyof typeof ids, ContactPoint[]> = {
    amina: [
      { system: 'phone', value: '0612000001', use: 'mobile' },
      { system: 'email', value: 'Amina.Contact@Example.MA' },
    ],
    badr: [
      { system: 'phone', value: '0537000002' },
      { system: 'phone', value: '0612000009' },
    ],
    // a fax and an email: no phone
    chama: [
      { system: 'fax', value: '0612000001' },
      { system: 'email', value: 'chama.contact@example.ma' },
    ],
    driss: [],
  };
  const mine = () => `_id=${Object.values(ids).join(',')}`;

  /** The names of the Patients a search among these four finds, in the order given. */
  const found = (query: string): Promise<string[]> =>
    namesFound(server.fhirBase, `/Patient?${mine()}&${query}`, ids);
  const sorted = async (query: string) => (await found(query)).sort();

  before(async () => {
    server = await startTestServer();
    for (const [name, telecom] of Object.entries(telecoms) as [keyof typeof ids, ContactPoint[]][]) {
      const res = await fhirFetch(server.fhirBase, '/Patient', {
        method: 'POST',
        body: { resourceType: 'Patient', name: [{ family: 'Contact', given: [name] }], telecom },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name] = res.body.id;
    }
  });
  after(() => server?.close());

  it('are found among the telecom of their system only', async () => {
    assert.deepEqual(await sorted('phone=0612000001'), ['amina']); // Chama's fax is not a phone
    assert.deepEqual(await sorted('telecom=0612000001'), ['amina', 'chama']);
    assert.deepEqual(await sorted('phone=phone|0612000009'), ['badr']);
    assert.deepEqual(await found('phone=email|0612000009'), []);
    assert.deepEqual(await sorted('phone=0537000002,0612000001'), ['amina', 'badr']);
    assert.deepEqual(await sorted('email=AMINA.CONTACT@example.ma'), ['amina']); // any case
    assert.deepEqual(await sorted('email=chama.contact@example.ma'), ['chama']);
    assert.deepEqual(await found('email=0612000001'), []);
    assert.deepEqual(await sorted('phone:missing=true'), ['chama', 'driss']);
    assert.deepEqual(await sorted('email:missing=false'), ['amina', 'chama']);
    assert.deepEqual(await sorted('phone:not=0612000001'), ['badr', 'chama', 'driss']);
    // ascending by the lowest number, no phone first (a missing value sorts lowest); descending by
    // the highest
    const ascending = await found('_sort=phone');
    assert.deepEqual(
      [...ascending.slice(0, 2).sort(), ...ascending.slice(2)],
      ['chama', 'driss', 'badr', 'amina'],
    );
    assert.deepEqual(await found('phone:missing=false&_sort=-phone'), ['badr', 'amina']);
    // no `_id` list: the search starts from the telecom rows themselves
    const res = await fhirFetch(server.fhirBase, '/Patient?phone=0612000009');
    assert.deepEqual(
      res.body.entry.map((e: { resource: Patient }) => e.resource.id),
      [ids.badr],
    );
  });

  it("a Practitioner's too", async () => {
    const res = await fhirFetch(server.fhirBase, '/Practitioner', {
      method: 'POST',
      body: {
        resourceType: 'Practitioner',
        name: [{ family: 'Contact' }],
        telecom: [
          { system: 'phone', value: '0522999999' },
          { system: 'email', value: 'dr.contact@example.ma' },
        ],
      },
    });
    assert.equal(res.status, 201);
    const search = async (q: string) =>
      ((await fhirFetch(server.fhirBase, `/Practitioner?${q}`)).body.entry ?? []).map(
        (e: { resource: { id: string } }) => e.resource.id,
      );
    assert.deepEqual(await search('phone=0522999999'), [res.body.id]);
    assert.deepEqual(await search('email=0522999999'), []);
    assert.deepEqual(await search('email=dr.contact@example.ma'), [res.body.id]);
  });

  it('store no row of their own, and the migration removes those written before', async () => {
    const db = server.platform.db;
    const own = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM sp_token WHERE resource_type = 'Patient' AND id = ANY($1::text[])
                AND code IN ('phone', 'email')`,
            [Object.values(ids)],
          )
        ).rows[0].n,
      );
    assert.equal(await own(), 0);
    // what an older version wrote: each contact point again under its system's own code
    await db.query(
      `INSERT INTO sp_token (resource_type, id, code, system, value)
         SELECT resource_type, id, system, system, value FROM sp_token
          WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND code = 'telecom' AND system IN ('phone', 'email')`,
      [Object.values(ids)],
    );
    assert.equal(await own(), 5);
    await db.query('DELETE FROM sahti_migration WHERE version = 18');
    assert.deepEqual(await migrate(db), [18]);
    assert.equal(await own(), 0);
    assert.deepEqual(await sorted('phone=0612000001'), ['amina']);
  });
});
