import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HumanName } from '@medplum/fhirtypes';
import { looksLikeCnie, otherScriptName, personName, referenceId } from './display.ts';

const names: HumanName[] = [
  { use: 'official', text: 'Mehdi Touhami', family: 'Touhami', given: ['Mehdi'] },
  {
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
    use: 'usual',
    text: 'مهدي التهامي',
  },
];

describe('personName', () => {
  it('shows the Arabic-script name to Arabic readers and the official name to others', () => {
    assert.equal(personName(names, 'ar'), 'مهدي التهامي');
    assert.equal(personName(names, 'fr'), 'Mehdi Touhami');
    assert.equal(otherScriptName(names, 'fr'), 'مهدي التهامي');
  });
  it('falls back to whatever name exists, built from its parts', () => {
    assert.equal(personName([{ given: ['Aicha'], family: 'Slaoui' }], 'ar'), 'Aicha Slaoui');
    assert.equal(personName(undefined, 'fr'), '');
  });
});

describe('identifiers and references', () => {
  it('recognises a CNIE number whatever its case and spaces', () => {
    assert.ok(looksLikeCnie(' d693599 '));
    assert.ok(!looksLikeCnie('Mohammed'));
  });
  it('takes the id of a reference of the expected type only', () => {
    assert.equal(referenceId({ reference: 'Patient/12' }, 'Patient'), '12');
    assert.equal(referenceId('Practitioner/3', 'Patient'), undefined);
  });
});
