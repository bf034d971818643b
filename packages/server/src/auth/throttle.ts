/**
 * Throttling of password guessing, per login and per source address.
 *
 * A login (existing account or not: the answer must not tell) is locked after `accountFailures`
 * consecutive failures, for `lockSeconds`, doubling with each further series, up to a ceiling; a
 * success resets it. An address is blocked after `addressFailures` failures within a window,
 * whatever logins it tried (successes do not reset it, or one valid account would unlock guessing).
 * Existing accounts keep their count in auth_account (an administrator sees and can clear it);
 * unknown logins and addresses in auth_throttle.
 */
import type { SqlExecutor } from '@sahti/fhir';
import type { LockoutPolicy } from './config.ts';
import { sha256 } from './secrets.ts';

/** Seconds to lock a login after its n-th consecutive failure (0: not yet). */
export function lockSecondsAfter(failures: number, policy: LockoutPolicy): number {
  if (failures <= 0 || failures % policy.accountFailures !== 0) return 0;
  const series = failures / policy.accountFailures;
  return Math.min(policy.lockSeconds * 2 ** (series - 1), policy.maxLockSeconds);
}

const SECONDS = "($2::double precision * interval '1 second')";
const loginKey = (login: string) => `login:${sha256(login.trim().toLowerCase())}`;
const addressKey = (address: string) => `address:${address}`;

export class LoginThrottle {
  private readonly db: SqlExecutor;
  private readonly policy: LockoutPolicy;

  constructor(db: SqlExecutor, policy: LockoutPolicy) {
    this.db = db;
    this.policy = policy;
  }

  /** Seconds until this attempt may be tried; 0 when it may go ahead. */
  async waitSeconds(
    login: string,
    address: string | undefined,
    accountId: string | undefined,
  ): Promise<number> {
    const keys = [loginKey(login), ...(address ? [addressKey(address)] : [])];
    const { rows } = await this.db.query<{ wait: number | null }>(
      `SELECT ceil(extract(epoch FROM max(until) - now()))::int AS wait FROM (
         SELECT blocked_until AS until FROM auth_throttle WHERE key = ANY($1::text[])
         UNION ALL SELECT locked_until FROM auth_account WHERE id = $2::text) t`,
      [keys, accountId ?? null],
    );
    return Math.max(0, Number(rows[0]?.wait ?? 0));
  }

  async recordFailure(
    login: string,
    address: string | undefined,
    accountId: string | undefined,
  ): Promise<void> {
    if (accountId) {
      const { rows } = await this.db.query<{ failed_attempts: number }>(
        'UPDATE auth_account SET failed_attempts = failed_attempts + 1 WHERE id = $1::text RETURNING failed_attempts',
        [accountId],
      );
      const lock = lockSecondsAfter(Number(rows[0]?.failed_attempts ?? 0), this.policy);
      if (lock > 0) {
        await this.db.query(`UPDATE auth_account SET locked_until = now() + ${SECONDS} WHERE id = $1::text`, [
          accountId,
          lock,
        ]);
      }
    } else {
      const { rows } = await this.db.query<{ failures: number }>(
        `INSERT INTO auth_throttle (key, failures) VALUES ($1::text, 1)
         ON CONFLICT (key) DO UPDATE SET failures = auth_throttle.failures + 1 RETURNING failures`,
        [loginKey(login)],
      );
      const lock = lockSecondsAfter(Number(rows[0]?.failures ?? 0), this.policy);
      if (lock > 0) {
        await this.db.query(
          `UPDATE auth_throttle SET blocked_until = now() + ${SECONDS} WHERE key = $1::text`,
          [loginKey(login), lock],
        );
      }
    }
    if (address) await this.recordAddressFailure(address);
  }

  private async recordAddressFailure(address: string): Promise<void> {
    const window = this.policy.addressWindowSeconds;
    // a window older than its length starts again from this failure
    const { rows } = await this.db.query<{ failures: number }>(
      `INSERT INTO auth_throttle (key, failures, window_start) VALUES ($1::text, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN auth_throttle.window_start < now() - ${SECONDS} THEN 1 ELSE auth_throttle.failures + 1 END,
         window_start = CASE WHEN auth_throttle.window_start < now() - ${SECONDS} THEN now() ELSE auth_throttle.window_start END
       RETURNING failures`,
      [addressKey(address), window],
    );
    if (Number(rows[0]?.failures ?? 0) >= this.policy.addressFailures) {
      await this.db.query(
        `UPDATE auth_throttle SET blocked_until = now() + ${SECONDS} WHERE key = $1::text`,
        [addressKey(address), window],
      );
    }
  }

  async recordSuccess(accountId: string): Promise<void> {
    await this.db.query(
      'UPDATE auth_account SET failed_attempts = 0, locked_until = NULL WHERE id = $1::text AND failed_attempts > 0',
      [accountId],
    );
  }
}
