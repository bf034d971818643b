import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadDefinitions } from './definitions.ts';
import { hasErrors, validationOutcome, withoutEmptyArrays } from './validate.ts';
import { stampedVersion } from './versions.ts';

loadDefinitions();

const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic' }], text: 'PAS' },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-01-02',
  valueQuantity: { value: 131, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  component: [{ code: { text: 'c' }, valueQuantity: { value: 2 } }],
  category: [{ coding: [{ code: 'vital-signs' }] }],
  identifier: [{ system: 'urn:x', value: 'v' }],
  performer: [{ reference: 'Practitioner/x' }],
};
const patient = {
  resourceType: 'Patient',
  name: [{ family: 'Alaoui', given: ['Salma'] }],
  telecom: [{ system: 'phone', value: '+212600000000' }],
  birthDate: '1990-01-01',
  address: [{ city: 'Rabat', line: ['12 rue Oued Fès'] }],
  identifier: [{ system: 'urn:x', value: 'v' }],
  link: [{ other: { reference: 'Patient/y' }, type: 'seealso' }],
};

/** Every path to a member or an item of a JSON value. */
function paths(node: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      const step = Array.isArray(node) ? Number(key) : key;
      out.push([...at, step]);
      paths(value, [...at, step], out);
    }
  return out;
}

describe('empty arrays', () => {
  it('are taken out with what they leave empty, the input unchanged, the same object when there are none', () => {
    const input = {
      resourceType: 'Patient',
      name: [{ family: 'Alaoui', given: [] }],
      telecom: [{ value: [] }],
      meta: { tag: [] },
      address: [{ line: [[]], city: 'Rabat' }],
    };
    const copy = structuredClone(input);
    assert.deepEqual(withoutEmptyArrays(input), {
      resourceType: 'Patient',
      name: [{ family: 'Alaoui' }],
      address: [{ city: 'Rabat' }],
    });
    assert.deepEqual(input, copy);
    assert.equal(withoutEmptyArrays(patient), patient);
  });

  it('a required element made only of empty arrays is missing: the resource is refused', () => {
    const bad = { ...observation, code: { coding: [] } };
    assert.ok(hasErrors(validationOutcome(bad)));
  });

  it('whatever odd value replaces an element, a resource that passes validation gives its index rows (no crash)', () => {
    const odd = fc.constantFrom<unknown>(
      [],
      [[]],
      [['x']],
      'x',
      1,
      true,
      null,
      [null],
      { a: 1 },
      [1],
      [''],
      '',
      { value: [] },
      [{ value: 'x' }],
    );
    for (const base of [observation, patient]) {
      const where = paths(base).filter((p) => p[0] !== 'resourceType');
      fc.assert(
        fc.property(fc.constantFrom(...where), odd, (path, value) => {
          const resource = structuredClone(base) as Record<string | number, any>;
          let parent = resource;
          for (const step of path.slice(0, -1)) parent = parent[step];
          parent[path[path.length - 1]] = value;
          if (hasErrors(validationOutcome(resource))) return;
          const version = stampedVersion(resource as never, 'id-1', 1, '2026-12-04T00:00:00.000Z', 'PUT');
          assert.ok(!JSON.stringify(version.resource).includes('[]'), JSON.stringify(version.resource));
        }),
        { numRuns: 1500, seed: 20261204 },
      );
    }
  });
});
