import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { observationValueText } from './observation.ts';

const quantity = (q: { value?: number; unit?: string }) => `${q.value} ${q.unit}`;
const number = (n: number) => String(n);
const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });

describe('observationValueText', () => {
  it('writes a blood-pressure panel as systolic/diastolic', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: loinc('85354-9'),
      component: [
        { code: loinc('8480-6'), valueQuantity: { value: 140, unit: 'mm[Hg]' } },
        { code: loinc('8462-4'), valueQuantity: { value: 90, unit: 'mm[Hg]' } },
      ],
    };
    assert.equal(observationValueText(bp, quantity, number), '140/90 mmHg');
    const arabic = (ucum: string) => (ucum === 'mm[Hg]' ? 'ملم زئبق' : ucum);
    assert.equal(observationValueText(bp, quantity, number, arabic), '140/90 ملم زئبق');
  });
  it('writes a quantity, a coded value or a string', () => {
    const base: Observation = { resourceType: 'Observation', status: 'final', code: loinc('29463-7') };
    assert.equal(
      observationValueText({ ...base, valueQuantity: { value: 72, unit: 'kg' } }, quantity, number),
      '72 kg',
    );
    assert.equal(
      observationValueText({ ...base, valueCodeableConcept: { text: 'positive' } }, quantity, number),
      'positive',
    );
    assert.equal(observationValueText({ ...base, valueString: 'normal' }, quantity, number), 'normal');
  });
});
