import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import {
  EMPTY_PRACTITIONER,
  practitionerProblems,
  practitionerTransaction,
  practitionerValues,
} from './practitioner.ts';

const values = {
  ...EMPTY_PRACTITIONER,
  given: 'Aicha',
  family: 'Slaoui',
  arabicName: 'عائشة السلاوي',
  inpe: '359625481',
  gender: 'female' as const,
  roles: ['doctor'],
  specialty: '394589003' as const,
  organization: 'Organization/9',
};

describe('practitionerProblems', () => {
  it('needs names, a 9-digit INPE, a role and a workplace', () => {
    assert.deepEqual(practitionerProblems(values), []);
    assert.deepEqual(
      practitionerProblems(EMPTY_PRACTITIONER).map((p) => p.field),
      ['given', 'family', 'inpe', 'roles', 'organization'],
    );
  });
});

describe('practitionerTransaction', () => {
  it('creates the Practitioner with both scripts and the role that points to it', () => {
    const [p, r] = practitionerTransaction(values, undefined, 'CHU Ibn Rochd').entry!;
    const practitioner = p.resource as Practitioner;
    const role = r.resource as PractitionerRole;
    assert.equal(practitioner.name?.length, 2);
    assert.equal(practitioner.name?.[1].extension?.[0].valueCode, 'ar');
    assert.equal(role.practitioner?.reference, p.fullUrl);
    assert.equal(role.organization?.display, 'CHU Ibn Rochd');
    assert.equal(role.code?.[0].coding?.[0].code, 'doctor');
    assert.equal(role.specialty?.[0].coding?.[0].code, '394589003');
  });
  it('round-trips through the form values', () => {
    const [p, r] = practitionerTransaction(values).entry!.map((e) => e.resource);
    assert.deepEqual(practitionerValues(p as Practitioner, r as PractitionerRole), values);
  });
  it('updates in place by id', () => {
    const existing = {
      practitioner: { resourceType: 'Practitioner' as const, id: 'p1' },
      role: { resourceType: 'PractitionerRole' as const, id: 'r1' },
    };
    const [p, r] = practitionerTransaction(values, existing).entry!;
    assert.equal(p.request?.url, 'Practitioner/p1');
    assert.equal(r.request?.url, 'PractitionerRole/r1');
    assert.equal((r.resource as PractitionerRole).practitioner?.reference, 'Practitioner/p1');
  });
});
