import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockoutPolicy } from './config.ts';
import { clientSubject, delaySchedule, loginSubject, pairDelayAfter } from './throttle.ts';

const policy: LockoutPolicy = {
  freeFailures: 5,
  delaySeconds: 60,
  maxDelaySeconds: 3600,
  memorySeconds: 86_400,
  lockAddresses: 5,
  lockWindowSeconds: 900,
  lockSeconds: 900,
  addressFailures: 50,
  addressWindowSeconds: 900,
};

describe('throttle of one login (or client) from one address', () => {
  it('lets 4 failures pass freely; the 5th makes the next attempt wait a minute', () => {
    assert.deepEqual(
      [1, 2, 4, 5].map((n) => pairDelayAfter(n, policy)),
      [0, 0, 0, 60],
    );
  });

  it('doubles the wait with each further failure, up to an hour', () => {
    assert.deepEqual(
      [5, 6, 7, 10, 11, 12, 100].map((n) => pairDelayAfter(n, policy)),
      [60, 120, 240, 1920, 3600, 3600, 3600],
    );
  });

  it('gives the SQL a schedule that ends at the ceiling', () => {
    assert.deepEqual(delaySchedule(policy), [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600]);
    assert.equal(delaySchedule({ ...policy, delaySeconds: 0 }).length, 69, 'bounded even without growth');
  });
});

describe('throttle subjects', () => {
  it('names a login whatever its case and spaces, and never stores it in clear', () => {
    assert.equal(loginSubject(' A438469 '), loginSubject('a438469'));
    assert.doesNotMatch(loginSubject('A438469'), /438469/);
    assert.notEqual(clientSubject('a438469'), loginSubject('a438469'));
  });
});
