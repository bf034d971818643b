/**
 * One-time codes: a 6-digit code for a second factor, a sensitive action or lifting a lock on the
 * account (typed by a person, 5 tries), or a long token for a password-reset link. Only hashes are
 * stored; each code is single use and expires; issuing a new one cancels the earlier ones of the
 * same purpose.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { randomDigits, randomToken, sha256 } from './secrets.ts';

export type CodePurpose =
  | 'login-2fa'
  | 'sensitive-action'
  | 'password-reset'
  | 'password-reset-sms'
  | 'account-unlock';

const MAX_TRIES = 5;

/** Digit codes are short: the hash is salted with the account and purpose so equal codes differ. */
const digitHash = (accountId: string, purpose: CodePurpose, code: string) =>
  sha256(`${accountId}:${purpose}:${code}`);

async function store(
  db: SqlExecutor,
  hash: string,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
) {
  await db.query('DELETE FROM auth_one_time_code WHERE account_id = $1::text AND purpose = $2::text', [
    accountId,
    purpose,
  ]);
  await db.query(
    `INSERT INTO auth_one_time_code (code_hash, account_id, purpose, expires_at)
     VALUES ($1::text, $2::text, $3::text, now() + ($4::double precision * interval '1 second'))`,
    [hash, accountId, purpose, seconds],
  );
}

/** A 6-digit code for `purpose`, valid `seconds`; returns the code to send. */
export async function issueDigitCode(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<string> {
  const code = randomDigits(6);
  await store(db, digitHash(accountId, purpose, code), accountId, purpose, seconds);
  return code;
}

/** Consumes a 6-digit code; a wrong one counts as a try, and the code dies after 5. */
export async function consumeDigitCode(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  code: string,
): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const used = await db.query(
    `UPDATE auth_one_time_code SET used_at = now()
     WHERE code_hash = $1::text AND account_id = $2::text AND purpose = $3::text
       AND used_at IS NULL AND expires_at > now() AND attempts < ${MAX_TRIES} RETURNING account_id`,
    [digitHash(accountId, purpose, code), accountId, purpose],
  );
  if (used.rows.length === 1) return true;
  await db.query(
    `UPDATE auth_one_time_code SET attempts = attempts + 1
     WHERE account_id = $1::text AND purpose = $2::text AND used_at IS NULL`,
    [accountId, purpose],
  );
  return false;
}

/** A long single-use token (for a link), valid `seconds`. */
export async function issueLinkToken(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<string> {
  const token = randomToken();
  await store(db, sha256(token), accountId, purpose, seconds);
  return token;
}

/** Consumes a link token; returns the account it was issued to, once. */
export async function consumeLinkToken(
  db: SqlExecutor,
  purpose: CodePurpose,
  token: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ account_id: string }>(
    `UPDATE auth_one_time_code SET used_at = now()
     WHERE code_hash = $1::text AND purpose = $2::text AND used_at IS NULL AND expires_at > now()
     RETURNING account_id`,
    [sha256(token), purpose],
  );
  return rows[0]?.account_id;
}

/** Whether a code of `purpose` was issued to the account less than `seconds` ago and is unused. */
export async function codeRecentlyIssued(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM auth_one_time_code WHERE account_id = $1::text AND purpose = $2::text
       AND used_at IS NULL AND created_at > now() - ($3::double precision * interval '1 second')`,
    [accountId, purpose, seconds],
  );
  return rows.length > 0;
}
