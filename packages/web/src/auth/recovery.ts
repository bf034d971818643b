/**
 * Recovering an account, pure rules and the calls: ask for a link (email) or a code (SMS), then
 * set a new password with the token of the link or the code. The server answers the same whether
 * or not the account exists.
 */
import { ApiError } from '../api/errors.ts';
import { request } from '../api/http.ts';

export const MIN_PASSWORD = 10;

export type RecoveryProblem = { field: string; key: string };

export function newPasswordProblems(password: string, confirm: string): RecoveryProblem[] {
  if (password.length < MIN_PASSWORD) return [{ field: 'password', key: 'recovery.errors.password' }];
  if (password !== confirm) return [{ field: 'confirm', key: 'recovery.errors.mismatch' }];
  return [];
}

/** The token of a reset link: `/reset-password#token=…` (the fragment never reaches a server log). */
export function tokenFromHash(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_-]{16,}$/.test(token) ? token : undefined;
}

/** What a refusal of the confirmation means for the form. */
export function recoveryFailure(error: unknown): RecoveryProblem | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  if (error.code === 'weak_password') return { field: 'password', key: 'recovery.errors.weak' };
  if (error.code === 'invalid_token') return { field: 'password', key: 'recovery.errors.invalidToken' };
  if (error.code === 'invalid_code') return { field: 'code', key: 'recovery.errors.invalidCode' };
  return undefined;
}

export async function askResetLink(login: string): Promise<void> {
  await request('POST', '/auth/password-reset', { body: { login } });
}
export async function askResetSms(login: string): Promise<void> {
  await request('POST', '/auth/password-reset/sms', { body: { login } });
}
export async function resetWithToken(token: string, password: string): Promise<void> {
  await request('POST', '/auth/password-reset/confirm', { body: { token, password } });
}
export async function resetWithCode(login: string, code: string, password: string): Promise<void> {
  await request('POST', '/auth/password-reset/sms/confirm', { body: { login, code, password } });
}
export async function startTotp(): Promise<{ secret: string; otpauthUri: string }> {
  return (await request<{ secret: string; otpauthUri: string }>('POST', '/auth/totp/enrol')).body;
}
export async function confirmTotp(code: string): Promise<void> {
  await request('POST', '/auth/totp/confirm', { body: { code } });
}
