import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockoutPolicy } from './config.ts';
import { lockSecondsAfter } from './throttle.ts';

const policy: LockoutPolicy = {
  accountFailures: 5,
  lockSeconds: 900,
  maxLockSeconds: 86_400,
  addressFailures: 50,
  addressWindowSeconds: 900,
};

describe('lockout growth', () => {
  it('locks after each series of 5 failures, not in between', () => {
    assert.deepEqual(
      [1, 4, 5, 6, 9].map((n) => lockSecondsAfter(n, policy)),
      [0, 0, 900, 0, 0],
    );
  });

  it('doubles the lock with each further series, up to a day', () => {
    assert.deepEqual(
      [5, 10, 15, 20, 45, 100].map((n) => lockSecondsAfter(n, policy)),
      [900, 1800, 3600, 7200, 86_400, 86_400],
    );
  });
});
