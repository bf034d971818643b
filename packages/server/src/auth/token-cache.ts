/**
 * Access tokens already verified, kept a few seconds so that a burst of API calls with one token
 * checks its ES256 signature once. Keyed by a SHA-256 of the token (the token itself is not kept),
 * bounded in size (least recently used out first), and never kept past the token's own expiry.
 * The price: a signing key removed from the database stops being honoured up to `ttlSeconds` later.
 */
import { sha256 } from './secrets.ts';
import type { AccessTokenClaims, VerifiedClaims } from './tokens.ts';

interface Entry {
  claims: AccessTokenClaims;
  /** Epoch milliseconds after which the entry is not served. */
  until: number;
}

export class VerifiedTokenCache {
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

  /** The claims of a token verified less than `ttlSeconds` ago and not expired since. */
  get(token: string): AccessTokenClaims | undefined {
    if (this.ttlMs === 0) return undefined;
    const key = sha256(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.until <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used goes to the end
    return entry.claims;
  }

  /** Remembers claims just verified; `exp` (seconds since the epoch) caps how long. */
  put(token: string, claims: VerifiedClaims): void {
    if (this.ttlMs === 0) return;
    const now = this.now();
    const until = Math.min(now + this.ttlMs, claims.exp * 1000);
    if (until <= now) return;
    const key = sha256(token);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { claims, until });
  }
}
