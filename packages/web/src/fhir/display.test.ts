import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Element, HumanName } from '@medplum/fhirtypes';
import { looksLikeCnie, otherScriptName, personName, referenceId, translatedText } from './display.ts';

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

describe('translatedText', () => {
  const translation = (lang: string, content: string) => ({
    url: 'http://hl7.org/fhir/StructureDefinition/translation',
    extension: [
      { url: 'lang', valueCode: lang },
      { url: 'content', valueString: content },
    ],
  });
  const element: Element = {
    extension: [
      translation('ar', 'الوحدة الطبية المتنقلة - تارودانت 1'),
      translation('en', 'Mobile medical unit 1'),
    ],
  };
  it('reads the translation into the reader’s language, or its base language', () => {
    assert.equal(translatedText('Unité mobile 1', element, 'ar'), 'الوحدة الطبية المتنقلة - تارودانت 1');
    assert.equal(translatedText('Unité mobile 1', element, 'ar-MA'), 'الوحدة الطبية المتنقلة - تارودانت 1');
    assert.equal(translatedText('Unité mobile 1', element, 'en'), 'Mobile medical unit 1');
  });
  it('falls back to the string itself', () => {
    assert.equal(translatedText('Unité mobile 1', element, 'fr'), 'Unité mobile 1');
    assert.equal(translatedText('Unité mobile 1', undefined, 'ar'), 'Unité mobile 1');
    assert.equal(translatedText(undefined, undefined, 'ar'), '');
  });
});
