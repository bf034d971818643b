/** Accounts of people who log in: patients (login = CNIE number) and staff (INPE or email). */
import { randomUUID } from 'node:crypto';
import { badRequest, type SqlClient, type SqlExecutor } from '@sahti/fhir';
import { ROLES, type Role } from '../kernel/principal.ts';
import { loginKeySql, normaliseLogin } from './login-name.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { seal } from './secrets.ts';
import { sessionsChanged } from './session-cache.ts';

export interface Account {
  id: string;
  kind: 'patient' | 'staff';
  login: string;
  email?: string;
  phone?: string;
  roles: Role[];
  /** `Patient/…` or `Practitioner/…` (SMART fhirUser). */
  fhirUser?: string;
  displayName: string;
  hasTotp: boolean;
  demo: boolean;
}

/** An account with what only the login checks may see. */
export interface AccountSecrets extends Account {
  passwordHash: string;
  /** Sealed TOTP secret (see secrets.ts). */
  totpSecret?: string;
  totpPending?: string;
}

interface AccountRow {
  id: string;
  kind: 'patient' | 'staff';
  login: string;
  email: string | null;
  phone: string | null;
  password_hash: string;
  roles: string[];
  fhir_user: string | null;
  display_name: string;
  totp_secret: string | null;
  totp_pending: string | null;
  demo: boolean;
}

function fromRow(row: AccountRow): AccountSecrets {
  return {
    id: row.id,
    kind: row.kind,
    login: row.login,
    ...(row.email ? { email: row.email } : {}),
    ...(row.phone ? { phone: row.phone } : {}),
    roles: row.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    ...(row.fhir_user ? { fhirUser: row.fhir_user } : {}),
    displayName: row.display_name,
    hasTotp: row.totp_secret !== null,
    demo: row.demo,
    passwordHash: row.password_hash,
    ...(row.totp_secret ? { totpSecret: row.totp_secret } : {}),
    ...(row.totp_pending ? { totpPending: row.totp_pending } : {}),
  };
}

/** The public view: what may leave the auth module. */
export function publicAccount(account: Account): Account {
  const { id, kind, login, email, phone, roles, fhirUser, displayName, hasTotp, demo } = account;
  return { id, kind, login, email, phone, roles, fhirUser, displayName, hasTotp, demo };
}

export async function findAccountByLogin(
  db: SqlExecutor,
  login: string,
): Promise<AccountSecrets | undefined> {
  const key = normaliseLogin(login);
  if (!key) return undefined;
  const { rows } = await db.query<AccountRow>(
    `SELECT * FROM auth_account WHERE ${loginKeySql('login')} = $1::text`,
    [key],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** For password reset, a person may give their login or their email. */
export async function findAccountByLoginOrEmail(
  db: SqlExecutor,
  value: string,
): Promise<AccountSecrets | undefined> {
  const key = normaliseLogin(value);
  if (!key) return undefined;
  const { rows } = await db.query<AccountRow>(
    `SELECT * FROM auth_account WHERE ${loginKeySql('login')} = $1::text OR ${loginKeySql('email')} = $1::text
     ORDER BY (${loginKeySql('login')} = $1::text) DESC LIMIT 2`,
    [key],
  );
  // an email shared by two accounts names neither
  if (rows.length === 2 && normaliseLogin(rows[0].login) !== key) return undefined;
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findAccount(db: SqlExecutor, id: string): Promise<AccountSecrets | undefined> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM auth_account WHERE id = $1::text', [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export interface NewAccount {
  kind: 'patient' | 'staff';
  login: string;
  password: string;
  email?: string;
  phone?: string;
  roles: Role[];
  fhirUser?: string;
  displayName: string;
  /** Base32 TOTP secret, when enrolment is done by whoever creates the account (demo). */
  totpSecret?: string;
  demo?: boolean;
}

/** Creates an account; refuses a weak password, an unknown role or a login already taken (400). */
export async function createAccount(db: SqlExecutor, input: NewAccount, secretKey: string): Promise<Account> {
  const problem = passwordProblem(input.password);
  if (problem) badRequest(problem);
  for (const role of input.roles)
    if (!(ROLES as readonly string[]).includes(role)) badRequest(`Unknown role "${role}"`);
  if ((input.kind === 'patient') !== input.roles.includes('patient')) {
    badRequest('A patient account has the patient role, and only a patient account has it');
  }
  if (!normaliseLogin(input.login))
    badRequest('A login is required, in ASCII letters, digits and signs (a CNIE or INPE number, an email)');
  const id = randomUUID();
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO auth_account (id, kind, login, email, phone, password_hash, roles, fhir_user, display_name, totp_secret, demo)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text[], $8::text, $9::text, $10::text, $11::boolean)
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      id,
      input.kind,
      input.login.trim(),
      input.email ?? null,
      input.phone ?? null,
      await hashPassword(input.password),
      input.roles,
      input.fhirUser ?? null,
      input.displayName,
      input.totpSecret ? seal(input.totpSecret, secretKey) : null,
      input.demo ?? false,
    ],
  );
  if (!rows[0]) badRequest('This login is already taken');
  return publicAccount(fromRow(rows[0]));
}

