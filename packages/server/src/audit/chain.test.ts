import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, chainHash, GENESIS, instant } from './chain.ts';

describe('canonical JSON', () => {
  it('gives the same text whatever the key order, at every depth', () => {
    const a = { b: 1, a: { y: [1, { q: true, p: null }], x: 'é' } };
    const b = { a: { x: 'é', y: [1, { p: null, q: true }] }, b: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(canonicalJson(a), '{"a":{"x":"é","y":[1,{"p":null,"q":true}]},"b":1}');
  });

  it('survives a jsonb round trip: parse(canonical) re-canonicalises to itself', () => {
    const value = { recorded: '2026-03-01T10:00:00.000Z', n: 0.1, big: 1e21, text: 'سلام "quoted"\n' };
    const text = canonicalJson(value);
    assert.equal(canonicalJson(JSON.parse(text)), text);
  });

  it('leaves out undefined members and replaces what jsonb cannot store', () => {
    assert.equal(canonicalJson({ a: undefined, b: 'x' }), '{"b":"x"}');
    assert.equal(canonicalJson({ s: 'a\u0000b\ud800c' }), '{"s":"a\ufffdb\ufffdc"}');
    assert.equal(canonicalJson({ s: '😀' }), '{"s":"😀"}'); // a valid surrogate pair is kept
  });

  it('with a memo, writes a frozen member once and gives the same text; members not frozen are written each time', () => {
    const shared = Object.freeze({ z: 1, a: Object.freeze(['x']) });
    const loose = { b: 2 };
    const memo = new Map<object, string>();
    const first = canonicalJson({ s: shared, l: loose }, memo);
    assert.equal(first, canonicalJson({ s: shared, l: loose }));
    assert.deepEqual([...memo.values()], ['{"a":["x"],"z":1}']);
    loose.b = 3; // not frozen: not remembered, so a change shows
    assert.equal(canonicalJson({ s: shared, l: loose }, memo), '{"l":{"b":3},"s":{"a":["x"],"z":1}}');
    assert.equal(canonicalJson([shared, shared], memo), '[{"a":["x"],"z":1},{"a":["x"],"z":1}]');
  });
});

describe('chain hash', () => {
  const content = canonicalJson({ resourceType: 'AuditEvent', action: 'R' });
  const recorded = '2026-03-01T10:00:00.000Z';

  it('is SHA-256 hex of prev_hash|content|seq|recorded', () => {
    const hash = chainHash(GENESIS, content, 1, recorded);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hash, chainHash(GENESIS, content, 1, recorded));
  });

  it('changes when any of its four inputs changes', () => {
    const base = chainHash(GENESIS, content, 1, recorded);
    const other = canonicalJson({ resourceType: 'AuditEvent', action: 'U' });
    assert.notEqual(chainHash('1'.repeat(64), content, 1, recorded), base);
    assert.notEqual(chainHash(GENESIS, other, 1, recorded), base);
    assert.notEqual(chainHash(GENESIS, content, 2, recorded), base);
    assert.notEqual(chainHash(GENESIS, content, 1, '2026-03-01T10:00:00.001Z'), base);
  });

  it('reads a stored instant back to the exact string that was hashed', () => {
    assert.equal(instant(new Date(recorded)), recorded);
    assert.equal(instant('2026-03-01 11:00:00+01'), recorded);
  });
});
