import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadScope } from '@sahti/fhir';
import { actorReferences, audience } from './audience.ts';

const directory = ['Organization', 'Practitioner', 'Location'];
const clinician: ReadScope = {
  shared: directory,
  patients: ['p1', 'p2'],
  addressed: { actors: ['Practitioner/d1'], params: [['Task', 'owner']] },
};

describe('live audience', () => {
  it('a patient in the user’s care: sent; another patient: skipped', () => {
    assert.equal(
      audience({ resourceType: 'Observation', patients: ['p2'] }, clinician, new Set(['p1', 'p2'])),
      'send',
    );
    assert.equal(
      audience({ resourceType: 'Observation', patients: ['p9'] }, clinician, new Set(['p1', 'p2'])),
      'skip',
    );
  });
  it('a resource of two patients is sent when one of them is visible', () => {
    assert.equal(
      audience({ resourceType: 'Appointment', patients: ['p9', 'p1'] }, clinician, new Set(['p1'])),
      'send',
    );
  });
  it('directory types go to everyone signed in; a patient-less clinical type to nobody', () => {
    assert.equal(audience({ resourceType: 'Organization', patients: [] }, clinician, new Set()), 'send');
    assert.equal(audience({ resourceType: 'Subscription', patients: [] }, clinician, new Set()), 'skip');
  });
  it('a type outside the token’s scopes is skipped even for a visible patient', () => {
    const narrow = { ...clinician, types: ['Observation'] };
    assert.equal(audience({ resourceType: 'Condition', patients: ['p1'] }, narrow, new Set(['p1'])), 'skip');
  });
  it('a Task of a patient not in care is asked about (it may be addressed to the user)', () => {
    assert.equal(audience({ resourceType: 'Task', patients: ['p9'] }, clinician, new Set(['p1'])), 'ask');
  });
  it('every patient: everything of a readable type', () => {
    assert.equal(
      audience(
        { resourceType: 'Observation', patients: ['p9'] },
        { shared: directory, patients: 'all' },
        'all',
      ),
      'send',
    );
  });
});

describe('actor references', () => {
  it('finds practitioners and organisations, relative, absolute or versioned', () => {
    const refs = actorReferences({
      participant: [{ actor: { reference: 'Practitioner/d1' } }, { actor: { reference: 'Patient/p1' } }],
      serviceProvider: { reference: 'https://sahti.ma/fhir/R4/Organization/o1/_history/2' },
    });
    assert.deepEqual([...refs].sort(), ['Organization/o1', 'Practitioner/d1']);
  });
});
