/**
 * Session sign-in for the browser (packages/server/src/auth/session-routes.ts): an httpOnly
 * cookie set by POST /auth/login, a CSRF token kept in memory and sent on unsafe requests.
 */
import type { LoginRequest } from '@sahti/contracts';
import { ApiError } from './errors.ts';
import { request, setCsrfToken } from './http.ts';

export type UserKind = 'patient' | 'staff';

export interface SessionUser {
  id: string;
  kind: UserKind;
  login?: string;
  roles: string[];
  /** `Patient/…` or `Practitioner/…` */
  fhirUser?: string;
  /** The contract names it `display`; the server sends `displayName`: take either. */
  display?: string;
  displayName?: string;
  hasTotp?: boolean;
}

interface SessionAnswer {
  csrfToken: string;
  user: SessionUser;
}

/**
 * What POST /auth/login takes: login, password, and for staff the authenticator code (`totp`) or,
 * before enrolment, the emailed `code` — the server's own contract (packages/contracts).
 */
export type Credentials = LoginRequest;

export async function login(credentials: Credentials): Promise<SessionUser> {
  const { body } = await request<SessionAnswer>('POST', '/auth/login', { body: credentials });
  setCsrfToken(body.csrfToken);
  return body.user;
}

/** The signed-in user, or undefined (no session, or sign-in not available on this server). */
export async function currentUser(): Promise<SessionUser | undefined> {
  try {
    const { body } = await request<SessionAnswer>('GET', '/auth/me');
    setCsrfToken(body.csrfToken);
    return body.user;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
      setCsrfToken(undefined);
      return undefined;
    }
    throw error;
  }
}

export async function logout(): Promise<void> {
  try {
    await request('POST', '/auth/logout');
  } finally {
    setCsrfToken(undefined);
  }
}

export function userName(user: SessionUser): string {
  return user.display ?? user.displayName ?? user.login ?? '';
}

/** The id of the user's own Patient resource (patient accounts). */
export function patientIdOf(user: SessionUser | undefined): string | undefined {
  return user?.fhirUser?.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : undefined;
}

/** The id of the user's own Practitioner resource (staff accounts of a health worker). */
export function practitionerIdOf(user: SessionUser | undefined): string | undefined {
  return user?.fhirUser?.startsWith('Practitioner/')
    ? user.fhirUser.slice('Practitioner/'.length)
    : undefined;
}

export function hasRole(user: SessionUser | undefined, ...roles: string[]): boolean {
  return Boolean(user?.roles.some((r) => roles.includes(r)));
}
