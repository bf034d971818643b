/**
 * The refusals of /auth/* — the `error` of `{error, error_description}` — that a person can meet in
 * the web app (sign-in, password reset, second factor, account administration). The server's
 * `refuse` (server/src/auth/http.ts) accepts only these codes or OAuth's, and the web app maps each
 * code to a message in every language (web/src/api/errors.ts): a new code here breaks the typecheck
 * until it has its words. The `error_description` stays English, for developers; it never reaches
 * the page. FHIR and /api/* routes refuse with an OperationOutcome instead, explained by its status.
 */
export const AUTH_ERRORS = {
  /** The body is missing a field or has one of the wrong shape. */
  invalid_request: 400,
  /** The login or the password is wrong (the same answer whether the account exists or not). */
  invalid_credentials: 401,
  /** Throttled after failed attempts (with `retry-after`; `locked` when the login itself is). */
  too_many_attempts: 429,
  /** Staff: the password is right, now the code of the authenticator app or of the email. */
  second_factor_required: 401,
  /** Staff: that second-factor code is wrong or already used. */
  invalid_second_factor: 401,
  /** The new password is too short or too common. */
  weak_password: 400,
  /** The reset link is invalid, expired or already used. */
  invalid_token: 400,
  /** A code (SMS reset, unlock, new authenticator app) is wrong, expired or already used. */
  invalid_code: 400,
  /** No session: sign in first. */
  login_required: 401,
  /** Signed in, but this is not for this account (e.g. administrators only). */
  forbidden: 403,
  /** The page's CSRF token does not belong to the session (signed out or in again elsewhere). */
  csrf: 403,
  /** No such account. */
  not_found: 404,
  /** The account has no email or phone to send a code to. */
  no_contact: 409,
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

/**
 * RFC 6749's errors of /oauth2/* (answered to apps, not shown to people: a SMART app explains them
 * in its own words).
 */
export const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'invalid_scope',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'login_required',
  /** A client throttled after failed authentications. */
  'slow_down',
] as const;

export type OAuthErrorCode = (typeof OAUTH_ERRORS)[number];
