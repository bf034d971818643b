/**
 * Throttling of failed authentications — passwords, second factors, client secrets — designed so
 * that a stranger cannot lock the owner out.
 *
 * - Per (subject, address), a subject being a login or an OAuth client: `freeFailures` failures,
 *   then each further attempt waits, the wait doubling with every failure (up to a ceiling). The
 *   owner at another address is not slowed at all. A success forgets the pair.
 * - Per address, whatever it tries: blocked for a window after `addressFailures` failures in it
 *   (a success gives its own attempt back, so a clinic behind one address is not blocked by its
 *   staff logging in).
 * - Per subject: locked for `lockSeconds` only when failures come from `lockAddresses` distinct
 *   addresses within `lockWindowSeconds` — a distributed attack. Its owner lifts the lock with a
 *   one-time code (unlock-routes.ts), an administrator at once.
 *
 * An attempt is admitted (counted as a failure in advance) BEFORE the secret is compared, in
 * statements that refuse atomically once a block is set, so concurrent guesses cannot all slip
 * through, and a refused attempt costs no scrypt. The outcome then settles the ticket: `failed`,
 * `succeeded` (gives the attempt back) or `released` (neither, e.g. password right but second
 * factor still to come). Unknown logins are throttled and locked exactly like existing ones, so
 * nothing here tells whether an account exists. State lives in auth_failure (pairs) and
 * auth_throttle (addresses and subject locks); only hashes of logins and client ids are stored.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { addressBucket } from './address.ts';
import type { LockoutPolicy } from './config.ts';
import { normaliseLogin } from './login-name.ts';
import { sha256 } from './secrets.ts';

/** Seconds a (subject, address) pair waits after its n-th failure (0: not yet). */
export function pairDelayAfter(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(policy.delaySeconds * 2 ** (failures - policy.freeFailures), policy.maxDelaySeconds);
}

/** pairDelayAfter for n = 1, 2, … up to the first n at the ceiling (the SQL takes the last beyond). */
export function delaySchedule(policy: LockoutPolicy): number[] {
  const schedule: number[] = [];
  for (let n = 1; n <= policy.freeFailures + 64; n++) {
    schedule.push(pairDelayAfter(n, policy));
    if (n >= policy.freeFailures && schedule.at(-1)! >= policy.maxDelaySeconds) break;
  }
  return schedule;
}

/**
 * A login, whatever its case or surrounding spaces, existing or not: its one normal form
 * (login-name.ts), the form the account lookup compares. A login that has none reaches no account;
 * it is still counted, as typed.
 */
export const loginSubject = (login: string) => `login:${sha256(normaliseLogin(login) ?? login)}`;
export const clientSubject = (clientId: string) => `client:${sha256(clientId)}`;
const addressKey = (bucket: string) => `address:${bucket}`;

/** An admitted attempt, to settle once its outcome is known. */
export interface AttemptTicket {
  subject: string;
  /** The address bucket (address.ts). */
  address: string;
}

export type Admission =
  | { ok: true; ticket: AttemptTicket }
  /** `locked`: the subject itself is locked (distributed failures), not just this address. */
  | { ok: false; retryAfter: number; locked: boolean };

interface Waits {
  locked: number;
  address: number;
  pair: number;
}

function refusalOf(waits: Waits): Admission | undefined {
  const retryAfter = Math.max(waits.locked, waits.address, waits.pair);
  return retryAfter > 0 ? { ok: false, retryAfter, locked: waits.locked > 0 } : undefined;
}

/** A block that ended between two statements: come back at once rather than be admitted. */
const BUSY: Admission = { ok: false, retryAfter: 1, locked: false };

const SECONDS = (param: string) => `(${param}::double precision * interval '1 second')`;
/** Stale rows are swept at most this often, on a failure. */
const SWEEP_EVERY_MS = 10 * 60 * 1000;

export class CredentialThrottle {
  private readonly db: SqlExecutor;
  private readonly policy: LockoutPolicy;
  private readonly schedule: number[];
  private sweptAt = 0;
  private readonly admitting = new Map<string, Promise<void>>();

  constructor(db: SqlExecutor, policy: LockoutPolicy) {
    this.db = db;
    this.policy = policy;
    this.schedule = delaySchedule(policy);
  }

  /** Admits an attempt at `subject` from `address` (counting it as a failure until settled), or says how long to wait. */
  async admit(subject: string, address: string): Promise<Admission> {
    // one admission at a time per subject in this process: each sees the attempts admitted before it
    const before = this.admitting.get(subject) ?? Promise.resolve();
    const mine = before.then(() => this.admitNow(subject, address));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.admitting.set(subject, settled);
    void settled.then(() => {
      if (this.admitting.get(subject) === settled) this.admitting.delete(subject);
    });
    return mine;
  }

