import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, secondOfId } from './versions.ts';

describe('a new resource id', () => {
  it('is 22 characters of lower-case base 32 carrying the second it was made in, and never repeats', () => {
    const before = Math.floor(Date.now() / 1000);
    const ids = Array.from({ length: 20_000 }, newId); // several pools of random bytes
    const after = Math.floor(Date.now() / 1000);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, /^[0-9a-hjkmnp-tv-z]{22}$/);
      const second = secondOfId(id);
      assert.ok(second !== undefined && second >= before && second <= after, `${id} is of its second`);
    }
    // the random part differs from one id to the next, pool boundaries included
    const tails = new Set(ids.map((id) => id.slice(7)));
    assert.equal(tails.size, ids.length);
  });

  it('sorts by the second it was made in, in byte order and in a locale’s order alike', (t) => {
    const seconds = Array.from({ length: 300 }, (_, i) => 1_700_000_000 + i * i * 7_919);
    const ids = seconds.map((second) => {
      t.mock.timers.enable({ apis: ['Date'], now: second * 1000 + (second % 1000) });
      const id = newId();
      t.mock.timers.reset();
      return id;
    });
    assert.deepEqual(ids.map(secondOfId), seconds);
    const shuffled = [...ids].reverse();
    assert.deepEqual([...shuffled].sort(), ids);
    assert.deepEqual([...shuffled].sort(new Intl.Collator('fr').compare), ids);
    assert.deepEqual([...shuffled].sort(new Intl.Collator('ar').compare), ids);
  });

  it('is told from ids of other forms', () => {
    assert.equal(secondOfId('0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b'), undefined);
    assert.equal(secondOfId('example'), undefined);
    assert.equal(secondOfId('0000000000000000000000'), 0);
    assert.equal(secondOfId('000000iiiiiiiiiiiiiiii'), undefined);
  });
});
