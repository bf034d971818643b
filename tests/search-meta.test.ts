/**
 * The common search parameters on a resource's meta — `_tag`, `_security`, `_profile`, `_source` —
 * for every resource type (definitions.ts META_PARAMETERS). Through HTTP, both backends: each finds
 * what it names and nothing else, with the token and uri modifiers; an update that drops a tag is
 * no longer found by it; the CapabilityStatement lists them; and migration 9 indexes resources
 * written before them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CapabilityStatement, Patient } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const TAGS = 'https://sahti.ma/fhir/CodeSystem/test-campaign';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const IPS_PATIENT = 'http://hl7.org/fhir/uv/ips/StructureDefinition/Patient-uv-ips';
const SOURCE = 'https://lis.chu-rabat.example.ma/fhir#batch-42';

describe('searching by meta: _tag, _security, _profile, _source', () => {
  let server: TestServer;
  const ids = { tagged: '', labelled: '', plain: '' };
  const family = `Meta${Date.now()}`;

  const patient = (given: string, meta?: Patient['meta']): Patient => ({
    resourceType: 'Patient',
    name: [{ family, given: [given] }],
    ...(meta ? { meta } : {}),
  });

  /** Which of this test's patients a search finds (names sorted). */
  async function found(query: string): Promise<string[]> {
    const res = await fhirFetch(server.fhirBase, `/Patient?family=${family}&${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return (res.body.entry ?? []).map((e: { resource: Patient }) => names.get(e.resource.id ?? '')).sort();
  }

  before(async () => {
    server = await startTestServer();
    const bodies: Record<keyof typeof ids, Patient> = {
      tagged: patient('Tagged', {
        tag: [{ system: TAGS, code: 'depistage-2026', display: 'Campagne de dépistage 2026' }],
        profile: [IPS_PATIENT],
        source: SOURCE,
      }),
      labelled: patient('Labelled', {
        security: [{ system: ACT_REASON, code: 'HTEST' }],
        tag: [{ system: TAGS, code: 'vaccination-2026' }],
      }),
      plain: patient('Plain'),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const res = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name as keyof typeof ids] = res.body.id;
    }
  });

  after(async () => {
    await server?.close();
  });

  it('_tag finds by system|code, by code alone, by its display (:text), and :not the others', async () => {
    assert.deepEqual(await found(`_tag=${TAGS}|depistage-2026`), ['tagged']);
    assert.deepEqual(await found('_tag=vaccination-2026'), ['labelled']);
    assert.deepEqual(await found(`_tag=${TAGS}|depistage-2026,${TAGS}|vaccination-2026`), [
      'labelled',
      'tagged',
    ]);
    assert.deepEqual(await found('_tag:text=campagne'), ['tagged']);
    assert.deepEqual(await found(`_tag:not=${TAGS}|depistage-2026`), ['labelled', 'plain']);
    assert.deepEqual(await found('_tag:missing=true'), ['plain']);
    assert.deepEqual(await found(`_tag=${TAGS}|unknown`), []);
  });

  it('_security finds the resources a label marks (here: test data)', async () => {
    assert.deepEqual(await found(`_security=${ACT_REASON}|HTEST`), ['labelled']);
    assert.deepEqual(await found(`_security:not=${ACT_REASON}|HTEST`), ['plain', 'tagged']);
  });

  it('_profile and _source find by uri, exactly or :below a base', async () => {
    assert.deepEqual(await found(`_profile=${IPS_PATIENT}`), ['tagged']);
    assert.deepEqual(await found('_profile:below=http://hl7.org/fhir/uv/ips'), ['tagged']);
    assert.deepEqual(await found('_profile=http://hl7.org/fhir/uv/ips'), []);
    assert.deepEqual(await found(`_source=${encodeURIComponent(SOURCE)}`), ['tagged']);
  });

  it('another type is searched the same way, and an update that drops a tag is no longer found by it', async () => {
    const observation = await fhirFetch(server.fhirBase, '/Observation', {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        meta: { tag: [{ system: TAGS, code: `obs-${family}` }] },
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${ids.plain}` },
        valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      },
    });
    assert.equal(observation.status, 201, JSON.stringify(observation.body));
    const byTag = await fhirFetch(server.fhirBase, `/Observation?_tag=${TAGS}|obs-${family}`);
    assert.deepEqual(
      byTag.body.entry.map((e: { resource: { id: string } }) => e.resource.id),
      [observation.body.id],
    );

    const current = (await fhirFetch(server.fhirBase, `/Patient/${ids.tagged}`)).body as Patient;
    const untagged = { ...current, meta: { ...current.meta, tag: [] } };
    const updated = await fhirFetch(server.fhirBase, `/Patient/${ids.tagged}`, {
      method: 'PUT',
      body: untagged,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual(await found(`_tag=${TAGS}|depistage-2026`), []);
    assert.deepEqual(
      await found(`_profile=${IPS_PATIENT}`),
      ['tagged'],
      'the profile it kept still finds it',
    );
  });

  it('the CapabilityStatement lists them for each resource type', async () => {
    const statement = (await fhirFetch(server.fhirBase, '/metadata')).body as CapabilityStatement;
    for (const type of ['Patient', 'Observation', 'Appointment']) {
      const resource = statement.rest?.[0].resource?.find((r) => r.type === type);
      const params = new Map((resource?.searchParam ?? []).map((p) => [p.name, p.type]));
      assert.equal(params.get('_tag'), 'token', type);
      assert.equal(params.get('_security'), 'token', type);
      assert.equal(params.get('_profile'), 'uri', type);
      assert.equal(params.get('_source'), 'uri', type);
    }
  });

  it('migration 9 indexes the resources written before these parameters were', async () => {
    const db = server.platform.db;
    // what a database written before holds: no row for the meta parameters
    await db.query(
      `DELETE FROM sp_token WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND code IN ('_tag', '_security')`,
      [[ids.labelled, ids.tagged]],
    );
    await db.query(
      `DELETE FROM sp_uri WHERE resource_type = 'Patient' AND id = $1::text AND code = '_profile'`,
      [ids.tagged],
    );
    assert.deepEqual(await found('_tag=vaccination-2026'), []);
    assert.deepEqual(await found(`_security=${ACT_REASON}|HTEST`), []);
    await db.query('DELETE FROM sahti_migration WHERE version = 9');
    assert.deepEqual(await migrate(db), [9]);
    assert.deepEqual(await found('_tag=vaccination-2026'), ['labelled']);
    assert.deepEqual(await found(`_security=${ACT_REASON}|HTEST`), ['labelled']);
    assert.deepEqual(await found(`_profile=${IPS_PATIENT}`), ['tagged']);
    const rows = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM sp_token WHERE resource_type = 'Patient' AND id = $1::text AND code = '_security'`,
      [ids.labelled],
    );
    assert.equal(rows.rows[0].n, '1', 'one row per label, not one per run');
    // run again over resources that have their rows: replaced, not doubled
    await db.query('DELETE FROM sahti_migration WHERE version = 9');
    assert.deepEqual(await migrate(db), [9]);
    const again = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM sp_uri WHERE resource_type = 'Patient' AND id = $1::text`,
      [ids.tagged],
    );
    assert.equal(again.rows[0].n, '2', 'its profile and its source, once each');
  });
});
