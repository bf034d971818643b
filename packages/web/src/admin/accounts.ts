/** Accounts as administrators manage them (packages/server/src/auth/admin-account-routes.ts). */
import type { AccountCreateRequest } from '@sahti/contracts';
import { request } from '../api/http.ts';

export const STAFF_ROLES = [
  'doctor',
  'nurse',
  'unit-assistant',
  'hub-specialist',
  'dialysis-coordinator',
  'programme-manager',
  'pharmacist',
  'administrator',
] as const;

export interface ManagedAccount {
  id: string;
  kind: 'patient' | 'staff';
  login: string;
  email?: string;
  phone?: string;
  roles: string[];
  fhirUser?: string;
  displayName: string;
  hasTotp: boolean;
}

export async function listAccounts(q: string, signal?: AbortSignal): Promise<ManagedAccount[]> {
  return (
    await request<{ accounts: ManagedAccount[] }>('GET', `/auth/admin/accounts?q=${encodeURIComponent(q)}`, {
      signal,
    })
  ).body.accounts;
}
export async function createStaffAccount(body: AccountCreateRequest): Promise<ManagedAccount> {
  return (await request<{ account: ManagedAccount }>('POST', '/auth/admin/accounts', { body })).body.account;
}
export async function changeRoles(id: string, roles: string[]): Promise<ManagedAccount> {
  return (
    await request<{ account: ManagedAccount }>('PATCH', `/auth/admin/accounts/${encodeURIComponent(id)}`, {
      body: { roles },
    })
  ).body.account;
}

export interface NewAccountValues {
  displayName: string;
  login: string;
  email: string;
  roles: string[];
}

export function newAccountProblems(v: NewAccountValues): { field: keyof NewAccountValues; key: string }[] {
  const problems: { field: keyof NewAccountValues; key: string }[] = [];
  if (!v.displayName.trim()) problems.push({ field: 'displayName', key: 'accounts.errors.name' });
  if (!v.login.trim()) problems.push({ field: 'login', key: 'accounts.errors.login' });
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim()))
    problems.push({ field: 'email', key: 'accounts.errors.email' });
  if (v.roles.length === 0) problems.push({ field: 'roles', key: 'accounts.errors.roles' });
  return problems;
}
