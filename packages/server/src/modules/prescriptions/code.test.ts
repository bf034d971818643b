import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalForm, consistent } from './canonical.ts';
import { CODE_LENGTH, groupedCode, newVerificationCode, normalizeCode } from './code.ts';
import { findMedicines, medicineDisplay, medicines } from './medicines.ts';

test('verification codes are long, random and read back however they are typed', () => {
  const codes = new Set(Array.from({ length: 200 }, newVerificationCode));
  assert.equal(codes.size, 200);
  const code = [...codes][0];
  assert.equal(code.length, CODE_LENGTH);
  assert.equal(normalizeCode(groupedCode(code).toLowerCase()), code);
  assert.equal(normalizeCode('short'), undefined);
  assert.equal(normalizeCode(`${code.slice(0, -1)}U`), undefined, 'U is not in the alphabet');
});

test('the medicines list is the real reference file, searchable without accents', () => {
  assert.ok(medicines().size >= 40);
  const andol = medicines().get('6118000081579');
  assert.equal(andol?.inn, 'PARACETAMOL');
  assert.equal(medicineDisplay(andol!), 'ANDOL 500 MG, comprime (PARACETAMOL)');
  assert.ok(findMedicines('paracétamol').length >= 2);
  assert.deepEqual(
    findMedicines('amox 500')
      .map((m) => m.name)
      .sort(),
    ['AMOXIL', 'DISPAMOX', 'PENAMOX'],
  );
});

const request = (id: string, dosage: string) => ({
  resourceType: 'MedicationRequest' as const,
  id,
  status: 'active' as const,
  intent: 'order' as const,
  subject: { reference: 'Patient/p', display: 'Salma Amrani' },
  requester: { reference: 'Practitioner/d', display: 'Dr Youssef Benjelloun' },
  authoredOn: '2026-01-01T10:00:00.000Z',
  medicationCodeableConcept: { coding: [{ system: 's', code: 'c', display: 'ANDOL' }] },
  dosageInstruction: [{ text: dosage }],
  dispenseRequest: { quantity: { value: 1 }, expectedSupplyDuration: { value: 7 } },
});

test('the signed form covers what was prescribed, not the status, and any one character of it', () => {
  const a = [request('b', '1 cp matin et soir'), request('a', '2 cp le soir')];
  const form = canonicalForm('rx1', a);
  assert.equal(canonicalForm('rx1', [...a].reverse()), form, 'order of the requests does not matter');
  assert.equal(
    canonicalForm(
      'rx1',
      a.map((r) => ({ ...r, status: 'completed' as const })),
    ),
    form,
  );
  assert.notEqual(
    canonicalForm('rx1', [request('b', '1 cp matin et soir'), request('a', '3 cp le soir')]),
    form,
  );
  assert.ok(consistent(a));
  assert.ok(!consistent([a[0], { ...a[1], subject: { reference: 'Patient/q' } }]));
});

test('the validity period is signed (form 2); a prescription signed without one keeps form 1', () => {
  const old = [request('a', '2 cp le soir')];
  const form1 = JSON.parse(canonicalForm('rx1', old));
  assert.equal(form1.v, 1);
  assert.equal('validity' in form1, false, 'signatures made before validity periods still match');
  const period = { start: '2026-01-01T10:00:00.000Z', end: '2026-04-01T10:00:00.000Z' };
  const dated = old.map((r) => ({ ...r, dispenseRequest: { ...r.dispenseRequest, validityPeriod: period } }));
  const form2 = JSON.parse(canonicalForm('rx1', dated));
  assert.equal(form2.v, 2);
  assert.deepEqual(form2.validity, period);
  const later = dated.map((r) => ({
    ...r,
    dispenseRequest: { ...r.dispenseRequest, validityPeriod: { ...period, end: '2027-04-01T10:00:00.000Z' } },
  }));
  assert.notEqual(canonicalForm('rx1', later), canonicalForm('rx1', dated));
  assert.ok(!consistent([dated[0], { ...later[0], id: 'b' }]), 'one validity per prescription');
});