  private async admitNow(subject: string, address: string): Promise<Admission> {
    const bucket = addressBucket(address);
    const refusal = async () => refusalOf(await this.waits(subject, bucket)) ?? BUSY;
    const waiting = refusalOf(await this.waits(subject, bucket)); // the common refusal costs one read
    if (waiting) return waiting;
    if (!(await this.takeAddress(bucket))) return refusal();
    if (!(await this.takePair(subject, bucket))) {
      await this.giveBackAddress(bucket);
      return refusal();
    }
    const ticket = { subject, address: bucket };
    // attempts in flight count as failures: a burst from many addresses at once meets the lock
    // here, as the same attempts one after the other would have after their failures. A failure
    // settled meanwhile may have locked the subject since the first read, and a lock restarts that
    // count from its own time: the same statement says whether the subject is locked now
    const { addresses, locked } = await this.failingAddresses(subject, bucket);
    if (locked || addresses >= this.policy.lockAddresses) {
      if (!locked) await this.lock(subject);
      await this.released(ticket);
      return refusal();
    }
    return { ok: true, ticket };
  }

  /**
   * Addresses other than `except` with failures (or attempts in flight) at the subject in its
   * window, and whether the subject is locked now.
   */
  private async failingAddresses(
    subject: string,
    except?: string,
  ): Promise<{ addresses: number; locked: boolean }> {
    const { rows } = await this.db.query<{ addresses: number; locked: boolean }>(
      `SELECT count(*)::int AS addresses,
         EXISTS (SELECT 1 FROM auth_throttle WHERE key = $1::text AND blocked_until > now()) AS locked
       FROM auth_failure
       WHERE subject = $1::text AND failures > 0 AND address <> $3::text AND last_failure > greatest(now() - ${SECONDS('$2')},
         coalesce((SELECT window_start FROM auth_throttle WHERE key = $1::text), '-infinity'::timestamptz))`,
      [subject, this.policy.lockWindowSeconds, except ?? ''],
    );
    return { addresses: Number(rows[0]?.addresses ?? 0), locked: rows[0]?.locked === true };
  }

