import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allResourceTypes } from './definitions.ts';
import { indexedCodes, narrowedParameters, unionMembers } from './overlap.ts';

describe('parameters that include another', () => {
  it('splits a union at its top level only', () => {
    assert.deepEqual(unionMembers("(Observation.value as Quantity) | Observation.where(a = 'x|y').b"), [
      '(Observation.value as Quantity)',
      "Observation.where(a = 'x|y').b",
    ]);
    assert.deepEqual(unionMembers('Patient.name'), ['Patient.name']);
  });

  it('finds the six combo parameters of Observation, each wholly made of two others', () => {
    const found = Object.fromEntries(
      [...narrowedParameters('Observation')].map(([code, n]) => [code, [n.within.sort(), n.rest.expression]]),
    );
    assert.deepEqual(found, {
      'combo-code': [['code', 'component-code'], ''],
      'combo-data-absent-reason': [['component-data-absent-reason', 'data-absent-reason'], ''],
      'combo-value-concept': [['component-value-concept', 'value-concept'], ''],
      'combo-value-quantity': [['component-value-quantity', 'value-quantity'], ''],
      'combo-code-value-concept': [['code-value-concept', 'component-code-value-concept'], ''],
      'combo-code-value-quantity': [['code-value-quantity', 'component-code-value-quantity'], ''],
    });
    assert.deepEqual(indexedCodes('Observation', 'code'), ['code']);
    assert.deepEqual(indexedCodes('Observation', 'combo-code').sort(), [
      'code',
      'combo-code',
      'component-code',
    ]);
  });

  it('leaves identifiers, phonetic keys and references alone, in every type', () => {
    for (const type of allResourceTypes()) {
      for (const [code, n] of narrowedParameters(type)) {
        assert.ok(!['identifier', 'phonetic'].includes(code), `${type}.${code}`);
        for (const w of n.within)
          assert.ok(!['identifier', 'phonetic'].includes(w), `${type}.${code} ⊇ ${w}`);
        assert.notEqual(n.rest.type, 'reference', `${type}.${code}`);
        // @medplum/core caches a parsed expression by type and code: the rest must not share it
        assert.notEqual(n.rest.code, code, `${type}.${code}`);
      }
    }
    assert.equal(narrowedParameters('Organization').size, 0);
  });
});
