/**
 * Web sessions already looked up, kept a few seconds so that the burst of API calls a screen makes
 * reads `auth_session` and `auth_account` once instead of twice per call. Keyed by the SHA-256 of
 * the cookie value (the value itself is not kept), bounded in size (least recently used out first),
 * and never kept past the session's absolute expiry or its idle deadline.
 *
 * Everything in this process that ends a session or changes its account — logout, password reset,
 * roles or the linked FHIR resource, contact details, second-factor enrolment — calls
 * `sessionsChanged()`, and every cached session is dropped at once; another process sharing the
 * database sees such a change within `ttlSeconds` (as it does for cached care views,
 * access/relations/visible.ts).
 */
import type { AccountSecrets } from './accounts.ts';
import type { Session } from './sessions.ts';

export interface CachedSession {
  session: Session;
  account: AccountSecrets;
}

interface Entry {
  value: CachedSession;
  /** Epoch milliseconds after which the entry is not served. */
  until: number;
  generation: number;
}

/** Bumped by every change that may end or narrow a session; shared by all caches of the process. */
let generation = 0;

/** A session ended, or an account's roles, identity or password changed: forget every cached session. */
export function sessionsChanged(): void {
  generation += 1;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  /** `ttlSeconds` 0 turns the cache off. */
  constructor(options: { ttlSeconds: number; maxEntries?: number; now?: () => number }) {
    this.ttlMs = Math.max(0, options.ttlSeconds * 1000);
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The session of this cookie's hash looked up less than `ttlSeconds` ago, if nothing ended it since. */
  get(idHash: string): CachedSession | undefined {
    if (this.ttlMs === 0) return undefined;
    const entry = this.entries.get(idHash);
    if (!entry) return undefined;
    this.entries.delete(idHash);
    if (entry.generation !== generation || entry.until <= this.now()) return undefined;
    this.entries.set(idHash, entry); // most recently used goes to the end
    return entry.value;
  }

  /**
   * Remembers a session just read from the database; `validUntil` (epoch ms: the sooner of its
   * expiry and its idle deadline) caps how long. `readGeneration` is `currentGeneration()` taken
   * before the lookup: a change during the lookup may have been missed by it, so it is not kept then.
   */
  put(idHash: string, value: CachedSession, validUntil: number, readGeneration: number): void {
    if (this.ttlMs === 0 || readGeneration !== generation) return;
    const now = this.now();
    const until = Math.min(now + this.ttlMs, validUntil);
    if (until <= now) return;
    this.entries.delete(idHash);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(idHash, { value, until, generation });
  }
}

/** The generation to pass to `put` for a lookup that starts now. */
export function currentGeneration(): number {
  return generation;
}
