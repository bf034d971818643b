import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountSecrets } from './accounts.ts';
import { type CachedSession, currentGeneration, SessionCache, sessionsChanged } from './session-cache.ts';

const value = (accountId: string): CachedSession => ({
  session: { accountId, csrfToken: 'csrf', validUntil: Number.MAX_SAFE_INTEGER },
  account: { id: accountId, kind: 'staff', roles: ['doctor'] } as unknown as AccountSecrets,
});

function cacheAt(start: number, ttlSeconds = 5, maxEntries?: number) {
  let now = start;
  const cache = new SessionCache({ ttlSeconds, maxEntries, now: () => now });
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('web session cache', () => {
  it('serves a session for ttlSeconds, then forgets it', () => {
    const { cache, advance } = cacheAt(1_000_000);
    cache.put('h1', value('a'), 2_000_000, currentGeneration());
    assert.equal(cache.get('h1')?.session.accountId, 'a');
    advance(4_999);
    assert.ok(cache.get('h1'));
    advance(1);
    assert.equal(cache.get('h1'), undefined);
  });

  it('never serves a session past its expiry or idle deadline', () => {
    const { cache, advance } = cacheAt(1_000_000);
    cache.put('h1', value('a'), 1_002_000, currentGeneration());
    advance(1_999);
    assert.ok(cache.get('h1'));
    advance(1);
    assert.equal(cache.get('h1'), undefined);
    cache.put('h2', value('b'), 999_000, currentGeneration()); // already past: not kept
    assert.equal(cache.get('h2'), undefined);
  });

  it('drops every session at once when a session ends or an account changes', () => {
    const { cache } = cacheAt(1_000_000);
    cache.put('h1', value('a'), 2_000_000, currentGeneration());
    cache.put('h2', value('b'), 2_000_000, currentGeneration());
    sessionsChanged();
    assert.equal(cache.get('h1'), undefined);
    assert.equal(cache.get('h2'), undefined);
  });

  it('does not keep a lookup that a change overtook (it may have read the old row)', () => {
    const { cache } = cacheAt(1_000_000);
    const before = currentGeneration();
    sessionsChanged(); // e.g. a logout while the lookup was running
    cache.put('h1', value('a'), 2_000_000, before);
    assert.equal(cache.get('h1'), undefined);
  });

  it('is off with ttlSeconds 0, and bounded in size (least recently used out first)', () => {
    const off = cacheAt(1_000_000, 0).cache;
    off.put('h1', value('a'), 2_000_000, currentGeneration());
    assert.equal(off.get('h1'), undefined);
    const { cache } = cacheAt(1_000_000, 5, 2);
    cache.put('h1', value('a'), 2_000_000, currentGeneration());
    cache.put('h2', value('b'), 2_000_000, currentGeneration());
    cache.get('h1');
    cache.put('h3', value('c'), 2_000_000, currentGeneration());
    assert.equal(cache.size, 2);
    assert.equal(cache.get('h2'), undefined);
    assert.ok(cache.get('h1'));
  });
});
