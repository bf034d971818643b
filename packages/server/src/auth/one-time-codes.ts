/**
 * One-time codes: a 6-digit code for a second factor, a sensitive action, lifting a lock on the
 * account or confirming a new email or phone (typed by a person, 5 tries), or a long token for a password-reset link. Only hashes are
 * stored; each code is single use and expires; issuing a new one cancels the earlier ones of the
 * same purpose but keeps their wrong tries, and an account gets at most MAX_CODES_A_DAY unused
 * codes of a purpose a day (store()).
 */
import type { SqlExecutor } from '@sahti/fhir';
import { randomDigits, randomToken, sha256 } from './secrets.ts';

export type CodePurpose =
  | 'login-2fa'
  | 'sensitive-action'
  | 'password-reset'
  | 'password-reset-sms'
  | 'account-unlock'
  /** A new email or phone, sent to it: the change is made once the code comes back. */
  | 'contact-email'
  | 'contact-phone';

const MAX_TRIES = 5;
/** Codes of one purpose an account may be sent a day, not counting those it used. */
export const MAX_CODES_A_DAY = 5;

/** Digit codes are short: the hash is salted with the account and purpose so equal codes differ. */
const digitHash = (accountId: string, purpose: CodePurpose, code: string) =>
  sha256(`${accountId}:${purpose}:${code}`);

/** Why no code was issued: the account had its day's codes, or its day's wrong tries. */
export interface CodeRefused {
  refused: 'too_many_codes' | 'too_many_tries';
  /** Seconds until the oldest code counted leaves the day. */
  retryAfter: number;
}

/**
 * Stores a code unless the account had its day's worth. Asking again must not buy fresh tries:
 * the new code inherits the wrong tries of the codes it replaces — those of the last day not
 * followed by a code the owner used — and is refused once they reach MAX_TRIES, or once
 * MAX_CODES_A_DAY of them were sent. The earlier codes expire at once but stay, to be counted,
 * for a day.
 */
async function store(
  db: SqlExecutor,
  hash: string,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<CodeRefused | undefined> {
  await db.query(
    `DELETE FROM auth_one_time_code WHERE account_id = $1::text AND purpose = $2::text
       AND created_at < now() - interval '1 day'`,
    [accountId, purpose],
  );
  const { rows } = await db.query<{ issued: number; tries: number; retry_after: number | null }>(
    `SELECT count(*)::int AS issued, coalesce(max(attempts), 0)::int AS tries,
            ceil(extract(epoch FROM min(created_at) + interval '1 day' - now()))::int AS retry_after
     FROM auth_one_time_code
     WHERE account_id = $1::text AND purpose = $2::text AND used_at IS NULL
       AND created_at > coalesce((SELECT max(used_at) FROM auth_one_time_code
                                  WHERE account_id = $1::text AND purpose = $2::text), '-infinity')`,
    [accountId, purpose],
  );
  const issued = Number(rows[0]?.issued ?? 0);
  const tries = Number(rows[0]?.tries ?? 0);
  const retryAfter = Math.max(1, Number(rows[0]?.retry_after ?? 1));
  if (tries >= MAX_TRIES) return { refused: 'too_many_tries', retryAfter };
  if (issued >= MAX_CODES_A_DAY) return { refused: 'too_many_codes', retryAfter };
  await db.query(
    `UPDATE auth_one_time_code SET expires_at = least(expires_at, now())
     WHERE account_id = $1::text AND purpose = $2::text AND used_at IS NULL`,
    [accountId, purpose],
  );
  await db.query(
    `INSERT INTO auth_one_time_code (code_hash, account_id, purpose, expires_at, attempts)
     VALUES ($1::text, $2::text, $3::text, now() + ($4::double precision * interval '1 second'), $5::int)`,
    [hash, accountId, purpose, seconds, tries],
  );
  return undefined;
}

/** A 6-digit code for `purpose`, valid `seconds`: the code to send, or why none may be. */
export async function issueDigitCode(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<{ code: string; hash: string } | CodeRefused> {
  const code = randomDigits(6);
  const hash = digitHash(accountId, purpose, code);
  return (await store(db, hash, accountId, purpose, seconds)) ?? { code, hash };
}

/** Consumes a 6-digit code; a wrong one counts as a try, and the code dies after 5. */
export async function consumeDigitCode(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  code: string,
): Promise<boolean> {
  return (await spendDigitCode(db, accountId, purpose, code)) === 'used';
}

/**
 * What became of a code typed by a person: `used` (the right code, now spent), `wrong` (a try
 * counted), `too_many_tries` (the latest code had its 5 tries: ask for a new one, if the day
 * allows), `expired` (no live code: too old, or replaced by a newer one unused), `none` (none
 * was issued since the last one used). Consumes the code as consumeDigitCode does.
 */
export type CodeUse = 'used' | 'wrong' | 'too_many_tries' | 'expired' | 'none';

export async function spendDigitCode(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  code: string,
  /** Only the code issued with this hash may be spent (issueDigitCode's `hash`); any other is wrong. */
  onlyHash?: string,
): Promise<CodeUse> {
  if (/^\d{6}$/.test(code)) {
    const hash = digitHash(accountId, purpose, code);
    const used =
      onlyHash === undefined || hash === onlyHash
        ? await db.query(
            `UPDATE auth_one_time_code SET used_at = now()
             WHERE code_hash = $1::text AND account_id = $2::text AND purpose = $3::text
               AND used_at IS NULL AND expires_at > now() AND attempts < ${MAX_TRIES} RETURNING account_id`,
            [hash, accountId, purpose],
          )
        : { rows: [] };
    if (used.rows.length === 1) return 'used';
    await db.query(
      `UPDATE auth_one_time_code SET attempts = attempts + 1
       WHERE account_id = $1::text AND purpose = $2::text AND used_at IS NULL`,
      [accountId, purpose],
    );
  }
  // the newest unused code says why (its tries were counted above, so a try spent is > MAX_TRIES)
  const { rows } = await db.query<{ attempts: number; live: boolean }>(
    `SELECT attempts, expires_at > now() AS live FROM auth_one_time_code
     WHERE account_id = $1::text AND purpose = $2::text AND used_at IS NULL
       AND created_at > coalesce((SELECT max(used_at) FROM auth_one_time_code
                                  WHERE account_id = $1::text AND purpose = $2::text), '-infinity')
     ORDER BY created_at DESC LIMIT 1`,
    [accountId, purpose],
  );
  const latest = rows[0];
  if (!latest) return 'none';
  const counted = /^\d{6}$/.test(code) ? 1 : 0;
  if (Number(latest.attempts) - counted >= MAX_TRIES) return 'too_many_tries';
  if (!latest.live) return 'expired';
  return 'wrong';
}

/** A long single-use token (for a link), valid `seconds`: the token to send, or why none may be. */
export async function issueLinkToken(
  db: SqlExecutor,
  accountId: string,
  purpose: CodePurpose,
  seconds: number,
): Promise<{ token: string } | CodeRefused> {
  const token = randomToken();
  return (await store(db, sha256(token), accountId, purpose, seconds)) ?? { token };
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
