import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { isApiPath, webStatic } from './web-static.ts';

let app: FastifyInstance;
let root: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sahti-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc123.js.br'), brotliCompressSync('console.log(1)'));
  writeFileSync(join(root, 'favicon.svg'), '<svg/>');
  app = Fastify();
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ resourceType: 'OperationOutcome' }));
  app.get('/fhir/R4/metadata', async () => ({ resourceType: 'CapabilityStatement' }));
  await app.register(webStatic, { root });
});
after(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('web app serving', () => {
  it('serves the shell at / and at any page address, never cached', async () => {
    for (const url of ['/', '/portal/record', '/clinician/patients/12?tab=1']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /id="root"/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
  });
  it('caches hashed assets for a year', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['cache-control']), /max-age=31536000, immutable/);
  });
  it('sends the brotli file to browsers that accept it, and the plain one to others', async () => {
    const br = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers['content-type']), /javascript/);
    const plain = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, 'console.log(1)');
  });
  it('serves top-level files and 404s missing ones instead of the shell', async () => {
    assert.equal((await app.inject({ url: '/favicon.svg' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/missing.png' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/assets/gone-123.js' })).statusCode, 404);
  });
  it('never answers an API address with the shell', async () => {
    for (const url of [
      '/fhir/R4/Nope/1/x',
      '/api/unknown',
      '/auth/nope',
      '/oauth2/x',
      '/.well-known/x',
      '/fhir',
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.match(res.body, /OperationOutcome/, url);
    }
    assert.equal((await app.inject({ url: '/fhir/R4/metadata' })).statusCode, 200);
  });
  it('refuses to leave the build folder', async () => {
    const res = await app.inject({ url: '/..%2f..%2fetc%2fpasswd.txt' });
    assert.notEqual(res.statusCode, 200);
    const malformed = (await app.inject({ url: '/%E0%A4%A' })).statusCode;
    assert.ok(malformed >= 400 && malformed < 500, String(malformed));
  });
  it('tells API prefixes from look-alike pages', () => {
    assert.ok(isApiPath('/api'));
    assert.ok(isApiPath('/fhir/R4/Patient'));
    assert.ok(!isApiPath('/apiary'));
    assert.ok(!isApiPath('/portal'));
  });
});

describe('web app serving before the app is built', () => {
  it('explains at / how to build it, and leaves every other address an ordinary 404', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sahti-web-empty-'));
    const bare = Fastify();
    bare.setNotFoundHandler((_req, reply) => reply.code(404).send({ resourceType: 'OperationOutcome' }));
    await bare.register(webStatic, { root: empty });
    try {
      const home = await bare.inject({ url: '/' });
      assert.equal(home.statusCode, 503);
      assert.match(home.body, /npm run build:web/);
      assert.equal((await bare.inject({ url: '/portal' })).statusCode, 404);
      assert.equal((await bare.inject({ url: '/favicon.svg' })).statusCode, 404);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
