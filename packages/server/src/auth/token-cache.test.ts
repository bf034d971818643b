import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedTokenCache } from './token-cache.ts';
import type { VerifiedClaims } from './tokens.ts';

const claims = (sub: string, exp: number): VerifiedClaims => ({
  sub,
  kind: 'system',
  scope: 'system/*.rs',
  client_id: sub,
  roles: [],
  name: sub,
  exp,
});

function cacheAt(start: number, options: { ttlSeconds?: number; maxEntries?: number } = {}) {
  let now = start;
  const cache = new VerifiedTokenCache({ ttlSeconds: 5, ...options, now: () => now });
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('verified token cache', () => {
  it('serves a verified token for ttlSeconds, then forgets it', () => {
    const { cache, advance } = cacheAt(1_000_000);
    cache.put('t1', claims('a', 2_000));
    assert.equal(cache.get('t1')?.sub, 'a');
    advance(4_999);
    assert.equal(cache.get('t1')?.sub, 'a');
    advance(1);
    assert.equal(cache.get('t1'), undefined);
  });

  it('never serves a token past its own expiry', () => {
    const { cache, advance } = cacheAt(1_000_000);
    cache.put('t1', claims('a', 1_002)); // expires 2 s from now, before the 5 s ttl
    advance(1_999);
    assert.ok(cache.get('t1'));
    advance(1);
    assert.equal(cache.get('t1'), undefined);
    cache.put('t2', claims('b', 999)); // already expired: not kept
    assert.equal(cache.get('t2'), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const { cache } = cacheAt(1_000_000, { maxEntries: 2 });
    cache.put('t1', claims('a', 2_000));
    cache.put('t2', claims('b', 2_000));
    cache.get('t1');
    cache.put('t3', claims('c', 2_000));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('t2'), undefined);
    assert.deepEqual([cache.get('t1')?.sub, cache.get('t3')?.sub], ['a', 'c']);
  });

  it('caches nothing when ttlSeconds is 0, and tells tokens apart', () => {
    const { cache } = cacheAt(1_000_000, { ttlSeconds: 0 });
    cache.put('t1', claims('a', 2_000));
    assert.equal(cache.get('t1'), undefined);
    const { cache: on } = cacheAt(1_000_000);
    on.put('t1', claims('a', 2_000));
    assert.equal(on.get('t1x'), undefined);
  });
});
