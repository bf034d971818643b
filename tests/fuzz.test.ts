/**
 * Property/fuzz test: thousands of generated malformed requests (methods × paths, hostile query
 * strings, broken bodies and bundles, odd headers). For every response: no 5xx, the body is JSON,
 * an OperationOutcome with an error when the status is 4xx, and a rejected request wrote nothing.
 * A failure prints fast-check's shrunk counterexample and its seed (replay: FUZZ_SEED=<seed>).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  badCredentials,
  bodyText,
  bundle,
  type FuzzRequest,
  headers,
  jsonPatch,
  METHODS,
  mutatedResource,
  path,
  TEMPLATES,
} from './support/fuzz-requests.ts';
import { queryString } from './support/fuzz-values.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let sent = 0;
// CI replays one fixed seed (a red build must be reproducible); elsewhere every run explores anew
const seed = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : process.env.CI === 'true'
    ? 20261123
    : undefined;

async function versions(): Promise<number> {
  const { rows } = await server.platform.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM resource_history',
  );
  return Number(rows[0].n);
}

/** Sends one request and checks the invariants every answer must keep. */
async function exercise(req: FuzzRequest): Promise<void> {
  sent++;
  const before = await versions();
  const query = req.query ? `?${req.query}` : '';
  const withBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  const res = await fetch(`${server.fhirBase}${req.path}${query}`, {
    method: req.method,
    headers: {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${server.token}`,
      ...req.headers,
    },
    body: withBody ? req.body : undefined,
  });
  const text = await res.text();
  const seen = `${res.status} ${text.slice(0, 400)}`;
  assert.ok(res.status < 500, `server error: ${seen}`);
  let body: any;
  if (text !== '') {
    assert.doesNotThrow(() => {
      body = JSON.parse(text);
    }, `the body is not JSON: ${seen}`);
  }
  if (res.status >= 400 && req.method !== 'HEAD') {
    assert.equal(
      body?.resourceType,
      'OperationOutcome',
      `a ${res.status} without an OperationOutcome: ${seen}`,
    );
    assert.ok(
      body.issue?.some((i: { severity?: string }) => i.severity === 'error' || i.severity === 'fatal'),
      `an OperationOutcome without an error issue: ${seen}`,
    );
  }
  if (res.status >= 400) assert.equal(await versions(), before, `a rejected request wrote: ${seen}`);
}

const check = (arb: fc.Arbitrary<FuzzRequest>, numRuns: number) =>
  fc.assert(fc.asyncProperty(arb, exercise), { numRuns, seed });

before(async () => {
  server = await startTestServer();
  const seedResources = [
    { resourceType: 'Organization', id: 'org-1', name: 'CHU' },
    {
      ...TEMPLATES.Patient,
      id: 'guard',
      link: [{ other: { reference: 'Patient/linked' }, type: 'seealso' }],
    },
    {
      ...TEMPLATES.Patient,
      id: 'linked',
      link: [{ other: { reference: 'Patient/guard' }, type: 'seealso' }],
    },
    { ...TEMPLATES.Observation, id: 'obs-1' },
  ];
  for (const r of seedResources) {
    const res = await fetch(`${server.fhirBase}/${r.resourceType}/${r.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(r),
    });
    assert.equal(res.status, 201, await res.text());
  }
});
after(async () => {
  console.log(`fuzz: ${sent} requests sent (counting shrinking)`);
  await server?.close();
});

describe('generated malformed requests never cause a server error or a write', { timeout: 120_000 }, () => {
  it('answers every method on valid and invalid paths with JSON and no 5xx', async () => {
    const arb = fc.record(
      { method: fc.constantFrom(...METHODS), path, query: queryString, body: bodyText },
      { requiredKeys: ['method', 'path'] },
    );
    await check(arb, 500);
  });

  it('answers searches with hostile query strings with a result or a 4xx OperationOutcome', async () => {
    const target = fc.constantFrom(
      '/Patient',
      '/Observation',
      '/RiskAssessment',
      '/Patient/_search',
      '/_history',
      '/Patient/_history',
      '/Patient/guard/_history',
      '/Patient/guard/$everything',
      '/Patient/guard',
    );
    const arb = fc.tuple(target, queryString, fc.boolean()).map(
      ([p, query, form]): FuzzRequest =>
        form && p.endsWith('/_search')
          ? {
              method: 'POST',
              path: p,
              body: query,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            }
          : { method: 'GET', path: p, query },
    );
    await check(arb, 800);
  });

  it('refuses malformed resource bodies on create, update, conditional update and $validate', async () => {
    const resourceWrite = fc
      .tuple(
        fc.constantFrom(
          ['POST', '/Patient'],
          ['POST', '/Observation'],
          ['PUT', '/Patient/guard'],
          ['PUT', '/Patient/fuzz-new'],
          ['PUT', '/Patient?identifier=urn:fuzz|1'],
          ['POST', '/Patient/$validate'],
          ['POST', '/Patient/guard/$validate'],
        ),
        bodyText,
      )
      .map(([[method, p], body]): FuzzRequest => ({ method, path: p, body }));
    const patch = fc
      .tuple(
        fc.constantFrom('/Patient/guard', '/Observation/obs-1', '/Patient/missing'),
        fc.oneof(
          jsonPatch.map((p) => JSON.stringify(p)),
          bodyText,
        ),
      )
      .map(
        ([p, body]): FuzzRequest => ({
          method: 'PATCH',
          path: p,
          body,
          headers: { 'content-type': 'application/json-patch+json' },
        }),
      );
    await check(fc.oneof({ weight: 3, arbitrary: resourceWrite }, { weight: 1, arbitrary: patch }), 600);
  });

  it('refuses malformed batch and transaction bundles without a partial write', async () => {
    await check(
      bundle.map((body): FuzzRequest => ({ method: 'POST', path: '/', body })),
      400,
    );
  });

  it('handles odd Authorization, If-Match, If-None-Exist, Prefer, Content-Type and Accept headers', async () => {
    const arb = fc
      .tuple(
        fc.constantFrom(
          ['GET', '/Patient/guard'],
          ['PUT', '/Patient/guard'],
          ['DELETE', '/Patient/linked'],
          ['POST', '/Patient'],
          ['GET', '/Patient'],
          ['PATCH', '/Patient/guard'],
        ),
        headers,
        fc.oneof(mutatedResource, fc.constant(TEMPLATES.Patient)),
        badCredentials,
      )
      .map(
        ([[method, p], h, resource, credentials]): FuzzRequest => ({
          method,
          path: p,
          headers: { ...h, ...credentials },
          body:
            method === 'PATCH'
              ? '[{"op":"replace","path":"/active","value":false}]'
              : JSON.stringify(p.endsWith('guard') ? { ...resource, id: 'guard' } : resource),
        }),
      );
    await check(arb, 300);
  });
});
