/**
 * The `bulk_import` rows: an import job's state, its progress and its refused lines. Progress is
 * written by `recordProgress` inside the transaction of the batch it describes, and only while the
 * job is still running — a cancellation that commits first makes the batch roll back.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { SqlExecutor } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';

export type ImportStatus = 'uploading' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ImportJob {
  id: string;
  owner: string;
  principal: Principal;
  status: ImportStatus;
  lines: number;
  bytes: number;
  nextLine: number;
  counts: Record<string, number>;
  refused: number;
  failure: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface ImportRow {
  id: string;
  owner: string;
  principal: Principal;
  status: ImportStatus;
  lines: number;
  bytes: string;
  next_line: number;
  counts: Record<string, number>;
  refused: number;
  failure: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

export async function findImport(db: SqlExecutor, id: string): Promise<ImportJob | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const row = (await db.query<ImportRow>('SELECT * FROM bulk_import WHERE id = $1::uuid', [id])).rows[0];
  return row ? jobOf(row) : undefined;
}

function jobOf(row: ImportRow): ImportJob {
  return {
    id: row.id,
    owner: row.owner,
    principal: row.principal,
    status: row.status,
    lines: row.lines,
    bytes: Number(row.bytes),
    nextLine: row.next_line,
    counts: row.counts,
    refused: row.refused,
    failure: row.failure,
    createdAt: iso(row.created_at),
    finishedAt: row.finished_at ? iso(row.finished_at) : null,
  };
}

export async function createImport(
  db: SqlExecutor,
  id: string,
  owner: string,
  principal: Principal,
): Promise<void> {
  await db.query(
    `INSERT INTO bulk_import (id, owner, principal, status) VALUES ($1::uuid, $2::text, $3::jsonb, 'uploading')`,
    [id, owner, JSON.stringify(principal)],
  );
}

/** The upload is complete: the job may run. False when it was cancelled while it was arriving. */
export async function markQueued(
  tx: SqlExecutor,
  id: string,
  lines: number,
  bytes: number,
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE bulk_import SET status = 'queued', lines = $2::integer, bytes = $3::bigint
     WHERE id = $1::uuid AND status = 'uploading' RETURNING 1`,
    [id, lines, bytes],
  );
  return r.rows.length === 1;
}

/** An upload that did not finish (too large, broken off) leaves nothing behind. */
export async function dropImport(db: SqlExecutor, id: string): Promise<void> {
  await db.query('DELETE FROM bulk_import WHERE id = $1::uuid', [id]);
}

/** Takes a queued job (or one a crashed worker left running); false when it has ended or was cancelled. */
export async function claimImport(db: SqlExecutor, id: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE bulk_import SET status = 'running' WHERE id = $1::uuid AND status IN ('queued', 'running') RETURNING 1`,
    [id],
  );
  return r.rows.length === 1;
}

export class ImportCancelled extends Error {
  constructor() {
    super('the import was cancelled');
  }
}

/**
 * Advances the job past `nextLine` with what the batch wrote and refused, in the batch's own
 * transaction; throws ImportCancelled (rolling the batch back) when the job is no longer running.
 */
export async function recordProgress(
  tx: SqlExecutor,
  id: string,
  progress: {
    nextLine: number;
    written: Record<string, number>;
    refusals: { line: number; outcome: OperationOutcome }[];
  },
): Promise<void> {
  const updated = await tx.query(
    `UPDATE bulk_import SET next_line = $2::integer, refused = refused + $4::integer,
       counts = (SELECT COALESCE(jsonb_object_agg(k, v), '{}'::jsonb) FROM (
         SELECT k, sum(v)::integer AS v FROM (
           SELECT key AS k, value::integer AS v FROM jsonb_each_text(counts)
           UNION ALL SELECT key, value::integer FROM jsonb_each_text($3::jsonb)) s GROUP BY k) t)
     WHERE id = $1::uuid AND status = 'running' RETURNING 1`,
    [id, progress.nextLine, JSON.stringify(progress.written), progress.refusals.length],
  );
  if (updated.rows.length === 0) throw new ImportCancelled();
  if (progress.refusals.length === 0) return;
  await tx.query(
    `INSERT INTO bulk_import_refusal (import_id, line, outcome)
     SELECT $1::uuid, r.line, r.outcome FROM jsonb_to_recordset($2::jsonb) AS r(line integer, outcome jsonb)
     ON CONFLICT (import_id, line) DO UPDATE SET outcome = EXCLUDED.outcome`,
    [id, JSON.stringify(progress.refusals)],
  );
}

