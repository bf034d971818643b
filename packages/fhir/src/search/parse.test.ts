import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FhirError } from '../outcome.ts';
import { parseSearch, splitPrefix, splitValues } from './parse.ts';

const refused = (fn: () => unknown): boolean => {
  try {
    fn();
    return false;
  } catch (err) {
    return err instanceof FhirError && err.status === 400;
  }
};

describe('search parsing', () => {
  it('splits values on unescaped commas only', () => {
    assert.deepEqual(splitValues('a,b\\,c,d\\\\'), ['a', 'b,c', 'd\\']);
  });
  it('reads a prefix only before a number', () => {
    assert.deepEqual(splitPrefix('ge2024-01'), { prefix: 'ge', rest: '2024-01' });
    assert.deepEqual(splitPrefix('ne'), { prefix: 'eq', rest: 'ne' });
  });
  it('knows every official parameter of a type, with its type', () => {
    const q = parseSearch('Observation', [
      ['code', 'http://loinc.org|29463-7'],
      ['date', 'ge2024-01-01'],
      ['value-quantity', 'lt5.4|http://unitsofmeasure.org|mg'],
      ['subject:Patient', '123'],
      ['code-value-quantity', 'http://loinc.org|8480-6$gt140'],
    ]);
    assert.deepEqual(
      q.filters.map((f) => (f.kind === 'param' ? `${f.code}:${f.type}` : f.kind)),
      [
        'code:token',
        'date:date',
        'value-quantity:quantity',
        'subject:reference',
        'code-value-quantity:composite',
      ],
    );
  });
  it('parses chains and _has into nested filters', () => {
    const q = parseSearch('Patient', [
      ['_has:Observation:subject:code', '1234'],
      ['organization.name', 'chu'],
    ]);
    assert.equal(q.filters[0].kind, 'has');
    assert.equal(q.filters[1].kind, 'chain');
  });
  it('refuses malformed values instead of passing them to the database', () => {
    assert.ok(refused(() => parseSearch('Patient', [['birthdate', "2024' OR 1=1"]])));
    assert.ok(refused(() => parseSearch('Observation', [['value-quantity', 'abc']])));
    assert.ok(refused(() => parseSearch('Patient', [['_count', '-1']])));
    assert.ok(refused(() => parseSearch('Patient', [['_sort', 'name;DROP TABLE resource']])));
    assert.ok(refused(() => parseSearch('Patient', [['name:nonsense', 'x']])));
    assert.ok(refused(() => parseSearch('Observation', [['subject.organization.name', 'x']])));
  });
  it('clamps a huge _count with a warning, ignores unknown parameters unless strict', () => {
    const q = parseSearch('Patient', [
      ['_count', '99999999'],
      ['colour', 'blue'],
    ]);
    assert.equal(q.count, 1000);
    assert.equal(q.warnings.length, 2);
    assert.ok(refused(() => parseSearch('Patient', [['colour', 'blue']], true)));
  });
});
