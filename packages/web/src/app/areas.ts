/**
 * The app's areas and who may enter each: the patient portal, the clinician workspace and the
 * administration. Only a convenience for the screens: the server decides what data anyone sees.
 * Pure.
 */
import type { SessionUser } from '../api/auth.ts';

export type Area = 'public' | 'patient' | 'clinician' | 'admin';

/** Roles that treat patients (packages/server/src/access/policy.ts CARE_ROLES). */
export const CARE_ROLES = ['doctor', 'nurse', 'hub-specialist', 'dialysis-coordinator', 'unit-assistant'];

export function canEnter(area: Area, user: SessionUser | undefined): boolean {
  if (area === 'public') return true;
  if (!user) return false;
  if (area === 'patient') return user.kind === 'patient' && Boolean(user.fhirUser?.startsWith('Patient/'));
  if (area === 'clinician') return user.kind === 'staff' && user.roles.some((r) => CARE_ROLES.includes(r));
  return user.kind === 'staff' && user.roles.includes('administrator');
}

/** Where a user lands after signing in, or when opening "/". */
export function homeFor(user: SessionUser | undefined): string {
  if (!user) return '/login';
  if (canEnter('patient', user)) return '/portal';
  if (canEnter('clinician', user)) return '/clinician';
  if (canEnter('admin', user)) return '/admin/facilities';
  return '/welcome';
}

export type NavKey =
  | 'portalHome'
  | 'record'
  | 'consents'
  | 'accessLog'
  | 'profile'
  | 'findPatient'
  | 'facilities'
  | 'practitioners';

/** The navigation a user gets: their areas' main pages. */
export function navFor(user: SessionUser | undefined): { key: NavKey; to: string; prefix?: boolean }[] {
  const items: { key: NavKey; to: string; prefix?: boolean }[] = [];
  if (canEnter('patient', user)) {
    items.push(
      { key: 'portalHome', to: '/portal' },
      { key: 'record', to: '/portal/record', prefix: true },
      { key: 'consents', to: '/portal/consents' },
      { key: 'accessLog', to: '/portal/access-log' },
      { key: 'profile', to: '/portal/profile' },
    );
  }
  if (canEnter('clinician', user)) items.push({ key: 'findPatient', to: '/clinician', prefix: true });
  if (canEnter('admin', user)) {
    items.push(
      { key: 'facilities', to: '/admin/facilities', prefix: true },
      { key: 'practitioners', to: '/admin/practitioners', prefix: true },
    );
  }
  return items;
}