/**
 * The job has ended: returns it as it ended (undefined when it was no longer running: cancelled
 * meanwhile). The caller audits it at once, before anything else is awaited, so a client that sees
 * the status URL say `completed` finds the summary event already queued; then drops the staged lines.
 */
export async function finishImport(
  db: SqlExecutor,
  id: string,
  status: 'completed' | 'failed',
  failure?: string,
): Promise<ImportJob | undefined> {
  const { rows } = await db.query<ImportRow>(
    `UPDATE bulk_import SET status = $2::text, failure = $3::text, finished_at = now()
     WHERE id = $1::uuid AND status = 'running' RETURNING *`,
    [id, status, failure ?? null],
  );
  return rows[0] ? jobOf(rows[0]) : undefined;
}

/** The job has ended: its staged lines are no longer needed. */
export async function dropStagedLines(db: SqlExecutor, id: string): Promise<void> {
  await db.query('DELETE FROM bulk_import_line WHERE import_id = $1::uuid', [id]);
}

/**
 * DELETE on the status URL: a job not finished is cancelled (what earlier batches committed
 * stays); a finished one is forgotten. Returns the job as it was, or undefined if unknown.
 */
export async function cancelImport(
  db: SqlExecutor,
  id: string,
): Promise<'cancelled' | 'forgotten' | undefined> {
  const cancelled = await db.query(
    `UPDATE bulk_import SET status = 'cancelled', finished_at = now()
     WHERE id = $1::uuid AND status IN ('uploading', 'queued', 'running') RETURNING 1`,
    [id],
  );
  if (cancelled.rows.length === 1) {
    await db.query('DELETE FROM bulk_import_line WHERE import_id = $1::uuid', [id]);
    return 'cancelled';
  }
  const forgotten = await db.query('DELETE FROM bulk_import WHERE id = $1::uuid RETURNING 1', [id]);
  return forgotten.rows.length === 1 ? 'forgotten' : undefined;
}

/** Refused lines in line order, a page at a time (the error file is streamed). */
export async function refusalsAfter(
  db: SqlExecutor,
  id: string,
  afterLine: number,
  limit: number,
): Promise<{ line: number; outcome: OperationOutcome }[]> {
  const r = await db.query<{ line: number; outcome: OperationOutcome }>(
    `SELECT line, outcome FROM bulk_import_refusal WHERE import_id = $1::uuid AND line > $2::integer
     ORDER BY line LIMIT $3::integer`,
    [id, afterLine, limit],
  );
  return r.rows;
}

/** Staged lines from `fromLine` on, in order. */
export async function stagedLines(
  db: SqlExecutor,
  id: string,
  fromLine: number,
  limit: number,
): Promise<{ line: number; text: string | null }[]> {
  const r = await db.query<{ line: number; text: string | null }>(
    `SELECT line, text FROM bulk_import_line WHERE import_id = $1::uuid AND line >= $2::integer
     ORDER BY line LIMIT $3::integer`,
    [id, fromLine, limit],
  );
  return r.rows;
}

/** Finished imports past their retention, and uploads abandoned a day ago (a crash mid-upload). */
export async function purgeImports(db: SqlExecutor, retentionDays: number): Promise<void> {
  await db.query(
    `DELETE FROM bulk_import WHERE (finished_at IS NOT NULL AND finished_at < now() - make_interval(days => $1::integer))
       OR (status = 'uploading' AND created_at < now() - interval '1 day')`,
    [Math.ceil(retentionDays)],
  );
}
