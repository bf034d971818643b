import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from './versions.ts';

describe('a new resource id', () => {
  it('is a UUID of version 7 carrying the second it was made in, and never repeats', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const ids = Array.from({ length: 20_000 }, newId); // several pools of random bytes
    const after = Date.now();
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const msecs = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      assert.equal(msecs % 1000, 0);
      assert.ok(msecs >= before && msecs <= after, `${id} is of its second`);
    }
    // the random part differs from one id to the next, pool boundaries included
    const tails = new Set(ids.map((id) => id.slice(14)));
    assert.equal(tails.size, ids.length);
  });
});
