import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConsent, consentActor, isNationalOptOut, revoked, sortConsents } from './consent.ts';

const now = new Date('2026-06-01T10:00:00Z');

describe('buildConsent', () => {
  it('shares the record with one practitioner, the way the access layer reads it', () => {
    const consent = buildConsent({
      patientId: '7',
      effect: 'permit',
      actor: { reference: 'Practitioner/3', display: 'Dr Aicha Slaoui' },
      now,
    });
    assert.equal(consent.status, 'active');
    assert.equal(consent.scope.coding?.[0].code, 'patient-privacy');
    assert.equal(consent.category[0].coding?.[0].code, '59284-0');
    assert.equal(consent.patient?.reference, 'Patient/7');
    assert.equal(consent.provision?.type, 'permit');
    assert.equal(consent.provision?.actor?.[0].role.coding?.[0].code, 'PRCP');
    assert.equal(consentActor(consent)?.reference, 'Practitioner/3');
    assert.ok(consent.policyRule, 'R4 ppc-1 wants a policy rule');
    assert.ok(!isNationalOptOut(consent));
  });
  it('makes the national opt-out a deny without actor', () => {
    const optOut = buildConsent({ patientId: '7', effect: 'deny', now });
    assert.ok(isNationalOptOut(optOut));
    assert.equal(optOut.provision?.actor, undefined);
    assert.ok(!isNationalOptOut(revoked(optOut)));
  });
});

describe('sortConsents', () => {
  it('separates the opt-out, active choices and withdrawn ones, newest first', () => {
    const older = buildConsent({
      patientId: '7',
      effect: 'deny',
      actor: { reference: 'Organization/1' },
      now,
    });
    const newer = {
      ...buildConsent({ patientId: '7', effect: 'permit', actor: { reference: 'Practitioner/2' } }),
      dateTime: '2026-07-01T00:00:00Z',
    };
    const optOut = buildConsent({ patientId: '7', effect: 'deny', now });
    const withdrawn = revoked(
      buildConsent({ patientId: '7', effect: 'permit', actor: { reference: 'Practitioner/9' }, now }),
    );
    const sorted = sortConsents([older, optOut, withdrawn, newer]);
    assert.equal(sorted.optOut, optOut);
    assert.deepEqual(sorted.rules, [newer, older]);
    assert.deepEqual(sorted.history, [withdrawn]);
  });
});
