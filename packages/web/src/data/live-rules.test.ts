import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveUrl, parseLiveEvent, RETRY_MAX_MS, retryDelay } from './live-rules.ts';

describe('parseLiveEvent', () => {
  it('reads a resource event', () => {
    const text = JSON.stringify({
      type: 'resource',
      resourceType: 'Observation',
      id: '42',
      versionId: '3',
      action: 'update',
    });
    assert.deepEqual(parseLiveEvent(text), {
      resourceType: 'Observation',
      id: '42',
      versionId: '3',
      action: 'update',
    });
  });
  it('ignores other messages, bad JSON and unknown actions', () => {
    assert.equal(parseLiveEvent('{"type":"ping"}'), undefined);
    assert.equal(parseLiveEvent('not json'), undefined);
    assert.equal(
      parseLiveEvent(JSON.stringify({ type: 'resource', resourceType: 'Patient', action: 'purge' })),
      undefined,
    );
    assert.equal(
      parseLiveEvent(JSON.stringify({ type: 'resource', resourceType: '__proto__', action: 'create' })),
      undefined,
    );
    assert.equal(parseLiveEvent(new ArrayBuffer(4)), undefined);
  });
});

describe('retryDelay', () => {
  it('doubles after each failure in a row, up to a minute', () => {
    assert.equal(retryDelay(1, false), 1_000);
    assert.equal(retryDelay(2, false), 2_000);
    assert.equal(retryDelay(4, false), 8_000);
    assert.equal(retryDelay(20, false), RETRY_MAX_MS);
  });
  it('waits a minute at once when the server has no live feed', () => {
    assert.equal(retryDelay(1, true), RETRY_MAX_MS);
  });
  it('spreads clients by a quarter either way', () => {
    assert.equal(retryDelay(3, false, 0), 3_000);
    assert.equal(retryDelay(3, false, 1), 5_000);
  });
});

describe('liveUrl', () => {
  it('uses the page origin, secure when the page is', () => {
    assert.equal(liveUrl({ protocol: 'https:', host: 'sahti.ma' }), 'wss://sahti.ma/api/live');
    assert.equal(liveUrl({ protocol: 'http:', host: 'localhost:8080' }), 'ws://localhost:8080/api/live');
  });
});
