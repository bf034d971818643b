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
  organizations: ['Organization/9', 'Organization/12'],
};

const role = (id: string, organization: string, extra: Partial<PractitionerRole> = {}): PractitionerRole => ({
  resourceType: 'PractitionerRole',
  id,
  active: true,
  practitioner: { reference: 'Practitioner/p1' },
  organization: { reference: organization },
  code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] }],
  ...extra,
});

describe('practitionerProblems', () => {
  it('needs names, a 9-digit INPE, a role and a workplace', () => {
    assert.deepEqual(practitionerProblems(values), []);
    assert.deepEqual(
      practitionerProblems(EMPTY_PRACTITIONER).map((p) => p.field),
      ['given', 'family', 'inpe', 'roles', 'organizations'],
    );
  });
  it('refuses the same facility twice', () => {
    const twice = { ...values, organizations: ['Organization/9', 'Organization/9'] };
    assert.deepEqual(practitionerProblems(twice), [{ field: 'organizations', key: 'organizationTwice' }]);
  });
});

describe('practitionerTransaction', () => {
  it('creates the Practitioner with both scripts and a role per facility that points to it', () => {
    const [p, ...roles] = practitionerTransaction(values, undefined, { 'Organization/9': 'CHU Ibn Rochd' })
      .entry!;
    const practitioner = p.resource as Practitioner;
    assert.equal(practitioner.name?.length, 2);
    assert.equal(practitioner.name?.[1].extension?.[0].valueCode, 'ar');
    assert.equal(roles.length, 2);
    assert.notEqual(roles[0].fullUrl, roles[1].fullUrl);
    const [first, second] = roles.map((r) => r.resource as PractitionerRole);
    assert.equal(first.practitioner?.reference, p.fullUrl);
    assert.equal(first.organization?.display, 'CHU Ibn Rochd');
    assert.equal(second.organization?.reference, 'Organization/12');
    assert.equal(second.code?.[0].coding?.[0].code, 'doctor');
    assert.equal(second.specialty?.[0].coding?.[0].code, '394589003');
  });
  it('round-trips through the form values', () => {
    const [p, ...roles] = practitionerTransaction(values).entry!.map((e) => e.resource);
    assert.deepEqual(practitionerValues(p as Practitioner, roles as PractitionerRole[]), values);
  });
  it('keeps a facility’s role, adds a new one and ends the one taken off, in one transaction', () => {
    const existing = {
      practitioner: { resourceType: 'Practitioner' as const, id: 'p1' },
      roles: [
        role('r9', 'Organization/9', { period: { start: '2024-01-01' } }),
        role('r5', 'Organization/5'),
        role('r12-old', 'Organization/12', {
          active: false,
          period: { start: '2020-01-01', end: '2022-01-01' },
        }),
      ],
    };
    const now = new Date('2026-12-01T10:00:00Z');
    const [p, ...entries] = practitionerTransaction(values, existing, {}, now).entry!;
    assert.equal(p.request?.url, 'Practitioner/p1');
    const byUrl = new Map(entries.map((e) => [e.request?.url, e.resource as PractitionerRole]));
    assert.deepEqual(
      [...byUrl.keys()],
      ['PractitionerRole/r9', 'PractitionerRole/r12-old', 'PractitionerRole/r5'],
    );
    assert.equal(byUrl.get('PractitionerRole/r9')?.period?.start, '2024-01-01');
    assert.equal(byUrl.get('PractitionerRole/r9')?.practitioner?.reference, 'Practitioner/p1');
    const again = byUrl.get('PractitionerRole/r12-old');
    assert.equal(again?.active, true, 'a facility worked in before is taken up again');
    assert.equal(again?.period?.end, undefined);
    const ended = byUrl.get('PractitionerRole/r5');
    assert.equal(ended?.active, false);
    assert.equal(ended?.period?.end, now.toISOString());
  });
  it('reads only the roles in force: an ended role is history', () => {
    const values_ = practitionerValues({ resourceType: 'Practitioner', id: 'p1' }, [
      role('a', 'Organization/1'),
      role('b', 'Organization/2', { active: false }),
      role('c', 'Organization/3', { period: { end: '2025-01-01' } }),
    ]);
    assert.deepEqual(values_.organizations, ['Organization/1']);
  });
});
