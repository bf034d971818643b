/**
 * The compiled search-parameter expressions (compiled-fhirpath.ts) give what @medplum/core's
 * interpreter gives: value by value, in its order, for every search parameter of every type over
 * every official HL7 R4 example and over resources built to sit on the edges (primitive extensions,
 * choice elements, duplicates a union removes, functions and operators over compiled operands);
 * and so the index rows are the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalFhirPathTyped, getSearchParameterDetails, parseFhirPath, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadExamples } from '../../../tests/support/hl7-corpus.ts';
import { compileFhirPath } from './compiled-fhirpath.ts';
import { loadDefinitions, searchParametersOf } from './definitions.ts';
import { buildIndexRows } from './index-rows.ts';

loadDefinitions();

/** Both evaluations of one expression on one resource: equal, or both failing. */
function sameValues(expression: string, resource: Resource, label: string): number {
  const parsed = parseFhirPath(expression);
  const input = [toTypedValue(resource)];
  let expected: unknown;
  let actual: unknown;
  try {
    expected = evalFhirPathTyped(parsed, input);
  } catch {
    expected = 'error';
  }
  try {
    actual = compileFhirPath(parsed)(input);
  } catch {
    actual = 'error';
  }
  assert.deepEqual(actual, expected, `${label}: ${expression}`);
  return Array.isArray(expected) ? expected.length : 0;
}

function everyParameter(resource: Resource, label: string): number {
  let values = 0;
  for (const [code, sp] of searchParametersOf(resource.resourceType)) {
    if (!sp.expression) continue;
    const { parsedExpression } = getSearchParameterDetails(resource.resourceType, sp);
    values += sameValues(parsedExpression.toString(), resource, `${label} ${code}`);
    for (const component of sp.component ?? [])
      if (component.expression) sameValues(component.expression, resource, label);
  }
  return values;
}

describe('compiled FHIRPath: the interpreter’s values', () => {
  it('on resources at the edges', () => {
    const extension = { extension: [{ url: 'x', valueString: 'y' }] };
    const patient = {
      resourceType: 'Patient',
      id: 'p',
      birthDate: '1990-01-02',
      _birthDate: extension,
      name: [
        { family: 'Alaoui', given: ['Amina', 'Amina'], _given: [null, extension] },
        { _family: extension },
        { family: 'Alaoui', given: ['Amina', 'Amina'] },
      ],
      telecom: [
        { system: 'phone', value: '+212600000000' },
        { system: 'email', value: 'a@example.org' },
      ],
      deceasedBoolean: false,
      contained: [{ resourceType: 'Organization', id: 'o', name: 'Clinique' }],
      managingOrganization: { reference: '#o' },
      generalPractitioner: [
        { reference: 'Practitioner/d' },
        { reference: 'https://other.example/Practitioner/x' },
      ],
    } as unknown as Resource;
    const expressions = [
      'Patient.name',
      'Patient.name.given',
      'Patient.name.family | Patient.name.given',
      'Patient.name | Patient.name',
      'Patient.birthDate',
      "Patient.telecom.where(system = 'phone')",
      'Patient.deceased.exists() and Patient.deceased != false',
      'Patient.deceased as boolean',
      '(Patient.deceased as dateTime)',
      'Patient.deceased is boolean',
      'Patient.managingOrganization.resolve().name',
      'Patient.generalPractitioner.where(resolve() is Practitioner)',
      'Patient.contained.name',
      'Patient.name[1].family',
      'Patient.link.other',
      "Patient.extension('x')",
      'Patient.nothing',
      '$this.name.family',
      'name.family',
    ];
    for (const e of expressions) sameValues(e, patient, 'edge Patient');
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'BP' },
      effectivePeriod: { start: '2026-01-01', end: '2026-01-02' },
      valueQuantity: { value: 1, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120 } },
        { code: { text: 'c' }, valueString: 'high' },
      ],
    } as unknown as Resource;
    for (const e of [
      'Observation.effective',
      'Observation.value as Quantity',
      'Observation.value.as(Quantity)',
      'Observation.component.value.ofType(Quantity)',
      'Observation.code | Observation.component.code',
    ])
      sameValues(e, observation, 'edge Observation');
    const values = everyParameter(patient, 'edge Patient') + everyParameter(observation, 'edge Observation');
    assert.ok(values > 20, `${values} values compared`);
  });

  it('for every search parameter over every official HL7 R4 example', async () => {
    const examples = await loadExamples();
    assert.ok(examples.length > 700, `${examples.length} examples`);
    let values = 0;
    for (const { file, resource } of examples) values += everyParameter(resource as Resource, file);
    assert.ok(values > 8_000, `${values} values compared`);
  });

  it('gives the same index rows over every official HL7 R4 example', async () => {
    for (const { file, resource } of await loadExamples()) {
      const r = resource as Resource;
      assert.deepEqual(buildIndexRows(r), buildIndexRows(r, { interpreted: true }), file);
      assert.deepEqual(
        buildIndexRows(r, { everyParameter: true }),
        buildIndexRows(r, { everyParameter: true, interpreted: true }),
        file,
      );
    }
  });
});
