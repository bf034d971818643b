import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ageOn, delegationEnd, delegationRelationship, mayDelegate } from './dependants.ts';

const related = (code: string, end?: string) => ({
  resourceType: 'RelatedPerson' as const,
  patient: { reference: 'Patient/c' },
  relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code }] }],
  ...(end ? { period: { end } } : {}),
});

describe('who may make a delegation take effect', () => {
  it('systems, administrators and the adult patient themselves; never a clinician or another patient', () => {
    assert.ok(mayDelegate({ kind: 'system' }, 'c', 5));
    assert.ok(mayDelegate({ kind: 'staff', roles: ['administrator'] }, 'c', 5));
    assert.ok(!mayDelegate({ kind: 'staff', roles: ['doctor'] }, 'c', 5));
    assert.ok(mayDelegate({ kind: 'patient', patientId: 'c' }, 'c', 70));
    assert.ok(!mayDelegate({ kind: 'patient', patientId: 'c' }, 'c', 12), 'a child cannot delegate alone');
    assert.ok(!mayDelegate({ kind: 'patient', patientId: 'other' }, 'c', 70));
  });

  it('accepts only a documented family relationship', () => {
    assert.equal(delegationRelationship(related('MTH')), 'MTH');
    assert.equal(delegationRelationship(related('FRND')), undefined);
  });

  it('a parent’s delegation ends at the child’s 18th birthday, or earlier with its period', () => {
    assert.equal(
      delegationEnd(related('FTH'), 'FTH', '2015-06-30')?.toISOString(),
      '2033-06-30T00:00:00.000Z',
    );
    assert.equal(
      delegationEnd(related('FTH', '2027-01-01'), 'FTH', '2015-06-30')?.toISOString(),
      '2027-01-01T00:00:00.000Z',
    );
    assert.equal(delegationEnd(related('SON'), 'SON', '1940-01-01'), undefined);
  });

  it('computes an age in whole years', () => {
    assert.equal(ageOn('2008-05-10', new Date('2026-05-09T00:00:00Z')), 17);
    assert.equal(ageOn('2008-05-10', new Date('2026-05-10T00:00:00Z')), 18);
  });
});
