/**
 * The app's areas and who may enter each: the patient portal, the clinician workspace and the
 * administration. Only a convenience for the screens: the server decides what data anyone sees.
 * Pure.
 */
import type { SessionUser } from '../api/auth.ts';

export type Area = 'public' | 'patient' | 'clinician' | 'admin' | 'planning' | 'hub';

/** Roles that treat patients (packages/server/src/access/policy.ts CARE_ROLES). */
export const CARE_ROLES = ['doctor', 'nurse', 'hub-specialist', 'dialysis-coordinator', 'unit-assistant'];

export function canEnter(area: Area, user: SessionUser | undefined): boolean {
  if (area === 'public') return true;
  if (!user) return false;
  if (area === 'patient') return user.kind === 'patient' && Boolean(user.fhirUser?.startsWith('Patient/'));
  if (area === 'clinician') return user.kind === 'staff' && user.roles.some((r) => CARE_ROLES.includes(r));
  if (area === 'planning')
    return (
      user.kind === 'staff' && user.roles.some((r) => r === 'administrator' || r === 'programme-manager')
    );
  if (area === 'hub') return user.kind === 'staff' && user.roles.includes('hub-specialist');
  return user.kind === 'staff' && user.roles.includes('administrator');
}

/** Where a user lands after signing in, or when opening "/". */
export function homeFor(user: SessionUser | undefined): string {
  if (!user) return '/login';
  if (canEnter('patient', user)) return '/portal';
  if (canEnter('clinician', user)) return '/clinician';
  if (canEnter('admin', user)) return '/admin/facilities';
  if (canEnter('planning', user)) return '/planning';
  // a pharmacist's work is the verification page: a code typed or a QR code scanned
  if (user.kind === 'staff' && user.roles.includes('pharmacist')) return '/verify';
  return '/welcome';
}

export type NavKey =
  | 'portalHome'
  | 'appointments'
  | 'consultations'
  | 'prescriptions'
  | 'record'
  | 'consents'
  | 'accessLog'
  | 'profile'
  | 'findPatient'
  | 'agenda'
  | 'waitingRoom'
  | 'facilities'
  | 'practitioners'
  | 'findDoctor'
  | 'verify'
  | 'field'
  | 'hub'
  | 'planning'
  | 'units';

export interface NavEntry {
  key: NavKey;
  to: string;
  /** Also current for paths below it. */
  prefix?: boolean;
  /** Also current for paths below these (the booking steps under "appointments"). */
  under?: string[];
}

/** The navigation a user gets: their areas' main pages; a visitor's: what needs no account. */
export function navFor(user: SessionUser | undefined): NavEntry[] {
  const items: NavEntry[] = [];
  if (!user) {
    items.push(
      { key: 'findDoctor', to: '/find', prefix: true },
      { key: 'verify', to: '/verify', prefix: true },
    );
  }
  if (canEnter('patient', user)) {
    items.push(
      { key: 'portalHome', to: '/portal' },
      { key: 'appointments', to: '/portal/appointments', prefix: true, under: ['/find', '/book'] },
      { key: 'consultations', to: '/portal/consultations', prefix: true },
      { key: 'prescriptions', to: '/portal/prescriptions', prefix: true },
      { key: 'record', to: '/portal/record', prefix: true },
      { key: 'consents', to: '/portal/consents' },
      { key: 'accessLog', to: '/portal/access-log' },
      { key: 'profile', to: '/portal/profile' },
    );
  }
  if (canEnter('clinician', user)) {
    items.push(
      { key: 'findPatient', to: '/clinician', under: ['/clinician/patients'] },
      { key: 'agenda', to: '/clinician/agenda', prefix: true },
      { key: 'waitingRoom', to: '/clinician/waiting-room', under: ['/clinician/consultations'] },
      { key: 'field', to: '/field' },
    );
  }
  if (user?.kind === 'staff' && user.roles.includes('pharmacist'))
    items.push({ key: 'verify', to: '/verify', prefix: true });
  if (canEnter('hub', user)) items.push({ key: 'hub', to: '/hub' });
  if (canEnter('planning', user))
    items.push({ key: 'planning', to: '/planning' }, { key: 'units', to: '/units', prefix: true });
  if (canEnter('admin', user)) {
    items.push(
      { key: 'facilities', to: '/admin/facilities', prefix: true },
      { key: 'practitioners', to: '/admin/practitioners', prefix: true },
    );
  }
  return items;
}
