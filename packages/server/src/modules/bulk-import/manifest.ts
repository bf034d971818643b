/**
 * What a client reads of an import (pure): the Bulk Data style completion manifest, the progress
 * header while it runs, each refused line as an OperationOutcome of the error file — and the one
 * AuditEvent of a job: who imported, how many of each type, how many lines refused. Never a
 * resource's content or a patient's identity (a national load touches millions of records; the
 * audit says who loaded what, not one event per patient).
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { AuditLog } from '../../audit/index.ts';
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

/** The job's one AuditEvent, when it ends (completed, failed or cancelled). */
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
