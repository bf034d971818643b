/** Settings of identity and tokens, read once from the environment (see auth/README.md). */

export interface LockoutPolicy {
  /** Failed logins of one account (or one unknown login) before it is locked. */
  accountFailures: number;
  /** First lock; each further series of `accountFailures` failures doubles it, up to `maxLockSeconds`. */
  lockSeconds: number;
  maxLockSeconds: number;
  /** Failed logins from one source address within `addressWindowSeconds` before it is blocked. */
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
  const seconds = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number of seconds`);
    return value;
  };
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
      accountFailures: 5,
      lockSeconds: 15 * 60,
      maxLockSeconds: 24 * 3600,
      addressFailures: 50,
      addressWindowSeconds: 15 * 60,
    },
    ...overrides,
  };
}
