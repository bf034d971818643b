/**
 * What a client reads of an import (pure): the Bulk Data style completion manifest, the progress
 * header while it runs, each refused line as an OperationOutcome of the error file — and the audit:
 * per committed batch, one event per patient whose record it wrote (as any write is recorded), and
 * per job one summary event (who imported, how many of each type, how many lines refused). Never a
 * resource's content.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { UpsertItem } from '@sahti/fhir';
import type { AuditLog } from '../../audit/index.ts';
import type { Principal } from '../../kernel/principal.ts';
import type { ImportJob, ImportStatus } from './imports.ts';

export interface ImportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: { type: string; count: number }[];
  error: { type: 'OperationOutcome'; url: string; count: number }[];
  /** Sahti: lines read from the file and bytes received. */
  extension: { lines: number; bytes: number };
}

export function manifestOf(job: ImportJob, statusUrl: string, requestUrl: string): ImportManifest {
  return {
    transactionTime: job.finishedAt ?? job.createdAt,
    request: requestUrl,
    requiresAccessToken: true,
    output: Object.entries(job.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]) => ({ type, count })),
    error:
      job.refused > 0
        ? [{ type: 'OperationOutcome', url: `${statusUrl}/errors.ndjson`, count: job.refused }]
        : [],
    extension: { lines: job.lines, bytes: job.bytes },
  };
}

/** `X-Progress` while the job waits or runs. */
export function progressOf(job: ImportJob): string {
  if (job.status === 'uploading') return 'receiving the file';
  if (job.status === 'queued') return `queued: ${job.lines} lines to import`;
  const done = Math.min(job.nextLine - 1, job.lines);
  return `${done} of ${job.lines} lines (${Math.floor((100 * done) / Math.max(job.lines, 1))}%), ${job.refused} refused`;
}

/** A refused line as it appears in the error file: its outcome, each issue naming the line. */
export function refusalOutcome(line: number, refused: OperationOutcome): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: (refused.issue ?? []).map((issue) => ({
      ...issue,
      diagnostics: `Line ${line}: ${issue.diagnostics ?? issue.details?.text ?? issue.code}`,
      location: [`line ${line}`],
    })),
  };
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

export function importSummary(job: ImportJob): string {
  const types = Object.entries(job.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  return `$import ${job.id}: ${total(job.counts)} resources written${types ? ` (${types})` : ''}, ${job.refused} lines refused, ${job.lines} lines, ${job.bytes} bytes`;
}

/**
 * What a committed batch wrote, as the trail records any write: one event per patient whose record
 * it touched (the versions' compartment), naming that patient's resources, and one for the resources
 * in no patient's compartment — so a patient's access log shows the import into their record.
 */
export function auditWrites(
  audit: AuditLog,
  job: { id: string; principal: Principal },
  items: UpsertItem[],
): void {
  const byPatient = new Map<string, string[]>();
  const none: string[] = [];
  for (const { version } of items) {
    const reference = `${version.resourceType}/${version.id}`;
    const patients = version.compartment ?? [];
    if (patients.length === 0) none.push(reference);
    for (const patient of patients) byPatient.set(patient, [...(byPatient.get(patient) ?? []), reference]);
  }
  const event = (ids: string[], patientIds: string[]) =>
    audit.record({
      principal: job.principal,
      interaction: 'update',
      ids,
      patientIds,
      query: `$import?job=${job.id}`,
      outcome: 200,
      outcomeDesc: 'written by a bulk import',
    });
  for (const [patient, ids] of byPatient) event(ids, [patient]);
  if (none.length > 0) event(none, []);
}

/** The job's summary AuditEvent, when it ends (completed, failed or cancelled). */
export function auditImport(audit: AuditLog, job: ImportJob, status: ImportStatus): void {
  audit.record({
    principal: job.principal,
    interaction: 'operation',
    ids: [],
    patientIds: [],
    query: `$import?job=${job.id}`,
    outcome: status === 'failed' ? 500 : 200,
    outcomeDesc: `${status}: ${importSummary(job)}`,
  });
}
