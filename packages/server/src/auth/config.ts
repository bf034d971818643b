/** Settings of identity and tokens, read once from the environment (see auth/README.md). */

/**
 * How failed authentications (passwords, second factors, client secrets) are throttled; see
 * throttle.ts. Counted per (login or client, address) first, so that a stranger's guesses slow
 * down the stranger; the login itself is locked only when failures come from many addresses.
 */
export interface LockoutPolicy {
  /** Failures of one login (or client) from one address before each further attempt must wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it, up to `maxDelaySeconds`. */
  delaySeconds: number;
  maxDelaySeconds: number;
  /** A (login, address) pair's failures are forgotten this long after its last one, or at a success. */
  memorySeconds: number;
  /** Distinct addresses failing on one login within `lockWindowSeconds` that lock the login itself. */
  lockAddresses: number;
  lockWindowSeconds: number;
  /** How long such a lock lasts; the owner lifts it sooner with a code sent to them. */
  lockSeconds: number;
  /** Failures from one address (any logins or clients) within `addressWindowSeconds` before it is blocked. */
  addressFailures: number;
  addressWindowSeconds: number;
}

export interface AuthConfig {
  /** Public base URL without /fhir/R4; a function because with port 0 it is known only after listen. */
  publicUrl: () => string;
  /** Demo accounts may exist only in demo mode; outside it they are removed on start. */
  demoMode: boolean;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  /** smtp://host:port (or smtps://); without it, emails wait in the message_outbox table. */
  smtpUrl?: string;
  mailFrom: string;
  /** Key sealing TOTP secrets and private signing keys at rest (AES-256-GCM). */
  secretKey: string;
  lockout: LockoutPolicy;
  /** How long a verified access token is remembered (token-cache.ts); 0: verify every request. */
  tokenCacheSeconds: number;
}

const DEVELOPMENT_SECRET_KEY = 'sahti-development-only-secret-key: set SAHTI_SECRET_KEY in production';

/** SAHTI_SECRET_KEY, or a fixed development key (which protects nothing: set it in production). */
export function secretKeyFrom(env: NodeJS.ProcessEnv): string {
  return env.SAHTI_SECRET_KEY || DEVELOPMENT_SECRET_KEY;
}

export function readAuthConfig(
  env: NodeJS.ProcessEnv,
  context: { publicUrl: () => string; demoMode: boolean },
  overrides: Partial<AuthConfig> = {},
): AuthConfig {
  const number = (name: string, fallback: number, minimum: number, unit: string) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < minimum) throw new Error(`${name} must be ${unit}`);
    return value;
  };
  const seconds = (name: string, fallback: number) =>
    number(name, fallback, Number.MIN_VALUE, 'a positive number of seconds');
  const lockSeconds = seconds('SAHTI_LOCKOUT_SECONDS', 15 * 60);
  return {
    ...context,
    accessTokenSeconds: seconds('SAHTI_ACCESS_TOKEN_SECONDS', 15 * 60),
    refreshTokenSeconds: seconds('SAHTI_REFRESH_TOKEN_SECONDS', 30 * 24 * 3600),
    sessionIdleSeconds: seconds('SAHTI_SESSION_IDLE_SECONDS', 30 * 60),
    sessionMaxSeconds: seconds('SAHTI_SESSION_MAX_SECONDS', 12 * 3600),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.SAHTI_MAIL_FROM ?? 'Sahti <no-reply@sahti.ma>',
    secretKey: secretKeyFrom(env),
    lockout: {
      freeFailures: 5,
      delaySeconds: 60,
      maxDelaySeconds: 3600,
      memorySeconds: 24 * 3600,
      lockAddresses: number('SAHTI_LOCKOUT_ADDRESSES', 5, 2, 'a whole number of at least 2'),
      lockWindowSeconds: lockSeconds,
      lockSeconds,
      addressFailures: 50,
      addressWindowSeconds: 15 * 60,
    },
    tokenCacheSeconds: number('SAHTI_TOKEN_CACHE_SECONDS', 5, 0, 'a number of seconds (0: no cache)'),
    ...overrides,
  };
}
