/**
 * A read by id answers with the resource's stored text as it is (rest/interactions.ts read, through
 * StoredJson), not parsed and written again: through HTTP, both backends — the body is the text
 * the write stored (its elements in the order the client wrote them, Arabic and emoji intact), the
 * headers are those of a parsed read (ETag and Last-Modified from the version's meta), a shaped read
 * (`_summary`, `_elements`) is still shaped, `If-None-Match` still answers 304, and an old version
 * (vread, packed in history) reads as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

describe('a read by id answers with the stored text', () => {
  let server: TestServer;
  let id = '';

  const raw = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.fhirBase}${path}`, {
      headers: { authorization: `Bearer ${server.token}`, ...headers },
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    server = await startTestServer();
    // the elements deliberately out of the usual order: the stored text keeps the client's order
    const written = {
      gender: 'female',
      name: [{ given: ['فاطمة الزهراء'], family: 'العلوي', text: 'Fatima 🌿' }],
      resourceType: 'Patient',
      birthDate: '1988-02-29',
    };
    const created = await fhirFetch(server.fhirBase, '/Patient', { method: 'POST', body: written });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = created.body.id;
    const updated = await fhirFetch(server.fhirBase, `/Patient/${id}`, {
      method: 'PUT',
      body: { ...created.body, birthDate: '1988-03-01' },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
  });
  after(() => server?.close());

  it('gives the body, ETag and Last-Modified a parsed read gave', async () => {
    const res = await raw(`/Patient/${id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/fhir\+json/);
    const body = JSON.parse(res.text) as Patient;
    assert.equal(body.id, id);
    assert.equal(body.birthDate, '1988-03-01');
    assert.equal(body.name?.[0]?.given?.[0], 'فاطمة الزهراء');
    assert.equal(body.name?.[0]?.text, 'Fatima 🌿');
    assert.deepEqual(Object.keys(body).slice(0, 3), ['gender', 'name', 'resourceType'], 'the order written');
    assert.equal(res.text, JSON.stringify(body), 'the text as JSON.stringify wrote it');
    assert.equal(res.headers.get('etag'), `W/"${body.meta?.versionId}"`);
    assert.equal(body.meta?.versionId, '2');
    assert.equal(res.headers.get('last-modified'), new Date(body.meta?.lastUpdated as string).toUTCString());
    assert.equal(res.headers.get('location'), null, 'a read names no location');
  });

  it('answers 304 to the current ETag', async () => {
    const res = await raw(`/Patient/${id}`, { 'if-none-match': 'W/"2"' });
    assert.equal(res.status, 304);
    assert.equal(res.text, '');
  });

  it('still shapes a read asked with _summary or _elements', async () => {
    const summary = JSON.parse((await raw(`/Patient/${id}?_summary=text`)).text) as Patient;
    assert.equal(summary.name, undefined, '_summary=text keeps no name');
    const elements = JSON.parse((await raw(`/Patient/${id}?_elements=birthDate`)).text) as Patient;
    assert.equal(elements.birthDate, '1988-03-01');
    assert.equal(elements.name, undefined, '_elements=birthDate keeps no name');
    const unshaped = JSON.parse((await raw(`/Patient/${id}?_summary=false`)).text) as Patient;
    assert.equal(unshaped.name?.[0]?.family, 'العلوي');
  });

  it('reads the superseded version as before', async () => {
    const res = await raw(`/Patient/${id}/_history/1`);
    assert.equal(res.status, 200);
    const old = JSON.parse(res.text) as Patient;
    assert.equal(old.birthDate, '1988-02-29');
    assert.equal(old.meta?.versionId, '1');
    assert.equal(res.headers.get('etag'), 'W/"1"');
    assert.equal(res.headers.get('last-modified'), new Date(old.meta?.lastUpdated as string).toUTCString());
  });
});
