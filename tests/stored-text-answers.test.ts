/**
 * A search page and a `$everything` page answered over HTTP carry each resource as the text the
 * store kept (rest/stored-json.ts), not parsed and written again: the answer must be the one the
 * parsed resources give — what a batch's entry gets for the same request, since a batch reads its
 * entries as objects — whatever the resources hold (Arabic, quotes, backslashes, emoji, numbers).
 * Shaped pages (`_summary`, `_elements`) are still shaped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StoredJson } from '@sahti/fhir';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const get = (path: string) => fhirFetch(server.fhirBase, path);

before(async () => {
  server = await startTestServer();
  const patients = [
    { family: 'الإدريسي', given: ['فاطمة'], note: 'ذ "quoted" \\ back' },
    { family: 'Ben "Ali"', given: ['Rémi\\'], note: 'emoji 🩺 and \u2028 separator' },
    { family: 'Tazi', given: ['Omar'], note: 'plain' },
  ];
  const res = await fhirFetch(server.fhirBase, '', {
    method: 'POST',
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: patients.flatMap((p, i) => [
        {
          fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: 'urn:test:stored-text', value: `st-${i}` }],
            name: [{ family: p.family, given: p.given, text: p.note }],
            birthDate: '1980-02-29',
          },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }], text: p.note },
            subject: { reference: `urn:uuid:00000000-0000-4000-8000-00000000000${i}` },
            valueQuantity: { value: 70.25 + i, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ]),
    },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
});
after(() => server?.close());

/** The same GET as a batch's entry: the engine's answer built from parsed resources. */
async function throughBatch(path: string): Promise<unknown> {
  const res = await fhirFetch(server.fhirBase, '', {
    method: 'POST',
    body: {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: path.slice(1) } }],
    },
  });
  assert.equal(res.status, 200);
  return res.body.entry[0].resource;
}

/** A Bundle's entries without the links (a batch's entry and a direct GET may write them alike, but need not). */
const entries = (bundle: { entry?: unknown[] }) => bundle.entry ?? [];

describe('a page answered with the resources as stored', () => {
  it('gives the resources the parsed page gives, entry for entry', async () => {
    for (const path of [
      '/Patient?identifier=urn:test:stored-text|st-0',
      '/Patient?birthdate=1980-02-29',
      '/Observation?code=http://loinc.org|29463-7&_count=2',
      '/Observation?code=http://loinc.org|29463-7&_include=Observation:subject',
    ]) {
      const direct = await get(path);
      assert.equal(direct.status, 200, path);
      assert.ok(entries(direct.body).length > 0, path);
      assert.deepEqual(
        entries(direct.body),
        entries((await throughBatch(path)) as { entry?: unknown[] }),
        path,
      );
    }
  });

  it('is made only for a caller whose answer goes straight out: a module reading it gets objects', async () => {
    const request = { method: 'GET', path: '/Patient', query: [['birthdate', '1980-02-29']], headers: {} };
    const asText = await server.platform.handler.handle({ ...request, textBodies: true } as never);
    const asObjects = await server.platform.handler.handle(request as never);
    const resources = (res: { body?: unknown }) =>
      ((res.body as { entry: { resource: unknown }[] }).entry ?? []).map((e) => e.resource);
    assert.equal(resources(asText).length, 3);
    assert.ok(resources(asText).every((r) => r instanceof StoredJson));
    assert.ok(resources(asObjects).every((r) => (r as { resourceType?: string }).resourceType === 'Patient'));
    assert.deepEqual(JSON.parse(JSON.stringify(resources(asText))), resources(asObjects));
  });

  it('is the resource a read gives, each character as written', async () => {
    const page = await get('/Patient?birthdate=1980-02-29');
    for (const e of page.body.entry) {
      const read = await get(`/Patient/${e.resource.id}`);
      assert.deepEqual(e.resource, read.body);
    }
    const names = page.body.entry.map(
      (e: { resource: { name: { text: string }[] } }) => e.resource.name[0].text,
    );
    assert.ok(names.includes('emoji 🩺 and \u2028 separator'));
    assert.ok(names.includes('ذ "quoted" \\ back'));
  });

  it('is still shaped when _summary or _elements asks', async () => {
    const summary = await get('/Patient?birthdate=1980-02-29&_summary=true');
    const elements = await get('/Patient?birthdate=1980-02-29&_elements=birthDate');
    for (const page of [summary, elements]) {
      assert.equal(page.body.entry.length, 3);
      for (const e of page.body.entry)
        assert.ok(e.resource.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED'));
    }
    for (const e of elements.body.entry) {
      assert.equal(e.resource.name, undefined);
      assert.equal(e.resource.birthDate, '1980-02-29');
    }
  });

  it("gives a patient's $everything as the parsed page does", async () => {
    const patient = (await get('/Patient?identifier=urn:test:stored-text|st-1')).body.entry[0].resource;
    const path = `/Patient/${patient.id}/$everything`;
    const direct = await get(path);
    assert.equal(direct.status, 200);
    assert.equal(direct.body.entry.length, 2);
    assert.deepEqual(entries(direct.body), entries((await throughBatch(path)) as { entry?: unknown[] }));
  });
});
