import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionUser } from '../api/auth.ts';
import { canEnter, homeFor, navFor } from './areas.ts';

const patient: SessionUser = { id: 'a', kind: 'patient', roles: ['patient'], fhirUser: 'Patient/1' };
const doctor: SessionUser = { id: 'b', kind: 'staff', roles: ['doctor'], fhirUser: 'Practitioner/2' };
const admin: SessionUser = { id: 'c', kind: 'staff', roles: ['administrator'] };
const manager: SessionUser = { id: 'd', kind: 'staff', roles: ['programme-manager'] };
const pharmacist: SessionUser = { id: 'e', kind: 'staff', roles: ['pharmacist'] };

describe('areas', () => {
  it('sends each kind of user to their own home', () => {
    assert.equal(homeFor(undefined), '/login');
    assert.equal(homeFor(patient), '/portal');
    assert.equal(homeFor(doctor), '/clinician');
    assert.equal(homeFor(admin), '/admin/facilities');
    assert.equal(homeFor(manager), '/planning');
    assert.equal(homeFor(pharmacist), '/verify');
    assert.deepEqual(
      navFor(pharmacist).map((i) => i.key),
      ['verify'],
    );
    assert.ok(!canEnter('clinician', pharmacist) && !canEnter('patient', pharmacist));
  });
  it('keeps patients out of the clinician workspace and clinicians out of administration', () => {
    assert.ok(!canEnter('clinician', patient));
    assert.ok(!canEnter('admin', doctor));
    assert.ok(!canEnter('patient', doctor));
    assert.ok(canEnter('public', undefined));
  });
  it('gives a patient account without a Patient resource no portal', () => {
    assert.ok(!canEnter('patient', { ...patient, fhirUser: undefined }));
  });
  it('lists the navigation of every area the user may enter', () => {
    assert.deepEqual(
      navFor({ ...doctor, roles: ['doctor', 'administrator'] }).map((i) => i.key),
      ['findPatient', 'agenda', 'waitingRoom', 'field', 'planning', 'units', 'facilities', 'practitioners'],
    );
    assert.deepEqual(
      navFor(patient).map((i) => i.key),
      [
        'portalHome',
        'appointments',
        'consultations',
        'prescriptions',
        'record',
        'consents',
        'accessLog',
        'profile',
      ],
    );
  });
  it('gives a visitor what needs no account: finding a doctor, checking a prescription', () => {
    assert.deepEqual(
      navFor(undefined).map((i) => i.to),
      ['/find', '/verify'],
    );
  });
});
