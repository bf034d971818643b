import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange, periodRange } from './dates.ts';

describe('date ranges', () => {
  it('widens a value to its precision', () => {
    assert.deepEqual(parseRange('2024'), {
      low: '2024-01-01T00:00:00.000Z',
      high: '2025-01-01T00:00:00.000Z',
    });
    assert.deepEqual(parseRange('2024-02'), {
      low: '2024-02-01T00:00:00.000Z',
      high: '2024-03-01T00:00:00.000Z',
    });
    assert.deepEqual(parseRange('2024-02-29'), {
      low: '2024-02-29T00:00:00.000Z',
      high: '2024-03-01T00:00:00.000Z',
    });
    assert.deepEqual(parseRange('2024-02-29T10:15:30+01:00'), {
      low: '2024-02-29T09:15:30.000Z',
      high: '2024-02-29T09:15:31.000Z',
    });
  });
  it('refuses impossible dates', () => {
    for (const bad of [
      '2023-02-29',
      '2024-13',
      '2024-00-10',
      'yesterday',
      '2024-01-01T25:00:00Z',
      "1' or 1=1",
    ]) {
      assert.equal(parseRange(bad), undefined, bad);
    }
  });
  it('reads years before 100 as written and years at the end of time as open', () => {
    assert.deepEqual(parseRange('0050-06-01'), {
      low: '0050-06-01T00:00:00.000Z',
      high: '0050-06-02T00:00:00.000Z',
    });
    assert.deepEqual(parseRange('9999-12-31'), { low: '9999-12-31T00:00:00.000Z', high: 'infinity' });
    assert.equal(parseRange('0000')?.low, '-infinity');
  });
  it('gives an open period an open end', () => {
    assert.deepEqual(periodRange('2024-01-01', undefined), {
      low: '2024-01-01T00:00:00.000Z',
      high: 'infinity',
    });
  });
});
