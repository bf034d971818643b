/**
 * Web sessions: an opaque random id in an httpOnly cookie (stored as its SHA-256), a CSRF token the
 * page echoes in `x-csrf-token` on unsafe requests, an idle timeout and an absolute lifetime.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { randomToken, sha256 } from './secrets.ts';
import { sessionsChanged } from './session-cache.ts';

export interface SessionTimes {
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
}

export interface Session {
  accountId: string;
  csrfToken: string;
  /** Epoch milliseconds: the sooner of its absolute expiry and its idle deadline, as last read. */
  validUntil: number;
}

/** Secure (and `__Host-`-prefixed, which binds it to this host and path /) when served over https. */
export function sessionCookie(publicUrl: string): { name: string; secure: boolean } {
  const secure = publicUrl.startsWith('https://');
  return { name: secure ? '__Host-sahti_session' : 'sahti_session', secure };
}

export async function createSession(
  db: SqlExecutor,
  accountId: string,
  address: string | undefined,
  times: SessionTimes,
): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  // a new login is a chance to forget this account's dead sessions
  await db.query('DELETE FROM auth_session WHERE account_id = $1::text AND expires_at < now()', [accountId]);
  await db.query(
    `INSERT INTO auth_session (id_hash, account_id, csrf_token, expires_at, address)
     VALUES ($1::text, $2::text, $3::text, now() + ($4::double precision * interval '1 second'), $5::text)`,
    [sha256(token), accountId, csrfToken, times.sessionMaxSeconds, address ?? null],
  );
  return { token, csrfToken };
}

/**
 * The live session of a cookie value; touches last_seen_at at most once a minute, unless `touch` is
 * false (a long-lived connection re-checking its session is not the user's activity).
 */
export async function findSession(
  db: SqlExecutor,
  token: string,
  times: SessionTimes,
  touch = true,
): Promise<Session | undefined> {
  const { rows } = await db.query<{
    account_id: string;
    csrf_token: string;
    stale: boolean;
    valid_until: number | string;
  }>(
    `SELECT account_id, csrf_token, last_seen_at < now() - interval '1 minute' AS stale,
            extract(epoch FROM least(expires_at, last_seen_at + ($2::double precision * interval '1 second'))) * 1000
              AS valid_until
       FROM auth_session
     WHERE id_hash = $1::text AND expires_at > now()
       AND last_seen_at > now() - ($2::double precision * interval '1 second')`,
    [sha256(token), times.sessionIdleSeconds],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale && touch)
    await db.query('UPDATE auth_session SET last_seen_at = now() WHERE id_hash = $1::text', [sha256(token)]);
  return { accountId: row.account_id, csrfToken: row.csrf_token, validUntil: Number(row.valid_until) };
}

export async function deleteSession(db: SqlExecutor, token: string): Promise<void> {
  await db.query('DELETE FROM auth_session WHERE id_hash = $1::text', [sha256(token)]);
  sessionsChanged();
}
