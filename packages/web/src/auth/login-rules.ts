/**
 * The sign-in form's rules, pure: what to check before sending, and what the server's answer
 * means for the next step (a second factor, a wrong password, too many attempts).
 */
import { ApiError } from '../api/errors.ts';
import { looksLikeCnie } from '../fhir/display.ts';

export type AccountKind = 'patient' | 'staff';
export type SecondFactor = 'totp' | 'email-code';

/** i18n keys under `errors.` of the auth namespace (or common errors with `common:`). */
export type LoginErrorKey =
  | 'cnieMissing'
  | 'cnieFormat'
  | 'loginMissing'
  | 'passwordMissing'
  | 'codeMissing'
  | 'codeFormat'
  | 'wrongCredentials'
  | 'wrongCode'
  | 'unavailable';

export interface LoginProblem {
  field: 'login' | 'password' | 'code';
  key: LoginErrorKey;
}

export function credentialProblems(kind: AccountKind, login: string, password: string): LoginProblem[] {
  const problems: LoginProblem[] = [];
  const value = login.trim();
  if (!value) problems.push({ field: 'login', key: kind === 'patient' ? 'cnieMissing' : 'loginMissing' });
  else if (kind === 'patient' && !looksLikeCnie(value)) problems.push({ field: 'login', key: 'cnieFormat' });
  if (!password) problems.push({ field: 'password', key: 'passwordMissing' });
  return problems;
}

export function codeProblems(code: string): LoginProblem[] {
  const value = code.replace(/\s/g, '');
  if (!value) return [{ field: 'code', key: 'codeMissing' }];
  if (!/^[0-9]{6}$/.test(value)) return [{ field: 'code', key: 'codeFormat' }];
  return [];
}

/** A CNIE is typed as people write it; the server stores it upper-case without spaces. */
export function normaliseLogin(kind: AccountKind, login: string): string {
  return kind === 'patient' ? login.replace(/\s/g, '').toUpperCase() : login.trim();
}

export type LoginOutcome =
  | { next: 'second-factor'; factor: SecondFactor }
  | { next: 'problem'; problem: LoginProblem }
  | { next: 'error'; error: unknown };

export function interpretLoginFailure(error: unknown): LoginOutcome {
  if (!(error instanceof ApiError)) return { next: 'error', error };
  const factor = error.extra.factor === 'email-code' ? 'email-code' : 'totp';
  if (error.status === 401 && error.code === 'second_factor_required')
    return { next: 'second-factor', factor };
  if (error.status === 401 && error.code === 'invalid_second_factor') {
    return { next: 'problem', problem: { field: 'code', key: 'wrongCode' } };
  }
  if (error.status === 401) return { next: 'problem', problem: { field: 'login', key: 'wrongCredentials' } };
  if (error.status === 404 || error.status === 405) {
    return { next: 'problem', problem: { field: 'login', key: 'unavailable' } };
  }
  return { next: 'error', error };
}
