import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linear, niceTicks, timeTicks, valueDomain } from './chart-scale.ts';

describe('niceTicks', () => {
  it('covers the data with round steps', () => {
    const { min, max, ticks } = niceTicks(63.2, 81.7, 4);
    assert.ok(min <= 63.2 && max >= 81.7);
    assert.deepEqual(ticks, [60, 65, 70, 75, 80, 85]);
  });
  it('gives a flat series some room', () => {
    const { min, max } = niceTicks(7, 7);
    assert.ok(min < 7 && max > 7);
  });
  it('keeps small decimals exact', () => {
    assert.deepEqual(niceTicks(0.61, 0.94, 3).ticks, [0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.61, 0.94, 6).ticks, [0.6, 0.7, 0.8, 0.9, 1]);
  });
});

describe('timeTicks', () => {
  it('puts ticks on month starts inside the range, no more than asked', () => {
    const ticks = timeTicks(Date.UTC(2025, 0, 15), Date.UTC(2025, 6, 20), 4);
    assert.ok(ticks.length > 0 && ticks.length <= 4);
    for (const t of ticks) assert.equal(new Date(t).getUTCDate(), 1);
  });
  it('uses year starts for spans of several years', () => {
    const ticks = timeTicks(Date.UTC(2019, 3, 1), Date.UTC(2026, 4, 1), 4);
    for (const t of ticks) assert.equal(new Date(t).getUTCMonth(), 0);
    assert.ok(ticks.length <= 4);
  });
});

describe('linear', () => {
  it('maps and can flip the range (Arabic time runs right to left)', () => {
    assert.equal(linear(0, 10, 0, 100)(5), 50);
    assert.equal(linear(0, 10, 100, 0)(2), 80);
  });
});

describe('valueDomain', () => {
  it('widens a narrow range around its middle so small changes look small', () => {
    const [lo, hi] = valueDomain(77.2, 77.8);
    assert.ok(hi - lo >= 7.7 && lo < 77.2 && hi > 77.8);
    assert.deepEqual(valueDomain(75, 175), [75, 175]);
  });
});
