/**
 * The principals the audit's unit tests record accesses for: a doctor in a web session, a
 * laboratory's system client and a patient in the mobile app. Synthetic: no real person.
 */
import type { Principal } from '../kernel/principal.ts';

export const doctor: Principal = {
  kind: 'staff',
  id: 'acc-7',
  roles: ['doctor'],
  fhirUser: 'Practitioner/dr-alami',
  scopes: ['user/*.read'],
  display: 'Dr Karima Alami',
  clientId: 'web',
  address: '196.200.1.9',
};
export const lab: Principal = {
  kind: 'system',
  id: 'lab-casa',
  roles: [],
  scopes: ['system/Observation.write'],
  display: 'Laboratoire Casablanca',
  clientId: 'lab-casa',
};
export const patient: Principal = {
  kind: 'patient',
  id: 'acc-p1',
  roles: ['patient'],
  fhirUser: 'Patient/p1',
  scopes: ['patient/*.read'],
  display: 'Fatima Zahra Bennani',
  clientId: 'sahti-mobile',
};
