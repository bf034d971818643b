import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suppressedCells } from './aggregate-operation.ts';

const hiddenOf = (counts: number[]) => [...suppressedCells(counts)].sort((a, b) => a - b);
/** What someone reading the report learns: the total minus the cells shown. */
const difference = (counts: number[]) => {
  const hidden = suppressedCells(counts);
  return counts.reduce((sum, c, i) => sum + (hidden.has(i) ? c : 0), 0);
};

describe('suppressedCells (complementary suppression)', () => {
  it('hides nothing when every cell is 0 or at least 5', () => {
    assert.deepEqual(hiddenOf([5, 0, 12, 7]), []);
  });

  it('a lone small cell takes the smallest shown cell with it', () => {
    // total 7 = 6 + 1: hiding the 1 alone would leave it as 7 - 6
    assert.deepEqual(hiddenOf([6, 1]), [0, 1]);
    assert.deepEqual(hiddenOf([20, 9, 3, 6]), [2, 3]);
  });

  it('small cells that add up to 5 or more are enough on their own', () => {
    assert.deepEqual(hiddenOf([10, 3, 2, 8]), [1, 2]);
  });

  it('small cells under 5 together take shown cells until they reach 5', () => {
    assert.deepEqual(hiddenOf([1, 1, 30, 5]), [0, 1, 3]);
  });

  it('whatever the counts, what is left out is 0 or at least 5', () => {
    for (let seed = 1; seed < 500; seed++) {
      const counts = Array.from({ length: 1 + (seed % 7) }, (_, i) => (seed * (i + 3) * 7919) % 11);
      const total = counts.reduce((a, b) => a + b, 0);
      const left = difference(counts);
      if (total >= 5) assert.ok(left === 0 || left >= 5, `${counts}: ${left} left out`);
    }
  });
});
