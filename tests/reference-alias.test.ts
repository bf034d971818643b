/**
 * A reference parameter that is another's narrowed to one target type (overlap.ts referenceAlias):
 * Observation `patient` is `Observation.subject.where(resolve() is Patient)`, and keeps no rows of its
 * own — its searches read the `subject` rows typed Patient. Through HTTP: the value forms,
 * `:identifier`, `:missing`, a chain, `_has`, `_include`, `_revinclude` and a sort find what its own
 * rows found; a Condition (whose compartment parameter is `patient`) is still in its Patient's
 * compartment; no row is stored under the alias; and migration 15 moves the rows written before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const LOINC = 'http://loinc.org';
const IDENT_SYSTEM = 'urn:oid:2.16.504.1.1';

describe('a reference parameter narrowed to one target type', () => {
  let server: TestServer;
  const ids: Record<string, string> = {};
  const names = (): Map<string, string> => new Map(Object.entries(ids).map(([name, id]) => [id, name]));

  async function create(name: string, body: Resource): Promise<void> {
    const res = await fhirFetch(server.fhirBase, `/${body.resourceType}`, { method: 'POST', body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[name] = res.body.id;
  }

  /** The names of what a search finds (matches and included), sorted. */
  async function found(path: string): Promise<string[]> {
    const res = await fhirFetch(server.fhirBase, path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const known = names();
    return ((res.body as Bundle).entry ?? []).map((e) => known.get(e.resource?.id ?? '') ?? '?').sort();
  }

  const observation = (subject: object, code = '29463-7'): Resource => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code }] },
    subject,
  });

  before(async () => {
    server = await startTestServer();
    await create('amina', { resourceType: 'Patient', name: [{ family: 'Aliasova', given: ['Amina'] }] });
    await create('omar', { resourceType: 'Patient', name: [{ family: 'Aliasov', given: ['Omar'] }] });
    await create('group', { resourceType: 'Group', type: 'person', actual: true });
    await create('ofAmina', observation({ reference: `Patient/${ids.amina}` }));
    await create('ofOmar', observation({ reference: `Patient/${ids.omar}` }, '8867-4'));
    await create('ofGroup', observation({ reference: `Group/${ids.group}` }));
    await create(
      'byIdentifier',
      observation({ identifier: { system: IDENT_SYSTEM, value: 'AB123456' }, type: 'Patient' }),
    );
    await create('untyped', observation({ identifier: { system: IDENT_SYSTEM, value: 'AB123456' } }));
    await create('conditionOfAmina', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${ids.amina}` },
      code: { text: 'Hypertension' },
    });
  });
  after(() => server?.close());

  it('finds by every form of the value, and by identifier when the reference is typed Patient', async () => {
    const base = '/Observation?code=29463-7,8867-4';
    assert.deepEqual(await found(`${base}&patient=Patient/${ids.amina}`), ['ofAmina']);
    assert.deepEqual(await found(`${base}&patient=${ids.amina}`), ['ofAmina']);
    assert.deepEqual(await found(`${base}&patient=${server.fhirBase}/Patient/${ids.amina}`), ['ofAmina']);
    assert.deepEqual(await found(`${base}&patient=Patient/${ids.amina},Patient/${ids.omar}`), [
      'ofAmina',
      'ofOmar',
    ]);
    // a Group subject is no patient, whatever its id is searched as
    assert.deepEqual(await found(`${base}&patient=${ids.group}`), []);
    assert.deepEqual(await found(`${base}&subject=${ids.group}`), ['ofGroup']);
    assert.deepEqual(await found(`${base}&patient:identifier=${IDENT_SYSTEM}|AB123456`), ['byIdentifier']);
    assert.deepEqual(await found(`${base}&subject:identifier=${IDENT_SYSTEM}|AB123456`), [
      'byIdentifier',
      'untyped',
    ]);
  });

  it('answers :missing, a chain, _has, _include, _revinclude and a sort', async () => {
    const base = '/Observation?code=29463-7,8867-4';
    assert.deepEqual(await found(`${base}&patient:missing=true`), ['ofGroup', 'untyped']);
    assert.deepEqual(await found(`${base}&patient:missing=false`), ['byIdentifier', 'ofAmina', 'ofOmar']);
    assert.deepEqual(await found(`${base}&patient.name=Aliasova`), ['ofAmina']);
    assert.deepEqual(await found('/Patient?_has:Observation:patient:code=8867-4'), ['omar']);
    assert.deepEqual(
      await found(`/Observation?_id=${ids.ofAmina},${ids.ofGroup}&_include=Observation:patient`),
      ['amina', 'ofAmina', 'ofGroup'],
    );
    assert.deepEqual(await found(`/Patient?_id=${ids.amina}&_revinclude=Observation:patient`), [
      'amina',
      'ofAmina',
    ]);
    const sorted = await fhirFetch(
      server.fhirBase,
      `/Observation?_id=${ids.ofAmina},${ids.ofOmar}&_sort=-patient`,
    );
    const order = (sorted.body as Bundle).entry?.map((e) => names().get(e.resource?.id ?? ''));
    assert.deepEqual(order, [
      ids.amina > ids.omar ? 'ofAmina' : 'ofOmar',
      ids.amina > ids.omar ? 'ofOmar' : 'ofAmina',
    ]);
  });

  it("keeps a Condition in its Patient's compartment through its subject's rows", async () => {
    assert.deepEqual(await found(`/Condition?patient=Patient/${ids.amina}`), ['conditionOfAmina']);
    const everything = await found(`/Patient/${ids.amina}/$everything`);
    assert.ok(everything.includes('conditionOfAmina') && everything.includes('ofAmina'), everything.join());
  });

  it('stores no row under the alias, and migration 15 moves the rows written before', async () => {
    const db = server.platform.db;
    const aliasRows = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM sp_reference WHERE id = ANY($1::text[]) AND code = 'patient'`,
            [Object.values(ids)],
          )
        ).rows[0]?.n,
      );
    assert.equal(await aliasRows(), 0);

    // as an older version wrote them: the alias's own rows, and the identifier's base row untyped
    await db.query(
      `INSERT INTO sp_reference (resource_type, id, code, target_type, target_id, url, ident_system, ident_value)
         SELECT resource_type, id, 'patient', target_type, target_id, url, ident_system, ident_value
           FROM sp_reference WHERE id = ANY($1::text[]) AND code = 'subject' AND target_type = 'Patient'`,
      [[ids.ofAmina, ids.ofOmar, ids.byIdentifier, ids.conditionOfAmina]],
    );
    await db.query(
      `UPDATE sp_reference SET target_type = NULL WHERE id = ANY($1::text[]) AND target_id IS NULL`,
      [[ids.byIdentifier]],
    );
    await db.query(`UPDATE sp_reference SET target_type = NULL WHERE id = $1::text AND code = 'patient'`, [
      ids.byIdentifier,
    ]);
    assert.equal(await aliasRows(), 4);
    await db.query('DELETE FROM sahti_migration WHERE version = 15');
    assert.deepEqual(await migrate(db), [15]);
    assert.equal(await aliasRows(), 0);
    const base = '/Observation?code=29463-7,8867-4';
    assert.deepEqual(await found(`${base}&patient:identifier=${IDENT_SYSTEM}|AB123456`), ['byIdentifier']);
    assert.deepEqual(await found(`${base}&patient=Patient/${ids.amina}`), ['ofAmina']);
    assert.deepEqual(await found(`${base}&patient:missing=true`), ['ofGroup', 'untyped']);
  });
});
