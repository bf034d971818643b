import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayKeep, precacheList, SHELL, strategyFor } from './sw-rules.ts';

const ORIGIN = 'http://localhost:8080';
const get = (path: string, mode = 'cors') => ({ method: 'GET', url: `${ORIGIN}${path}`, mode });
const PRECACHED = ['/', '/assets/index-abc.js', '/favicon.svg', '/manifest.webmanifest'];

describe('strategyFor', () => {
  it('never touches the API, whatever the request (personal data is never kept)', () => {
    for (const path of [
      '/fhir/R4/Patient/1',
      '/api/me/access-log',
      '/api/live',
      '/auth/me',
      '/oauth2/token',
      '/.well-known/smart-configuration',
      '/healthz',
    ]) {
      assert.equal(strategyFor(get(path), ORIGIN, PRECACHED), 'network', path);
      assert.equal(
        strategyFor(get(path, 'navigate'), ORIGIN, PRECACHED),
        'network',
        `${path} opened as a page`,
      );
    }
  });
  it('answers page addresses with the shell, build files from the cache, icons kept then refreshed', () => {
    assert.equal(strategyFor(get('/portal/record', 'navigate'), ORIGIN, PRECACHED), 'shell');
    assert.equal(strategyFor(get('/assets/index-abc.js'), ORIGIN, PRECACHED), 'immutable');
    assert.equal(strategyFor(get('/assets/noto-sans-arabic.woff2'), ORIGIN, PRECACHED), 'immutable');
    assert.equal(strategyFor(get('/favicon.svg'), ORIGIN, PRECACHED), 'refresh');
  });
  it('leaves writes, other sites, the worker itself and unknown files to the network', () => {
    assert.equal(strategyFor({ ...get('/portal'), method: 'POST' }, ORIGIN, PRECACHED), 'network');
    assert.equal(
      strategyFor({ method: 'GET', url: 'https://tiles.example/1.png', mode: 'cors' }, ORIGIN, PRECACHED),
      'network',
    );
    assert.equal(strategyFor(get('/sw.js'), ORIGIN, PRECACHED), 'network');
    assert.equal(strategyFor(get('/robots.txt'), ORIGIN, PRECACHED), 'network');
  });
});

describe('precacheList', () => {
  it('keeps the shell, code, styles and icons; not fonts, compressed twins, the worker or the API', () => {
    assert.deepEqual(
      precacheList([
        'index.html',
        'sw.js',
        'assets/index-abc.js',
        'assets/index-abc.js.br',
        'assets/index-abc.js.gz',
        'assets/design-1.css',
        'assets/noto-sans-arabic-400.woff2',
        'icons/icon-192.png',
        'manifest.webmanifest',
      ]),
      [SHELL, '/assets/design-1.css', '/assets/index-abc.js', '/icons/icon-192.png', '/manifest.webmanifest'],
    );
  });
});

describe('mayKeep', () => {
  const answer = (status: number, cacheControl?: string, type = 'basic') => ({
    ok: status >= 200 && status < 300,
    status,
    type,
    headers: new Headers(cacheControl ? { 'cache-control': cacheControl } : {}),
  });
  it('keeps complete same-origin answers only, and never one marked no-store', () => {
    assert.equal(mayKeep(answer(200)), true);
    assert.equal(mayKeep(answer(200, 'public, max-age=31536000, immutable')), true);
    assert.equal(mayKeep(answer(200, 'no-store')), false);
    assert.equal(mayKeep(answer(206)), false);
    assert.equal(mayKeep(answer(404)), false);
    assert.equal(mayKeep(answer(200, undefined, 'opaque')), false);
  });
});