/**
 * Sets a new password (after policy check by the caller) and ends every session of the account,
 * in one transaction: never a new password beside the old sessions. The hash is computed before,
 * so that no connection waits on it. Lifting a lock on the login is the caller's choice
 * (throttle.ts).
 */
export async function setPassword(db: SqlClient, accountId: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx.query('UPDATE auth_account SET password_hash = $2::text WHERE id = $1::text', [accountId, hash]);
    await tx.query('DELETE FROM auth_session WHERE account_id = $1::text', [accountId]);
    await tx.query('UPDATE auth_refresh_token SET revoked = true WHERE account_id = $1::text', [accountId]);
  });
  sessionsChanged();
}

/** The email and phone messages go to (a patient's are also on their Patient record: one truth). */
export async function updateContact(
  db: SqlExecutor,
  accountId: string,
  contact: { email?: string | null; phone?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE auth_account SET email = CASE WHEN $2::boolean THEN $3::text ELSE email END,
        phone = CASE WHEN $4::boolean THEN $5::text ELSE phone END WHERE id = $1::text`,
    [
      accountId,
      contact.email !== undefined,
      contact.email ?? null,
      contact.phone !== undefined,
      contact.phone ?? null,
    ],
  );
  sessionsChanged(); // cached sessions hold the account as it was
}

/** Accounts for the administration: newest first, filtered by login, name or email. */
export async function listAccounts(db: SqlExecutor, query = '', limit = 100): Promise<Account[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT * FROM auth_account
      WHERE $1::text = '' OR lower(login) LIKE '%' || lower($1::text) || '%'
         OR lower(display_name) LIKE '%' || lower($1::text) || '%' OR lower(coalesce(email, '')) LIKE '%' || lower($1::text) || '%'
      ORDER BY kind DESC, login LIMIT $2::int`,
    [query.trim(), limit],
  );
  return rows.map((r) => publicAccount(fromRow(r)));
}

/** An administrator changes what an account may do and who it is (roles, linked FHIR resource). */
export async function updateAccountRoles(
  db: SqlExecutor,
  accountId: string,
  change: { roles?: Role[]; fhirUser?: string | null; displayName?: string },
): Promise<Account | undefined> {
  const account = await findAccount(db, accountId);
  if (!account) return undefined;
  const roles = change.roles ?? account.roles;
  for (const role of roles)
    if (!(ROLES as readonly string[]).includes(role)) badRequest(`Unknown role "${role}"`);
  if ((account.kind === 'patient') !== roles.includes('patient'))
    badRequest('A patient account has the patient role, and only a patient account has it');
  if (roles.length === 0) badRequest('An account needs at least one role');
  const fhirUser = change.fhirUser === undefined ? (account.fhirUser ?? null) : change.fhirUser;
  if (fhirUser && !/^(Patient|Practitioner)\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser))
    badRequest('fhirUser is Patient/… or Practitioner/…');
  await db.query(
    `UPDATE auth_account SET roles = $2::text[], fhir_user = $3::text, display_name = $4::text WHERE id = $1::text`,
    [accountId, roles, fhirUser, change.displayName?.trim() || account.displayName],
  );
  sessionsChanged(); // a session of this account must not keep its former roles
  return publicAccount((await findAccount(db, accountId))!);
}
