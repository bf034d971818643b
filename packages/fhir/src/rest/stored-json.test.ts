import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fhirJson, StoredJson } from './stored-json.ts';

const PATIENT = { resourceType: 'Patient', id: 'p1', name: [{ family: 'الإدريسي', given: ['Ré"mi\\'] }] };
const OBSERVATION = { resourceType: 'Observation', id: 'o1', valueQuantity: { value: 38.5, unit: 'kg' } };

describe('a resource kept as its stored text', () => {
  it('is written as its text, where JSON.stringify writes the parsed resource', () => {
    const stored = (r: object) => new StoredJson(JSON.stringify(r));
    const body = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { fullUrl: 'x/Patient/p1', resource: stored(PATIENT), search: { mode: 'match' } },
        { fullUrl: 'x/Observation/o1', resource: stored(OBSERVATION), search: { mode: 'match' } },
        { fullUrl: 'x/Patient/p2', resource: { ...PATIENT, id: 'p2' }, search: { mode: 'include' } },
      ],
    };
    const expected = JSON.stringify({
      ...body,
      entry: [
        { ...body.entry[0], resource: PATIENT },
        { ...body.entry[1], resource: OBSERVATION },
        body.entry[2],
      ],
    });
    assert.equal(fhirJson(body), expected);
    // any other writer gets the same JSON, the text parsed on demand
    assert.equal(JSON.stringify(body), expected);
  });

  it('is spliced as it is, whatever its spacing, nested at any depth; a NUL-led string stays a string', () => {
    const text = '{"resourceType": "Patient", "id": "p1"}';
    const forged = JSON.parse(JSON.stringify('\u0000x')); // a NUL-led string, as a marker is
    const body = { a: [{ b: new StoredJson(text) }], c: forged, d: [new StoredJson('[1,2]'), null] };
    assert.equal(fhirJson(body), `{"a":[{"b":${text}}],"c":"\\u0000x","d":[[1,2],null]}`);
  });

  it('writes bodies without stored texts as JSON.stringify does, undefined included', () => {
    for (const value of [{ a: 1, b: undefined }, [undefined, () => 1], 'text', 3, null])
      assert.equal(fhirJson(value), JSON.stringify(value));
    assert.equal(fhirJson(undefined), undefined);
  });
});
