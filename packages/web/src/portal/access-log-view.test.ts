import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessLine } from './access-log-view.ts';

describe('accessLine', () => {
  it('says who looked at which parts of the record, each part once', () => {
    const line = accessLine({
      when: '2026-06-01T10:00:00Z',
      who: { display: 'Dr Khalid Filali', reference: 'Practitioner/4', roles: ['doctor'], self: false },
      action: 'E',
      what: ['Observation/1', 'Observation/2', 'Condition/3', 'ccess'],
      breakGlass: false,
      outcome: 'success',
    });
    assert.equal(line.kind, 'view');
    assert.deepEqual(line.types, ['Observation', 'Condition']);
    assert.deepEqual(line.roles, ['doctor']);
    assert.ok(!line.self && !line.refused);
  });
  it('keeps the emergency reason and reads the first sketch of the contract too', () => {
    const line = accessLine({
      when: '2026-06-01T10:00:00Z',
      who: 'Dr Salma Benjelloun',
      role: 'doctor',
      action: 'R',
      purpose: 'emergency',
      breakGlass: true,
      breakGlassReason: 'Patient inconscient',
      outcome: 'failure',
    });
    assert.equal(line.name, 'Dr Salma Benjelloun');
    assert.equal(line.reason, 'Patient inconscient');
    assert.equal(line.purpose, 'emergency');
    assert.ok(line.breakGlass && line.refused);
  });
});