  private async lock(subject: string): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_throttle AS t (key, failures, window_start, blocked_until)
       VALUES ($1::text, 1, now(), now() + ${SECONDS('$2')})
       ON CONFLICT (key) DO UPDATE SET failures = t.failures + 1, window_start = now(),
         blocked_until = now() + ${SECONDS('$2')}`,
      [subject, this.policy.lockSeconds],
    );
  }

  /** The attempt failed: it stays counted, and may lock the subject if failures are widespread. */
  async failed(ticket: AttemptTicket): Promise<void> {
    // failures before the last lock or unlock (window_start of the subject's row) are not counted again
    if ((await this.failingAddresses(ticket.subject)).addresses >= this.policy.lockAddresses)
      await this.lock(ticket.subject);
    await this.sweep();
  }

  /** The attempt succeeded: the pair is forgotten and the address gets its attempt back. */
  async succeeded(ticket: AttemptTicket): Promise<void> {
    await this.db.query('DELETE FROM auth_failure WHERE subject = $1::text AND address = $2::text', [
      ticket.subject,
      ticket.address,
    ]);
    await this.giveBackAddress(ticket.address);
  }

  /** Neither success nor failure (the secret was right, a second factor is still to come). */
  async released(ticket: AttemptTicket): Promise<void> {
    await this.db.query(
      `UPDATE auth_failure SET failures = greatest(failures - 1, 0),
         blocked_until = CASE WHEN failures - 1 < $3::int THEN NULL ELSE blocked_until END
       WHERE subject = $1::text AND address = $2::text`,
      [ticket.subject, ticket.address, this.policy.freeFailures],
    );
    await this.giveBackAddress(ticket.address);
  }

  /** Whether the subject is locked, or its attempts from this address must wait (the address's own block aside). */
  async lockedOrSlowed(subject: string, address: string): Promise<boolean> {
    const waits = await this.waits(subject, addressBucket(address));
    return waits.locked > 0 || waits.pair > 0;
  }

  /**
   * Lifts the subject's lock and restarts its count of addresses; with `address`, forgets that
   * pair too (the owner unlocking from where they are); without, forgets every pair (an administrator).
   */
  async unlock(subject: string, address?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES ($1::text, 0, now())
       ON CONFLICT (key) DO UPDATE SET blocked_until = NULL, window_start = now()`,
      [subject],
    );
    if (address === undefined) {
      await this.db.query('DELETE FROM auth_failure WHERE subject = $1::text', [subject]);
    } else {
      await this.db.query('DELETE FROM auth_failure WHERE subject = $1::text AND address = $2::text', [
        subject,
        addressBucket(address),
      ]);
    }
  }

  /** Seconds this address must wait before any attempt (0: none); for checks without a subject. */
  async addressWait(address: string): Promise<number> {
    const { rows } = await this.db.query<{ wait: number | null }>(
      `SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS wait FROM auth_throttle
       WHERE key = $1::text AND blocked_until > now()`,
      [addressKey(addressBucket(address))],
    );
    return Number(rows[0]?.wait ?? 0);
  }

  /** Counts a failure against the address alone (a wrong unlock code). */
  async addressFailed(address: string): Promise<void> {
    await this.takeAddress(addressBucket(address));
  }

  /** Seconds left of the subject's lock, the address's block and the pair's wait (0: none). */
  private async waits(subject: string, bucket: string): Promise<Waits> {
    const wait = (table: string, where: string) =>
      `(SELECT ceil(extract(epoch FROM blocked_until - now())) FROM ${table} WHERE ${where} AND blocked_until > now())::int`;
    const { rows } = await this.db.query<{
      locked: number | null;
      address: number | null;
      pair: number | null;
    }>(
      `SELECT ${wait('auth_throttle', 'key = $1::text')} AS locked,
              ${wait('auth_throttle', 'key = $2::text')} AS address,
              ${wait('auth_failure', 'subject = $1::text AND address = $3::text')} AS pair`,
      [subject, addressKey(bucket), bucket],
    );
    return {
      locked: Number(rows[0]?.locked ?? 0),
      address: Number(rows[0]?.address ?? 0),
      pair: Number(rows[0]?.pair ?? 0),
    };
  }

  /** Counts an attempt against the address unless it is blocked; false when blocked. */
  private async takeAddress(bucket: string): Promise<boolean> {
    const fresh = `t.window_start < now() - ${SECONDS('$2')}`;
    const count = `CASE WHEN ${fresh} THEN 1 ELSE t.failures + 1 END`;
    const { rows } = await this.db.query(
      `INSERT INTO auth_throttle AS t (key, failures, window_start, blocked_until)
       VALUES ($1::text, 1, now(), CASE WHEN 1 >= $3::int THEN now() + ${SECONDS('$2')} END)
       ON CONFLICT (key) DO UPDATE SET
         failures = ${count},
         window_start = CASE WHEN ${fresh} THEN now() ELSE t.window_start END,
         blocked_until = CASE WHEN ${count} >= $3::int THEN now() + ${SECONDS('$2')} END
       WHERE t.blocked_until IS NULL OR t.blocked_until <= now()
       RETURNING failures`,
      [addressKey(bucket), this.policy.addressWindowSeconds, this.policy.addressFailures],
    );
    return rows.length === 1;
  }

  private async giveBackAddress(bucket: string): Promise<void> {
    await this.db.query(
      `UPDATE auth_throttle SET failures = greatest(failures - 1, 0),
         blocked_until = CASE WHEN failures - 1 < $2::int THEN NULL ELSE blocked_until END
       WHERE key = $1::text`,
      [addressKey(bucket), this.policy.addressFailures],
    );
  }

  /** Counts an attempt against the pair unless it must wait, setting the wait its count earns. */
  private async takePair(subject: string, bucket: string): Promise<boolean> {
    const count = `CASE WHEN f.last_failure < now() - ${SECONDS('$4')} THEN 1 ELSE f.failures + 1 END`;
    const delay = (n: string) =>
      `now() + ($3::int[])[least(${n}, cardinality($3::int[]))]::double precision * interval '1 second'`;
    const { rows } = await this.db.query(
      `INSERT INTO auth_failure AS f (subject, address, failures, last_failure, blocked_until)
       VALUES ($1::text, $2::text, 1, now(), ${delay('1')})
       ON CONFLICT (subject, address) DO UPDATE SET
         failures = ${count}, last_failure = now(), blocked_until = ${delay(count)}
       WHERE f.blocked_until IS NULL OR f.blocked_until <= now()
       RETURNING failures`,
      [subject, bucket, this.schedule, this.policy.memorySeconds],
    );
    return rows.length === 1;
  }

  /** Forgets pairs past their memory and windows long over (rows of addresses and subjects). */
  private async sweep(): Promise<void> {
    if (Date.now() - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = Date.now();
    const { memorySeconds, addressWindowSeconds, lockWindowSeconds } = this.policy;
    await this.db.query(`DELETE FROM auth_failure WHERE last_failure < now() - ${SECONDS('$1')}`, [
      memorySeconds,
    ]);
    await this.db.query(
      `DELETE FROM auth_throttle WHERE (blocked_until IS NULL OR blocked_until < now())
         AND window_start < now() - ${SECONDS('$1')}`,
      [Math.max(addressWindowSeconds, lockWindowSeconds)],
    );
  }
}
