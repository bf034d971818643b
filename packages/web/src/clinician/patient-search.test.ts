import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { mergePatients, planPatientSearch } from './patient-search.ts';

describe('planPatientSearch', () => {
  it('probes the CNIE identifier when the query is a CNIE number', () => {
    const plan = planPatientSearch(' ab123456 ');
    assert.ok(Array.isArray(plan));
    assert.deepEqual(plan[0].params.identifier, 'https://sahti.ma/fhir/NamingSystem/cnie|AB123456');
    assert.equal(plan.length, 1);
  });
  it('searches a name both as written and phonetically, the phonetic one strict and optional', () => {
    const plan = planPatientSearch('Mohamed  El Idrissi');
    assert.ok(Array.isArray(plan));
    assert.equal(plan[0].params.name, 'Mohamed El Idrissi');
    assert.equal(plan[1].params.phonetic, 'Mohamed El Idrissi');
    assert.equal(plan[1].headers.prefer, 'handling=strict');
    assert.ok(plan[1].optional && !plan[0].optional);
  });
  it('asks for more than one letter', () => {
    assert.equal(planPatientSearch(' m '), 'missing');
  });
});

describe('mergePatients', () => {
  it('keeps each patient once, in the order first found', () => {
    const a: Patient = { resourceType: 'Patient', id: 'a' };
    const b: Patient = { resourceType: 'Patient', id: 'b' };
    assert.deepEqual(
      mergePatients([[a], [b, a]]).map((p) => p.id),
      ['a', 'b'],
    );
  });
});
