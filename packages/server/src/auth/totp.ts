/**
 * TOTP second factor for staff (RFC 6238: SHA-1, 6 digits, 30 s). A code is accepted one step
 * early or late (clock drift), and only once: the last accepted step is kept per account and a
 * code of that step or an earlier one is refused (replay).
 */
import type { SqlExecutor } from '@sahti/fhir';
import { Secret, TOTP } from 'otpauth';
import type { AccountSecrets } from './accounts.ts';
import { seal, unseal } from './secrets.ts';
import { sessionsChanged } from './session-cache.ts';

const PERIOD = 30;
const ISSUER = 'Sahti';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads (usually from a QR code). */
export function totpUri(secretBase32: string, label: string): string {
  return new TOTP({
    issuer: ISSUER,
    label,
    secret: Secret.fromBase32(secretBase32),
    period: PERIOD,
  }).toString();
}

/** The time step a code of `secret` belongs to, within ±1 step of now; undefined if none. */
export function totpStep(secretBase32: string, code: string, now = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secretBase32),
    period: PERIOD,
    timestamp: now,
    window: 1,
  });
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD) + delta;
}

/** Checks a code against the account's enrolled secret and consumes its step. */
export async function verifyTotp(
  db: SqlExecutor,
  account: AccountSecrets,
  code: string,
  secretKey: string,
): Promise<boolean> {
  if (!account.totpSecret) return false;
  const step = totpStep(unseal(account.totpSecret, secretKey), code);
  if (step === undefined) return false;
  return consumeStep(db, account.id, step);
}

async function consumeStep(db: SqlExecutor, accountId: string, step: number): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE auth_account SET totp_last_step = $2::bigint
     WHERE id = $1::text AND (totp_last_step IS NULL OR totp_last_step < $2::bigint) RETURNING id`,
    [accountId, step],
  );
  return rows.length === 1;
}

/** Starts (or restarts) enrolment: a new secret waits until a code from it is confirmed. */
export async function startTotpEnrolment(
  db: SqlExecutor,
  account: AccountSecrets,
  secretKey: string,
): Promise<{ secret: string; uri: string }> {
  const secret = newTotpSecret();
  await db.query('UPDATE auth_account SET totp_pending = $2::text WHERE id = $1::text', [
    account.id,
    seal(secret, secretKey),
  ]);
  sessionsChanged(); // the account a cached session holds has no pending secret yet
  return { secret, uri: totpUri(secret, account.login) };
}

/** Confirms enrolment with a code from the pending secret, which then replaces the old one. */
export async function confirmTotpEnrolment(
  db: SqlExecutor,
  account: AccountSecrets,
  code: string,
  secretKey: string,
): Promise<boolean> {
  if (!account.totpPending) return false;
  const step = totpStep(unseal(account.totpPending, secretKey), code);
  if (step === undefined) return false;
  const { rows } = await db.query(
    `UPDATE auth_account SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $3::bigint
     WHERE id = $1::text AND totp_pending = $2::text RETURNING id`,
    [account.id, account.totpPending, step],
  );
  sessionsChanged();
  return rows.length === 1;
}
