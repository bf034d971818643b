/**
 * Password login with throttling and, for staff, a second factor: the TOTP code of their
 * authenticator app, or — while they have none enrolled — a one-time code sent to their email.
 * Every refusal of a login/password pair reads the same whether or not the account exists. The
 * throttle admits the attempt before the password hash is computed (throttle.ts): a refused
 * attempt costs no scrypt.
 */
import { type AccountSecrets, findAccountByLogin } from './accounts.ts';
import type { AuthCore } from './core.ts';
import { consumeDigitCode, issueDigitCode } from './one-time-codes.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { type AttemptTicket, loginSubject } from './throttle.ts';
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
  | {
      ok: false;
      status: 429;
      error: 'too_many_attempts';
      description: string;
      retryAfter: number;
      /** The login itself is locked (failures from many addresses): its owner may unlock it by code. */
      locked: boolean;
    }
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
  const admission = await core.throttle.admit(loginSubject(attempt.login), attempt.address ?? 'unknown');
  if (!admission.ok) {
    return {
      ok: false,
      status: 429,
      error: 'too_many_attempts',
      description: admission.locked
        ? 'This login is locked after failed attempts from several places: try again later, ' +
          'ask for an unlock code (POST /auth/unlock/request), or reset the password'
        : 'Too many failed attempts: try again later, or reset the password',
      retryAfter: admission.retryAfter,
      locked: admission.locked,
    };
  }
  const { ticket } = admission;
  // an unknown login costs a hash like a known one, so timing tells nothing either
  const passwordOk = await verifyPassword(attempt.password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !passwordOk) {
    await core.throttle.failed(ticket);
    return invalid();
  }
  if (account.kind === 'staff') {
    const second = await checkSecondFactor(core, account, attempt, ticket);
    if (second) return second;
  }
  await core.throttle.succeeded(ticket);
  return { ok: true, account };
}

/** Undefined when the second factor is satisfied; otherwise the answer to give. */
async function checkSecondFactor(
  core: AuthCore,
  account: AccountSecrets,
  attempt: LoginAttempt,
  ticket: AttemptTicket,
): Promise<LoginResult | undefined> {
  if (account.hasTotp) {
    if (!attempt.totp) {
      // the password was right: neither a failure nor, until the code comes, a success
      await core.throttle.released(ticket);
      return {
        ok: false,
        status: 401,
        error: 'second_factor_required',
        factor: 'totp',
        description: 'Enter the 6-digit code of your authenticator app (field "totp")',
      };
    }
    if (await verifyTotp(core.db, account, attempt.totp, core.config.secretKey)) return undefined;
    await core.throttle.failed(ticket);
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
    await core.throttle.failed(ticket);
    return {
      ok: false,
      status: 401,
      error: 'invalid_second_factor',
      factor: 'email-code',
      description: 'The code is wrong or has expired; log in again to receive a new one',
    };
  }
  await core.throttle.released(ticket);
  if (!account.email) return invalid(); // no second factor can be reached: an administrator must enrol one
  const issued = await issueDigitCode(core.db, account.id, 'login-2fa', LOGIN_CODE_SECONDS);
  if ('refused' in issued) {
    return {
      ok: false,
      status: 429,
      error: 'too_many_attempts',
      description:
        issued.refused === 'too_many_tries'
          ? 'Too many wrong login codes today: try again later, or ask an administrator'
          : 'Too many login codes were sent today: use the last one received, or try again later',
      retryAfter: issued.retryAfter,
      locked: false,
    };
  }
  const { code } = issued;
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
