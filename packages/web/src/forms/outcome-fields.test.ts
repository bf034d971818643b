import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { blamedFields, normaliseExpression } from './outcome-fields.ts';

const outcome = (...expressions: string[]): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: expressions.map((e) => ({ severity: 'error', code: 'invalid', expression: [e] })),
});

const PATHS = {
  name: ['Organization.name', 'Location.name'],
  inpe: ['Organization.identifier'],
  latitude: ['Location.position.latitude'],
  longitude: ['Location.position.longitude'],
};

describe('normaliseExpression', () => {
  it('drops indexes and reads transaction entries as their resource type', () => {
    assert.equal(normaliseExpression('Organization.identifier[0].value'), 'Organization.identifier.value');
    assert.equal(
      normaliseExpression('Bundle.entry[1].resource.position.latitude', ['Organization', 'Location']),
      'Location.position.latitude',
    );
  });
});

describe('blamedFields', () => {
  it('puts each refused element on the field that writes it, in the form order', () => {
    assert.deepEqual(
      blamedFields(outcome('Location.position.latitude', 'Organization.identifier[0].value'), PATHS),
      ['inpe', 'latitude'],
    );
    assert.deepEqual(
      blamedFields(outcome('Bundle.entry[0].resource.name'), PATHS, ['Organization', 'Location']),
      ['name'],
    );
  });
  it('blames no field for a whole resource, an unknown element, warnings or no outcome', () => {
    assert.deepEqual(blamedFields(outcome('Organization'), PATHS), []);
    assert.deepEqual(blamedFields(outcome('Organization.telecom[0].value'), PATHS), []);
    assert.deepEqual(
      blamedFields(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'warning', code: 'invalid', expression: ['Organization.name'] }],
        },
        PATHS,
      ),
      [],
    );
    assert.deepEqual(blamedFields(undefined, PATHS), []);
  });
  it('does not take a longer element name for the field (identifier vs identifierType)', () => {
    assert.deepEqual(blamedFields(outcome('Organization.identifierType'), PATHS), []);
  });
});
