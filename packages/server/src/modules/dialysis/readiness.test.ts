import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReady, noticeIsEnough, type PatientFacts, readiness } from './readiness.ts';

const rules = { serologyWindowDays: 90, labsWindowDays: 60, minNoticeDays: 7 };
const complete: PatientFacts = {
  serology: {
    hbv: { date: '2027-02-01', ref: 'Observation/b', positive: false, byPatient: false },
    hcv: { date: '2027-02-01', ref: 'Observation/c', positive: false, byPatient: false },
    hiv: { date: '2027-02-01', ref: 'Observation/h', positive: false, byPatient: false },
  },
  ecg: { date: '2026-09-01', ref: 'Observation/e' },
  latestLab: { date: '2027-02-20', ref: 'Observation/l' },
  prescription: {
    ref: 'ServiceRequest/p',
    durationMinutes: 240,
    bloodFlow: 300,
    dialyser: 'high-flux 1.8 m²',
    dialysate: 'K 2 / Ca 1.5',
    anticoagulation: 'heparin',
    dryWeightKg: 68,
  },
  access: { date: '2024-05-01', ref: 'Procedure/a', kind: 'av-fistula' },
  medications: 4,
  allergiesRecorded: true,
  approval: { by: 'Dr Alami', date: '2027-02-25' },
};
const stay = { today: '2027-03-01', arrival: '2027-03-15' };
const item = (items: ReturnType<typeof readiness>, key: string) => items.find((i) => i.key === key);

describe('what the destination needs before the request leaves', () => {
  it('a complete record is ready', () => {
    const items = readiness(complete, rules, stay);
    assert.ok(isReady(items), JSON.stringify(items.filter((i) => i.blocking)));
    assert.equal(items.length, 10);
  });

  it('a hepatitis C serology older than the centre’s window blocks and says from when to redo it', () => {
    const facts = {
      ...complete,
      serology: { ...complete.serology, hcv: { ...complete.serology.hcv!, date: '2026-10-01' } },
    };
    const items = readiness(facts, rules, stay);
    const hcv = item(items, 'serology-hcv');
    assert.equal(hcv?.status, 'expired');
    assert.equal(hcv?.blocking, true);
    assert.equal(hcv?.validUntil, '2026-12-30');
    assert.equal(hcv?.redoFrom, '2026-12-15');
    assert.equal(isReady(items), false);
  });

  it('a serology still valid today but too old on arrival warns without blocking', () => {
    const facts = {
      ...complete,
      serology: { ...complete.serology, hiv: { ...complete.serology.hiv!, date: '2026-12-10' } },
    };
    const hiv = item(readiness(facts, rules, stay), 'serology-hiv');
    assert.equal(hiv?.status, 'expires-before-stay');
    assert.equal(hiv?.blocking, false);
    assert.equal(hiv?.validUntil, '2027-03-10');
  });

  it('an incomplete prescription names what is missing', () => {
    const facts = {
      ...complete,
      prescription: { ref: 'ServiceRequest/p', durationMinutes: 240, bloodFlow: 300 },
    };
    const p = item(readiness(facts, rules, stay), 'prescription');
    assert.equal(p?.status, 'incomplete');
    assert.deepEqual(p?.missing, ['dialyser', 'dialysate', 'anticoagulation', 'dryWeightKg']);
  });

  it('an ECG older than 12 months, no approval and no allergies recorded all block', () => {
    const facts = {
      ...complete,
      ecg: { date: '2025-12-01', ref: 'Observation/e' },
      approval: undefined,
      allergiesRecorded: false,
    };
    const items = readiness(facts, rules, stay);
    assert.deepEqual(
      items.filter((i) => i.blocking).map((i) => i.key),
      ['allergies', 'ecg', 'approval'],
    );
  });

  it('the centre’s minimum notice', () => {
    assert.equal(noticeIsEnough(rules, '2027-03-01', '2027-03-08'), true);
    assert.equal(noticeIsEnough(rules, '2027-03-01', '2027-03-07'), false);
  });
});
