/**
 * Password login with throttling and, for staff, a second factor: the TOTP code of their
 * authenticator app, or — while they have none enrolled — a one-time code sent to their email.
 * Every refusal of a login/password pair reads the same whether or not the account exists.
 */
import { type AccountSecrets, findAccountByLogin } from './accounts.ts';
import type { AuthCore } from './core.ts';
import { consumeDigitCode, issueDigitCode } from './one-time-codes.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { verifyTotp } from './totp.ts';

export interface LoginAttempt {
  login: string;
  password: string;
  /** TOTP code (staff with an authenticator app). */
  totp?: string;
  /** One-time code sent by email (staff without TOTP yet). */
  code?: string;
  address?: string;
}

export type LoginResult =
  | { ok: true; account: AccountSecrets }
  | { ok: false; status: 401; error: 'invalid_credentials'; description: string }
  | { ok: false; status: 429; error: 'too_many_attempts'; description: string; retryAfter: number }
  | {
      ok: false;
      status: 401;
      error: 'second_factor_required' | 'invalid_second_factor';
      factor: 'totp' | 'email-code';
      description: string;
    };

const LOGIN_CODE_SECONDS = 10 * 60;

const invalid = (): LoginResult => ({
  ok: false,
  status: 401,
  error: 'invalid_credentials',
  description: 'The login or the password is wrong',
});

export async function attemptLogin(core: AuthCore, attempt: LoginAttempt): Promise<LoginResult> {
  const account = await findAccountByLogin(core.db, attempt.login);
  const wait = await core.throttle.waitSeconds(attempt.login, attempt.address, account?.id);
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      error: 'too_many_attempts',
      description: 'Too many failed attempts: try again later, or reset the password',
      retryAfter: wait,
    };
  }
  // an unknown login costs a hash like a known one, so timing tells nothing either
  const passwordOk = await verifyPassword(attempt.password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !passwordOk) {
    await core.throttle.recordFailure(attempt.login, attempt.address, account?.id);
    return invalid();
  }
  if (account.kind === 'staff') {
    const second = await checkSecondFactor(core, account, attempt);
    if (second) return second;
  }
  await core.throttle.recordSuccess(account.id);
  return { ok: true, account };
}

/** Undefined when the second factor is satisfied; otherwise the answer to give. */
async function checkSecondFactor(
  core: AuthCore,
  account: AccountSecrets,
  attempt: LoginAttempt,
): Promise<LoginResult | undefined> {
  if (account.hasTotp) {
    if (!attempt.totp) {
      return {
        ok: false,
        status: 401,
        error: 'second_factor_required',
        factor: 'totp',
        description: 'Enter the 6-digit code of your authenticator app (field "totp")',
      };
    }
    if (await verifyTotp(core.db, account, attempt.totp, core.config.secretKey)) return undefined;
    await core.throttle.recordFailure(attempt.login, attempt.address, account.id);
    return {
      ok: false,
      status: 401,
      error: 'invalid_second_factor',
      factor: 'totp',
      description: 'The authenticator code is wrong or was already used; wait for the next one',
    };
  }
  if (attempt.code) {
    if (await consumeDigitCode(core.db, account.id, 'login-2fa', attempt.code)) return undefined;
    await core.throttle.recordFailure(attempt.login, attempt.address, account.id);
    return {
      ok: false,
      status: 401,
      error: 'invalid_second_factor',
      factor: 'email-code',
      description: 'The code is wrong or has expired; log in again to receive a new one',
    };
  }
  if (!account.email) return invalid(); // no second factor can be reached: an administrator must enrol one
  const code = await issueDigitCode(core.db, account.id, 'login-2fa', LOGIN_CODE_SECONDS);
  await core.messages.email(
    account.email,
    'Sahti: votre code de connexion / your login code',
    `Code: ${code}\n\nValable 10 minutes. Valid for 10 minutes.\n` +
      'Si vous n’êtes pas à l’origine de cette demande, changez votre mot de passe.\n',
  );
  return {
    ok: false,
    status: 401,
    error: 'second_factor_required',
    factor: 'email-code',
    description:
      'A 6-digit code was sent to your email: send it in the field "code"; then enrol an authenticator app',
  };
}
