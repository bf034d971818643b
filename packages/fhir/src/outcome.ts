/** Errors as values a client can act on: every failure leaves the engine as an OperationOutcome. */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

export class FhirError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly headers: Record<string, string>;

  constructor(status: number, outcome: OperationOutcome, headers: Record<string, string> = {}) {
    super(outcome.issue?.[0]?.diagnostics ?? outcome.issue?.[0]?.details?.text ?? `HTTP ${status}`);
    this.status = status;
    this.outcome = outcome;
    this.headers = headers;
  }
}

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  text: string,
  expression?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics: text, details: { text }, ...(expression ? { expression } : {}) }],
  };
}

export function fail(status: number, code: IssueCode, text: string, expression?: string[]): never {
  throw new FhirError(status, outcome('error', code, text, expression));
}

export const badRequest = (text: string, expression?: string[]): never =>
  fail(400, 'invalid', text, expression);
export const notFound = (text: string): never => fail(404, 'not-found', text);
export const notSupported = (text: string): never => fail(400, 'not-supported', text);

export function allOk(text = 'All OK'): OperationOutcome {
  return outcome('information', 'informational', text);
}

/** A client's value as it may appear in a message: never calling its own toString(). */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, 80);
  if (typeof value === 'number' || typeof value === 'boolean') return `${value}`;
  return value === null ? 'null' : `(${Array.isArray(value) ? 'array' : typeof value})`;
}
