import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlParams, textArrayLiteral } from './sql-params.ts';

const AWKWARD = ['p1', 'b"c', 'd\\e', 'a,b', '{x}', ' space ', 'NULL', '', 'الإدريسي', 'é'];

describe('a list of texts as one array literal', () => {
  it('quotes every element and escapes its backslashes and quotes, as node-postgres does', () => {
    assert.equal(
      textArrayLiteral(AWKWARD),
      '{"p1","b\\"c","d\\\\e","a,b","{x}"," space ","NULL","","الإدريسي","é"}',
    );
    assert.equal(textArrayLiteral([]), '{}');
  });

  it('is made once for a frozen list, and never for one that may change', () => {
    const frozen = Object.freeze(['p1', 'p2']);
    const p = new SqlParams();
    p.add(frozen, 'text[]');
    p.add(frozen, 'text[]');
    assert.deepEqual(p.values, ['{"p1","p2"}', '{"p1","p2"}']);
    const open = ['p1', 'p2'];
    const q = new SqlParams();
    q.add(open, 'text[]');
    open.push('p3');
    assert.equal(q.values[0], open, 'passed as it is: node-postgres writes it at the query');
    const mixed = Object.freeze(['p1', 2]);
    const r = new SqlParams();
    r.add(mixed, 'text[]');
    assert.equal(r.values[0], mixed, 'not all texts: passed as it is');
    const other = new SqlParams();
    other.add(frozen, 'text');
    assert.equal(other.values[0], frozen, 'only for a text[] placeholder');
  });
});
