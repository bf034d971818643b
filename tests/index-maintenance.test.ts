/**
 * An update rewrites only the index tables whose rows change (write.ts, `unchanged`): after any
 * sequence of updates, patches and deletes through the HTTP API, the index and
 * compartment rows stored for a resource are exactly those its current content produces — nothing
 * stale left behind, nothing missing — and searches agree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { buildIndexRows, type IndexRows } from '../packages/fhir/src/index-rows.ts';
import { INDEX_TABLES } from '../packages/fhir/src/schema.ts';
import { INDEX_COLUMNS } from '../packages/fhir/src/write.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

/** [column, SQL type] of each index table, from the write statement's own declaration. */
const COLUMNS = Object.fromEntries(
  INDEX_TABLES.map((t) => [
    t,
    INDEX_COLUMNS[t].split(',').map((c) => c.trim().split(' ') as [string, string]),
  ]),
) as Record<(typeof INDEX_TABLES)[number], [string, string][]>;

describe('index rows after updates', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  /** Rows as comparable text: timestamps and numbers through the database's own text form. */
  async function stored(type: string, id: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const table of INDEX_TABLES) {
      const cols = COLUMNS[table].map(([c]) => `${c}::text`).join(`, '|', `);
      const { rows } = await server.platform.db.query<{ row: string }>(
        `SELECT concat(${cols}) AS row FROM sp_${table} WHERE resource_type = $1::text AND id = $2::text`,
        [type, id],
      );
      out[table] = rows.map((r) => r.row).sort();
    }
    const { rows } = await server.platform.db.query<{ row: string }>(
      'SELECT patient_id AS row FROM compartment WHERE resource_type = $1::text AND id = $2::text',
      [type, id],
    );
    out.compartment = rows.map((r) => r.row).sort();
    return out;
  }

  /** What the current content's rows look like once stored (the same casts, in the same database). */
  async function expected(resource: Resource, patients: string[]): Promise<Record<string, string[]>> {
    const rows: IndexRows = buildIndexRows(resource);
    const out: Record<string, string[]> = {};
    for (const table of INDEX_TABLES) {
      const cols = COLUMNS[table].map(([c, type]) => `(x->>'${c}')::${type}::text`).join(`, '|', `);
      const { rows: texts } = await server.platform.db.query<{ row: string }>(
        `SELECT concat(${cols}) AS row FROM jsonb_array_elements($1::jsonb) AS x`,
        [JSON.stringify(rows[table])],
      );
      out[table] = texts.map((r) => r.row).sort();
    }
    out.compartment = [...patients].sort();
    return out;
  }

  const current = async (type: string, id: string) =>
    (await fhirFetch(server.fhirBase, `/${type}/${id}`)).body;

  async function assertRowsMatch(type: string, id: string, patients: string[], step: string) {
    const resource = await current(type, id);
    assert.deepEqual(await stored(type, id), await expected(resource, patients), step);
  }

  it('keeps every table exact through updates that change some fields and not others', async () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [{ family: 'Benali', given: ['Samira'] }],
      birthDate: '1979-03-02',
      gender: 'female',
      telecom: [{ system: 'phone', value: '+212600000001' }],
    };
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body: patient });
    assert.equal(created.status, 201);
    const pid = created.body.id as string;
    await assertRowsMatch('Patient', pid, [pid], 'after create');

    const put = (body: Patient) =>
      fhirFetch(server.fhirBase, `/Patient/${pid}`, { method: 'PUT', body: { ...body, id: pid } });
    // only the phone changes: names and dates stay, tokens change
    assert.equal(
      (await put({ ...patient, telecom: [{ system: 'phone', value: '+212600000002' }] })).status,
      200,
    );
    await assertRowsMatch('Patient', pid, [pid], 'phone changed');
    // the same content again: nothing changes
    assert.equal(
      (await put({ ...patient, telecom: [{ system: 'phone', value: '+212600000002' }] })).status,
      200,
    );
    await assertRowsMatch('Patient', pid, [pid], 'same content');
    // the name changes: the old name is no longer found, the new one is
    assert.equal(
      (await put({ ...patient, name: [{ family: 'Tazi', given: ['Samira'] }], telecom: [] })).status,
      200,
    );
    await assertRowsMatch('Patient', pid, [pid], 'name changed');
    const byOld = await fhirFetch(server.fhirBase, `/Patient?family=Benali&_id=${pid}`);
    const byNew = await fhirFetch(server.fhirBase, `/Patient?family=Tazi&_id=${pid}`);
    assert.equal(byOld.body.total ?? byOld.body.entry?.length ?? 0, 0);
    assert.equal(byNew.body.entry?.length, 1);
    // a patch of one field
    const patched = await fhirFetch(server.fhirBase, `/Patient/${pid}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/birthDate', value: '1980-01-01' }],
    });
    assert.equal(patched.status, 200);
    await assertRowsMatch('Patient', pid, [pid], 'birth date patched');

    // an observation moves from one patient to another (its compartment changes, its values not)
    const other = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Alaoui' }] },
    });
    const oid = other.body.id as string;
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: { reference: `Patient/${pid}` },
      effectiveDateTime: '2026-11-02T10:00:00Z',
      valueQuantity: { value: 128, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    };
    const obs = await fhirFetch(server.fhirBase, '/Observation', { method: 'POST', body: observation });
    const id = obs.body.id as string;
    await assertRowsMatch('Observation', id, [pid], 'observation created');
    const moved = await fhirFetch(server.fhirBase, `/Observation/${id}`, {
      method: 'PUT',
      body: { ...observation, id, subject: { reference: `Patient/${oid}` } },
    });
    assert.equal(moved.status, 200);
    await assertRowsMatch('Observation', id, [oid], 'subject changed');
    const value = await fhirFetch(server.fhirBase, `/Observation/${id}`, {
      method: 'PUT',
      body: { ...observation, id, subject: { reference: `Patient/${oid}` }, valueQuantity: { value: 131 } },
    });
    assert.equal(value.status, 200);
    await assertRowsMatch('Observation', id, [oid], 'value changed');

    // deleted: no row left
    const deleted = await fhirFetch(server.fhirBase, `/Observation/${id}`, { method: 'DELETE' });
    assert.ok([200, 204].includes(deleted.status), `delete: ${deleted.status}`);
    const gone = await stored('Observation', id);
    assert.ok(
      Object.values(gone).every((rows) => rows.length === 0),
      'a deletion leaves no rows',
    );
  });

  const newObservation = async (
    value: number,
  ): Promise<{ id: string; body: Observation; patient: string }> => {
    const patient = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Chraibi', given: ['Nadia'] }] },
    });
    const body: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
      subject: { reference: `Patient/${patient.body.id}` },
      effectiveDateTime: '2026-11-20T08:00:00Z',
      valueQuantity: { value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    };
    const created = await fhirFetch(server.fhirBase, '/Observation', { method: 'POST', body });
    assert.equal(created.status, 201);
    return { id: created.body.id, body, patient: patient.body.id };
  };
  const withValue = (o: { id: string; body: Observation }, value: number) => ({
    ...o.body,
    id: o.id,
    valueQuantity: { ...o.body.valueQuantity, value },
  });
  const values = async (id: string): Promise<string[]> =>
    (await fhirFetch(server.fhirBase, `/Observation/${id}/_history`)).body.entry.map(
      (e: { resource: Observation }) => `${e.resource.meta?.versionId}:${e.resource.valueQuantity?.value}`,
    );

  it('concurrent updates of one resource: each answered 200 with a version of its own, the rows those of the last', async () => {
    const o = await newObservation(300);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        fhirFetch(server.fhirBase, `/Observation/${o.id}`, { method: 'PUT', body: withValue(o, 301 + i) }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.deepEqual(answers.map((a) => Number(a.body.meta.versionId)).sort(), [2, 3, 4, 5, 6, 7]);
    const history = await values(o.id);
    assert.equal(history.length, 7);
    assert.equal(new Set(history.map((h) => h.split(':')[1])).size, 7, 'every version kept its own content');
    await assertRowsMatch('Observation', o.id, [o.patient], 'after concurrent updates');
  });
});
