import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MedicationRequest } from '@medplum/fhirtypes';
import { draftProblem } from './drafts.ts';
import { MEDICINE_SYSTEM } from './medicines.ts';
import { PRESCRIPTION_SYSTEM } from './service.ts';

const ID = '0b7d3c1e-2f4a-4b7e-9a51-3c2d1e0f9a8b';
const draft = (over: Partial<MedicationRequest> = {}): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  status: 'draft',
  intent: 'order',
  identifier: [{ system: PRESCRIPTION_SYSTEM, value: ID }],
  groupIdentifier: { system: PRESCRIPTION_SYSTEM, value: ID },
  medicationCodeableConcept: { coding: [{ system: MEDICINE_SYSTEM, code: '6118000081579' }] },
  subject: { reference: 'urn:uuid:p' },
  requester: { reference: 'Practitioner/gp' },
  dosageInstruction: [{ text: '1 comprimé 3 fois par jour' }],
  dispenseRequest: { quantity: { value: 1 }, expectedSupplyDuration: { value: 5 } },
  ...over,
});

describe('a field prescription draft', () => {
  it('passes when its prescriber writes it with a medicine of the list', () => {
    assert.equal(draftProblem(draft(), 'Practitioner/gp'), undefined);
  });
  it('is written in its prescriber’s own name only', () => {
    assert.match(draftProblem(draft(), 'Practitioner/nurse') ?? '', /^requester/);
  });
  it('follows the service’s catalogue and quantity rules', () => {
    const off = draft({ medicationCodeableConcept: { coding: [{ system: MEDICINE_SYSTEM, code: '1' }] } });
    assert.match(draftProblem(off, 'Practitioner/gp') ?? '', /^code: choose a medicine/);
    const many = draft({
      dispenseRequest: { quantity: { value: 500 }, expectedSupplyDuration: { value: 5 } },
    });
    assert.match(draftProblem(many, 'Practitioner/gp') ?? '', /^quantity/);
  });
  it('names its prescription in both identifier and groupIdentifier', () => {
    const split = draft({ groupIdentifier: { system: PRESCRIPTION_SYSTEM, value: 'other' } });
    assert.match(draftProblem(split, 'Practitioner/gp') ?? '', /^groupIdentifier/);
  });
  it('leaves MedicationRequests that are not Sahti drafts to the other rules', () => {
    assert.equal(draftProblem(draft({ status: 'active' }), undefined), undefined);
    assert.equal(draftProblem(draft({ identifier: [] }), undefined), undefined);
  });
});
