/**
 * What went wrong with a request, in a form a screen can explain: the HTTP status, the FHIR
 * OperationOutcome (or the OAuth-style `{error, error_description}` of /auth), and the key of a
 * message in the user's language. Pure.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { AuthErrorCode } from '@sahti/contracts';
import type { fr } from '../app/i18n/fr.ts';

export class ApiError extends Error {
  readonly status: number;
  /** The issue code of an OperationOutcome, or the `error` of an /auth answer. */
  readonly code: string | undefined;
  /** The server's own words (English), shown under the translated message. */
  readonly diagnostics: string | undefined;
  readonly outcome: OperationOutcome | undefined;
  /** Anything else the answer carried (e.g. `factor` when a second factor is required). */
  readonly extra: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const parsed = parseErrorBody(body);
    super(parsed.diagnostics ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = parsed.code;
    this.diagnostics = parsed.diagnostics;
    this.outcome = parsed.outcome;
    this.extra = parsed.extra;
  }
}

export function parseErrorBody(body: unknown): {
  code?: string;
  diagnostics?: string;
  outcome?: OperationOutcome;
  extra: Record<string, unknown>;
} {
  if (!body || typeof body !== 'object') {
    return typeof body === 'string' && body ? { diagnostics: body.slice(0, 300), extra: {} } : { extra: {} };
  }
  const record = body as Record<string, unknown>;
  if (record.resourceType === 'OperationOutcome') {
    const outcome = body as OperationOutcome;
    const issue =
      outcome.issue?.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? outcome.issue?.[0];
    return {
      code: issue?.code,
      diagnostics: issue?.diagnostics ?? issue?.details?.text,
      outcome,
      extra: {},
    };
  }
  const { error, error_description, ...extra } = record;
  return {
    ...(typeof error === 'string' ? { code: error } : {}),
    ...(typeof error_description === 'string' ? { diagnostics: error_description } : {}),
    extra,
  };
}

/**
 * Keys of the `errors` messages in the common namespace (app/i18n): each has its words and its next
 * step (`errors.next.<key>`) in French, hence — the message files are typed — in Arabic and English.
 */
export type ErrorMessageKey = keyof (typeof fr)['errors']['next'];

/**
 * What a person reads for each refusal of /auth: the catalogue's every code, so a new one does not
 * typecheck until it is given words here (and, through the key, in every language).
 */
export const AUTH_ERROR_MESSAGES: Record<AuthErrorCode, ErrorMessageKey> = {
  invalid_request: 'invalid',
  invalid_credentials: 'credentials',
  too_many_attempts: 'tooMany',
  second_factor_required: 'secondFactor',
  invalid_second_factor: 'codeWrong',
  weak_password: 'weakPassword',
  invalid_token: 'linkUsed',
  invalid_code: 'codeWrong',
  login_required: 'login',
  forbidden: 'forbidden',
  csrf: 'session',
  not_found: 'notFound',
  no_contact: 'noContact',
};

const isAuthErrorCode = (code: string | undefined): code is AuthErrorCode =>
  code !== undefined && Object.hasOwn(AUTH_ERROR_MESSAGES, code);

/**
 * The message to show for a failure, in the user's language: an /auth refusal by its code, any other
 * by its status (the server's English `diagnostics` never decide the words).
 */
export function errorMessageKey(error: unknown): ErrorMessageKey {
  if (!(error instanceof ApiError)) return error instanceof TypeError ? 'network' : 'unknown';
  if (!error.outcome && isAuthErrorCode(error.code)) return AUTH_ERROR_MESSAGES[error.code];
  const { status } = error;
  if (status === 0) return 'network';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 410) return 'gone';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 413) return 'tooLarge';
  if (status === 429) return 'tooMany';
  if (status >= 500) return 'server';
  if (status >= 400) return 'invalid';
  return 'unknown';
}

/** The element paths an OperationOutcome blames (e.g. `Patient.identifier[0].value`). */
export function blamedPaths(error: unknown): string[] {
  if (!(error instanceof ApiError) || !error.outcome) return [];
  return (error.outcome.issue ?? []).flatMap((i) => i.expression ?? i.location ?? []);
}
