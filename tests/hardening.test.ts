/**
 * HTTP hardening: security headers, CORS allow-list, per-client rate limit answered as FHIR. How
 * the rate limit tells clients apart (verified principal, else address) is in throttling.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ rateLimitPerMinute: 5, corsOrigins: ['https://hospital.example.ma'] });
});
after(() => server?.close());

describe('hardening', () => {
  it('sends security headers', async () => {
    const res = await fetch(`${server.fhirBase}/metadata`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age/);
  });
  it('answers CORS only for allowed origins', async () => {
    const allowed = await fetch(`${server.fhirBase}/metadata`, {
      headers: { origin: 'https://hospital.example.ma' },
    });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://hospital.example.ma');
    const other = await fetch(`${server.fhirBase}/metadata`, {
      headers: { origin: 'https://evil.example.com' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
  it("limits a token's principal separately from anonymous callers, with a 429 OperationOutcome and RateLimit headers", async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await fetch(`${server.fhirBase}/Patient?_summary=count`, { headers: auth });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 200]);
    assert.equal(statuses.at(-1), 429);
    assert.ok(last?.headers.get('ratelimit-limit'));
    assert.ok(last?.headers.get('ratelimit-reset'));
    const body = await last!.json();
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.equal(body.issue[0].code, 'throttled');
    const someoneElse = await fetch(`${server.fhirBase}/metadata`);
    assert.equal(someoneElse.status, 200);
  });
});
