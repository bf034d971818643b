/**
 * A large transaction bundle does not hold the server's only thread: while thousands of entries are
 * validated, built and written, other requests — here the health check — keep being answered. The
 * real server as a child process, started as `npm start` starts it, on the backend under test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChildServer, killAllChildren, request, startChild } from './support/child-server.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

const ENTRIES = 4000;
let dataDir: string;
let database: { url: string; drop(): Promise<void> } | undefined;
let server: ChildServer;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sahti-fairness-'));
  if (testBackend() === 'postgres') database = await freshPostgresDatabase();
  server = await startChild({ dataDir, databaseUrl: database?.url });
});
after(async () => {
  await killAllChildren();
  await rm(dataDir, { recursive: true, force: true });
  await database?.drop();
});

const bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: Array.from({ length: ENTRIES }, (_, i) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    request: { method: 'POST', url: 'Patient' },
    resource: {
      resourceType: 'Patient',
      name: [{ family: `Équité${i}`, given: ['Test'] }],
      birthDate: '1980-01-01',
      address: [{ city: 'Ouarzazate', line: [`${i} rue de la patience`] }],
    },
  })),
};

describe('a large transaction bundle leaves the event loop to other requests', { timeout: 300_000 }, () => {
  it(`the health check keeps answering while ${ENTRIES} entries are written`, async (t) => {
    const health = `${new URL(server.fhirBase).origin}/healthz`;
    let done = false;
    const started = performance.now();
    const written = request(server, '', { method: 'POST', body: bundle }).finally(() => {
      done = true;
    });
    const waits: number[] = [];
    while (!done) {
      const asked = performance.now();
      const res = await fetch(health);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      if (!done) waits.push(performance.now() - asked);
    }
    const res = await written;
    const duration = performance.now() - started;
    assert.equal(res.status, 200, JSON.stringify(res.body)?.slice(0, 300));
    assert.equal(res.body.entry.length, ENTRIES);
    const longest = Math.max(...waits);
    const summary = `${waits.length} answers during a ${Math.round(duration)} ms bundle, the longest wait ${Math.round(longest)} ms`;
    t.diagnostic(summary);
    // held for the whole bundle, the check is answered once, after most of it (1 answer in 5.3 s
    // before the loops were sliced); one statement still holds PGlite's thread while it runs (the
    // longest wait seen under a loaded machine was a quarter of the bundle)
    assert.ok(waits.length >= 5, summary);
    assert.ok(longest < duration / 2, summary);
  });
});
