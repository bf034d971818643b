/**
 * Moroccan identifiers: the CNIE number (patients) and the INPE (practitioners and establishments).
 *
 * The CNIE number format is not published officially; it is commonly 1–2 letters followed by 5–6
 * digits (e.g. "BE123456", "A12345"). Both the system URIs and the patterns are configurable by
 * environment so that a deployment can follow whatever ANAM / DGSN settle on.
 */
import type { Identifier, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
export const CNIE_SYSTEM = process.env.SAHTI_CNIE_SYSTEM ?? 'https://sahti.ma/fhir/NamingSystem/cnie';
export const INPE_SYSTEM = process.env.SAHTI_INPE_SYSTEM ?? 'https://sahti.ma/fhir/NamingSystem/inpe';

const CNIE_PATTERN = new RegExp(process.env.SAHTI_CNIE_PATTERN ?? '^[A-Z]{1,2}[0-9]{5,6}$');
/** INPE: a 9-digit number (ANAM). */
const INPE_PATTERN = new RegExp(process.env.SAHTI_INPE_PATTERN ?? '^[0-9]{9}$');

export function isValidCnie(value: string): boolean {
  return CNIE_PATTERN.test(value);
}

export function isValidInpe(value: string): boolean {
  return INPE_PATTERN.test(value);
}

/**
 * The write rule the server gives the engine: any identifier claiming the CNIE or INPE system must
 * have the expected format, whichever resource carries it.
 */
export function moroccanIdentifierRule(resource: Resource): OperationOutcomeIssue[] {
  const identifiers = (resource as { identifier?: unknown }).identifier;
  if (!Array.isArray(identifiers)) return [];
  const issues: OperationOutcomeIssue[] = [];
  identifiers.forEach((identifier: Identifier, i) => {
    const where = [`${resource.resourceType}.identifier[${i}].value`];
    const value = identifier?.value ?? '';
    if (identifier?.system === CNIE_SYSTEM && !isValidCnie(value)) {
      issues.push(
        invalid(
          `"${value}" is not a CNIE number (expected 1–2 letters then 5–6 digits, e.g. BE123456)`,
          where,
        ),
      );
    }
    if (identifier?.system === INPE_SYSTEM && !isValidInpe(value)) {
      issues.push(invalid(`"${value}" is not an INPE (expected 9 digits)`, where));
    }
  });
  return issues;
}

function invalid(text: string, expression: string[]): OperationOutcomeIssue {
  return { severity: 'error', code: 'value', diagnostics: text, details: { text }, expression };
}
