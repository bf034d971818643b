/**
 * A parameter whose values come from elements a resource does not hold is skipped without
 * evaluating its FHIRPath (index-rows.ts `presencePaths`). Proved here to change no row: every
 * official HL7 R4 example (the corpus of tests/hl7-examples.test.ts) and resources built to sit on
 * the edges (a primitive with only an extension, a choice element, `deceased` read as false) give
 * the same rows with and without the skipping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSearchParameterDetails } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadExamples } from '../../../tests/support/hl7-corpus.ts';
import { loadDefinitions, searchParametersOf } from './definitions.ts';
import { buildIndexRows, presencePaths } from './index-rows.ts';

loadDefinitions();

const pathsOf = (type: string, code: string) => {
  const sp = searchParametersOf(type).get(code);
  assert.ok(sp, `${type} ${code}`);
  return presencePaths(type, getSearchParameterDetails(type, sp).parsedExpression);
};

const same = (resource: Resource, label: string) =>
  assert.deepEqual(buildIndexRows(resource), buildIndexRows(resource, { everyParameter: true }), label);

describe('index rows: parameters skipped when their elements are absent', () => {
  it('reads where an expression takes its values from, and refuses what it cannot be sure of', () => {
    assert.deepEqual(pathsOf('Patient', 'address-state'), [{ members: ['address', 'state'] }]);
    assert.deepEqual(pathsOf('Patient', 'email'), [{ members: ['telecom'] }]); // telecom.where(system='email')
    // subject.where(resolve() is Patient)
    assert.deepEqual(pathsOf('Observation', 'patient'), [{ members: ['subject'] }]);
    assert.deepEqual(pathsOf('Patient', 'death-date'), [{ members: ['deceased'], choice: 'dateTime' }]);
    assert.deepEqual(
      pathsOf('Observation', 'value-quantity')
        ?.map((p) => p.choice)
        .sort(),
      ['Quantity', 'SampledData'],
    );
    // `exists() and … != false` is false, not empty, without the element: always evaluated
    assert.equal(pathsOf('Patient', 'deceased'), undefined);
    // a composite's base expression is the resource itself
    assert.equal(pathsOf('Observation', 'code-value-quantity'), undefined);
  });

  it('gives the same rows on resources at the edges of the rule', () => {
    const edges: Resource[] = [
      { resourceType: 'Patient', _birthDate: { extension: [{ url: 'x', valueString: 'y' }] } } as Resource,
      {
        resourceType: 'Patient',
        name: [{ _family: { extension: [{ url: 'x', valueString: 'y' }] } }],
      } as unknown as Resource,
      { resourceType: 'Patient', deceasedBoolean: false },
      { resourceType: 'Patient' },
      { resourceType: 'Patient', address: [{ city: 'Fès' }], telecom: [{ system: 'phone', value: '1' }] },
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        valueString: 'high',
        component: [{ code: { text: 'c' }, valueQuantity: { value: 1, code: 'kg' } }],
      },
      { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valuePeriod: { start: '2026' } },
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        valueCodeableConcept: { text: 'y' },
      },
      { resourceType: 'Patient', deceasedDateTime: '2026-01-02' },
      {
        resourceType: 'Patient',
        _deceasedDateTime: { extension: [{ url: 'x', valueString: 'y' }] },
      } as Resource,
      { resourceType: 'Condition', subject: { reference: 'Patient/p' }, onsetAge: { value: 3, unit: 'a' } },
      { resourceType: 'Condition', subject: { reference: 'Patient/p' }, onsetString: 'childhood' },
    ];
    for (const [i, r] of edges.entries()) same(r, `edge ${i}`);
  });

  it('gives the same rows for every official HL7 R4 example', async () => {
    const examples = await loadExamples();
    assert.ok(examples.length > 700, `${examples.length} examples`);
    for (const { file, resource } of examples) same(resource as Resource, file);
  });
});
