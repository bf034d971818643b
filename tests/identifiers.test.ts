/** Moroccan identifiers: CNIE on patients, INPE on practitioners and facilities, format-checked on write. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CNIE_SYSTEM, INPE_SYSTEM } from '../packages/server/src/identifiers/morocco.ts';
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
