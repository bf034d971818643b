import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { careListOnly, type ReadScope, versionVisibleInMemory } from './scope.ts';

const careGiver: ReadScope = {
  excludedTypes: ['Subscription'],
  shared: ['Practitioner', 'Schedule'],
  patients: ['p1', 'p2'],
  addressed: { actors: ['Practitioner/dr'], params: [['Task', 'owner']] },
};

describe('versionVisibleInMemory: a read judged on the version it read', () => {
  it("shows a version of one of the caller's patients, and hides another patient's", () => {
    assert.equal(versionVisibleInMemory(careGiver, 'Observation', ['p2']), true);
    assert.equal(versionVisibleInMemory(careGiver, 'Observation', ['p3']), false);
    assert.equal(versionVisibleInMemory(careGiver, 'Observation', ['p3', 'p1']), true);
  });

  it('shows shared types only when they name no patient', () => {
    assert.equal(versionVisibleInMemory(careGiver, 'Practitioner', []), true);
    assert.equal(versionVisibleInMemory(careGiver, 'Schedule', ['p9']), false);
    assert.equal(versionVisibleInMemory(careGiver, 'Observation', []), false);
  });

  it('leaves to the database a version that may be addressed to the caller, and only that', () => {
    assert.equal(versionVisibleInMemory(careGiver, 'Task', ['p9']), undefined);
    assert.equal(versionVisibleInMemory(careGiver, 'Task', ['p1']), true);
    assert.equal(versionVisibleInMemory({ ...careGiver, addressed: undefined }, 'Task', ['p9']), false);
  });

  it('applies the types of the token and the excluded types first', () => {
    assert.equal(versionVisibleInMemory({ ...careGiver, types: ['Patient'] }, 'Observation', ['p1']), false);
    assert.equal(versionVisibleInMemory({ ...careGiver, patients: 'all' }, 'Subscription', []), false);
    assert.equal(versionVisibleInMemory({ ...careGiver, patients: 'all' }, 'Observation', ['p9']), true);
    assert.equal(
      versionVisibleInMemory({ ...careGiver, anyPatient: ['CareTeam'] }, 'CareTeam', ['p9']),
      true,
    );
  });

  it('a patient list that is empty sees no patient data', () => {
    assert.equal(versionVisibleInMemory({ ...careGiver, patients: [] }, 'Observation', ['p1']), false);
  });
});

describe('careListOnly: when a search may start from the care list', () => {
  it('gives the list for a type readable only in the patients’ compartments', () => {
    assert.deepEqual(careListOnly(careGiver, 'Observation'), ['p1', 'p2']);
    assert.deepEqual(careListOnly(careGiver, 'Patient'), ['p1', 'p2']);
  });

  it('gives nothing when the type is readable another way, or not at all', () => {
    assert.equal(careListOnly(careGiver, 'Practitioner'), undefined, 'shared');
    assert.equal(careListOnly(careGiver, 'Task'), undefined, 'may be addressed to the caller');
    assert.equal(careListOnly({ ...careGiver, anyPatient: ['CareTeam'] }, 'CareTeam'), undefined);
    assert.equal(careListOnly(careGiver, 'Subscription'), undefined, 'excluded');
    assert.equal(careListOnly({ ...careGiver, types: ['Patient'] }, 'Observation'), undefined);
  });

  it('gives nothing without a list to start from, or with one too long', () => {
    assert.equal(careListOnly(undefined, 'Observation'), undefined);
    assert.equal(careListOnly({ ...careGiver, patients: 'all' }, 'Observation'), undefined);
    assert.equal(careListOnly({ ...careGiver, patients: [] }, 'Observation'), undefined);
    const many = Array.from({ length: 513 }, (_, i) => `p${i}`);
    assert.equal(careListOnly({ ...careGiver, patients: many }, 'Observation'), undefined);
    assert.equal(careListOnly({ ...careGiver, patients: many.slice(0, 512) }, 'Observation')?.length, 512);
  });
});
