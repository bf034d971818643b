/**
 * Which fields of a form a server refusal blames: the OperationOutcome's `expression` (FHIRPath,
 * e.g. `Organization.identifier[0].value`, or inside a transaction
 * `Bundle.entry[1].resource.position.latitude`) matched against the paths each field writes. Pure.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';

/** For each field, the element paths it writes (`Location.position.latitude`), without indexes. */
export type FieldPaths<F extends string> = Partial<Record<F, string[]>>;

/** `Bundle.entry[1].resource.name[0].given` → the resource-relative path `name.given`, with its type. */
export function normaliseExpression(expression: string, entryTypes: string[] = []): string {
  const plain = expression.replace(/\[\d+\]/g, '');
  const entry = /^Bundle\.entry\[(\d+)\]\.resource\.?(.*)$/.exec(expression.replace(/\s/g, ''));
  if (entry) {
    const type = entryTypes[Number(entry[1])];
    const rest = entry[2].replace(/\[\d+\]/g, '');
    return type ? [type, rest].filter(Boolean).join('.') : rest;
  }
  return plain;
}

/**
 * The fields blamed by the outcome's error issues, in the form's order. A field is blamed when an
 * expression names one of its paths or something inside it (`Organization.identifier` blames the
 * field writing `Organization.identifier`, and so does `Organization.identifier.value`); a whole
 * resource blamed (`Organization`) is no one field's fault.
 */
export function blamedFields<F extends string>(
  outcome: OperationOutcome | undefined,
  paths: FieldPaths<F>,
  entryTypes: string[] = [],
): F[] {
  if (!outcome) return [];
  const expressions = (outcome.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .flatMap((i) => i.expression ?? i.location ?? [])
    .map((e) => normaliseExpression(e, entryTypes));
  const fields = Object.keys(paths) as F[];
  return fields.filter((field) =>
    (paths[field] ?? []).some((path) => expressions.some((e) => e === path || e.startsWith(`${path}.`))),
  );
}
