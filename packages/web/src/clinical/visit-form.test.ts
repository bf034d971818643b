import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_VISIT, fieldOfServerPath, parseNumber, visitProblems, visitRequest } from './visit-form.ts';

const VITALS = [
  {
    key: 'temperature',
    loinc: '8310-5',
    display: 'T',
    unit: 'Cel',
    plausible: [30, 44] as [number, number],
    decimals: 1,
  },
  {
    key: 'systolic',
    loinc: '8480-6',
    display: 'S',
    unit: 'mm[Hg]',
    plausible: [50, 280] as [number, number],
    decimals: 0,
  },
];

describe('the visit form', () => {
  it('reads a decimal comma as French clinicians type it', () => {
    assert.equal(parseNumber('37,5'), 37.5);
    assert.ok(Number.isNaN(parseNumber('37°5') as number));
    assert.equal(parseNumber(' '), undefined);
  });

  it('names each problem by its field, with how to fix it (a diagnosis needs a code, not words)', () => {
    const problems = visitProblems(
      {
        ...EMPTY_VISIT,
        vitals: { temperature: '375', systolic: 'abc' },
        diagnoses: [
          { code: '', text: 'HTA', status: 'active' },
          { code: 'E11.9', text: '', status: 'active' },
        ],
        orders: [{ kind: 'referral', text: 'Avis', performer: '', performerName: '' }],
      },
      VITALS,
      true,
    );
    assert.deepEqual(
      problems.map((p) => `${p.field}:${p.key}`),
      [
        'vital-temperature:errors.vitalRange',
        'vital-systolic:errors.vitalNumber',
        'diagnosis-0-code:errors.icd10',
        'order-0-performer:errors.referralTo',
        'note:errors.noteToSign',
      ],
    );
  });

  it('sends only what was filled in, codes upper-cased', () => {
    const request = visitRequest(
      'p1',
      {
        ...EMPTY_VISIT,
        vitals: { temperature: '37,2', systolic: '' },
        diagnoses: [
          { code: 'i10', text: ' HTA ', status: 'active' },
          { code: 'J02.9', display: 'Pharyngite (aiguë), sans précision', text: ' ', status: 'active' },
        ],
        immunizations: [{ dose: 'DTC|2', date: '' }],
      },
      false,
    );
    assert.deepEqual(request.vitals, { temperature: 37.2 });
    assert.deepEqual(request.diagnoses, [
      { code: 'I10', text: 'HTA', status: 'active' },
      { code: 'J02.9', status: 'active' },
    ]);
    assert.deepEqual(request.immunizations, [{ antigen: 'DTC', dose: 2 }]);
    assert.equal(request.sign, false);
    assert.equal(request.note, undefined);
  });

  it('puts a server refusal on its field', () => {
    assert.equal(fieldOfServerPath('vitals.heartRate'), 'vital-heartRate');
    assert.equal(fieldOfServerPath('diagnoses[2].code'), 'diagnosis-2-code');
    assert.equal(fieldOfServerPath('immunizations[0]'), 'immunization-0-dose');
    assert.equal(fieldOfServerPath('patient'), undefined);
  });
});
