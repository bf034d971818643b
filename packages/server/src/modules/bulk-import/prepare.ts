/**
 * Staged lines → what a batch writes (pure, no I/O): each line parsed and checked as any write
 * checks it (the engine's validation and the deployment's rules), then its version built as any
 * write builds it (the engine's prepareUpsert: meta, index rows, compartment). Runs in the job's
 * thread or in the prepare workers (prepare-pool.ts), which is where a load spends its CPU.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import {
  checkUpsertItem,
  outcome,
  prepareUpsert,
  type ResourceRule,
  type UpsertItem,
  type UpsertRefusal,
} from '@sahti/fhir';

export interface StagedLine {
  line: number;
  text: string | null;
}

export type PreparedLine = UpsertItem | UpsertRefusal;

export function prepareLine(row: StagedLine, rules: ResourceRule[], now: string): PreparedLine {
  const refuse = (o: OperationOutcome): UpsertRefusal => ({ line: row.line, outcome: o });
  if (row.text === null) return refuse(outcome('error', 'structure', 'The line holds a NUL character'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.text);
  } catch (err) {
    return refuse(outcome('error', 'structure', `The line is not JSON: ${(err as Error).message}`));
  }
  const checked = checkUpsertItem(parsed, rules);
  if ('outcome' in checked) return refuse(checked.outcome);
  return prepareUpsert(row.line, checked.resource, now);
}
