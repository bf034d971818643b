/**
 * The `bulk-import.run` job: reads the staged lines from where the job stands, parses and checks
 * each (the engine's validation), and writes a batch at a time through the engine's upsertBatch as
 * the submitting client — guard, write hooks, unique identifiers and events included — recording
 * the progress and the refused lines in the batch's own transaction. A batch the database refuses
 * as a whole for a client's reason (a unique identifier taken, a write hook's refusal) is written
 * again line by line to find and report the culprits. Each committed batch is audited per patient it
 * wrote to; at the end, one summary AuditEvent.
 */
import { FhirError, type FhirStore, type UpsertItem, type UpsertRefusal, upsertBatch } from '@sahti/fhir';
import { RELATION_TYPES } from '../../access/relations/sources.ts';
import type { JobContext } from '../../jobs/index.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import {
  claimImport,
  dropStagedLines,
  findImport,
  finishImport,
  ImportCancelled,
  type ImportJob,
  recordProgress,
  stagedLines,
} from './imports.ts';
import { auditImport, auditWrites } from './manifest.ts';
import type { StagedLine } from './prepare.ts';
import { PreparePool } from './prepare-pool.ts';
import type { BulkImportSettings } from './settings.ts';

export const RUN_JOB = 'bulk-import.run';

interface Batch {
  items: UpsertItem[];
  refusals: UpsertRefusal[];
  /** The first line after this batch. */
  nextLine: number;
}

/**
 * The next batch: its lines prepared (prepare-pool.ts), cut before a resource named twice (its
 * second line starts the next batch, prepared again then).
 */
export async function assembleBatch(rows: StagedLine[], pool: PreparePool): Promise<Batch> {
  const batch: Batch = { items: [], refusals: [], nextLine: (rows.at(-1)?.line ?? 0) + 1 };
  const seen = new Set<string>();
  for (const prepared of await pool.prepare(rows)) {
    if ('outcome' in prepared) {
      batch.refusals.push(prepared);
      continue;
    }
    const key = `${prepared.version.resourceType}/${prepared.version.id}`;
    if (seen.has(key)) {
      batch.nextLine = prepared.line;
      batch.refusals = batch.refusals.filter((r) => r.line < prepared.line);
      return batch;
    }
    seen.add(key);
    batch.items.push(prepared);
  }
  return batch;
}

export function runImportJob(ctx: ModuleContext, settings: BulkImportSettings) {
  return async (payload: { importId: string }, job: JobContext): Promise<void> => {
    const id = payload.importId;
    if (!(await claimImport(ctx.db, id))) return; // finished, cancelled or forgotten meanwhile
    const started = await findImport(ctx.db, id);
    if (!started) return;
    const access = await ctx.access.resolve(started.principal);
    const store = ctx.store.as(access);
    const pool = new PreparePool(store.rules, settings.workers);
    const next = async (from: number): Promise<Batch | undefined> => {
      const rows = await stagedLines(ctx.db, id, from, settings.batchLines);
      return rows.length === 0 ? undefined : assembleBatch(rows, pool);
    };
    let ended: ImportJob | undefined;
    try {
      let batch = await next(started.nextLine);
      while (batch) {
        if (job.signal.aborted) throw new Error('the job was stopped; it resumes at its next attempt');
        // the next batch is read and built while this one is written (one transaction each, in order)
        const [written, following] = await Promise.all([
          writeBatch(ctx, store, started, batch),
          next(batch.nextLine),
        ]);
        if (written.some((t) => RELATION_TYPES.has(t))) ctx.access.careViews.invalidate();
        ctx.events.nudge();
        batch = following;
      }
      ended = await finishImport(ctx.db, id, 'completed');
    } catch (err) {
      // cancelled: the DELETE that cancelled it recorded the audit event
      if (err instanceof ImportCancelled) return;
      // retried (or taken over after a stop): resumes at the last committed batch
      if (job.signal.aborted || job.attempt < job.maxAttempts) throw err;
      ended = await finishImport(
        ctx.db,
        id,
        'failed',
        'The import stopped on an internal error; it has been logged',
      );
      ctx.log.error(`bulk-import ${id}: ${(err as Error).message}`);
    } finally {
      // the summary event first, before anything else is awaited: a client polling the status URL
      // that sees the job ended finds its event queued (a cancelled job was audited by the DELETE)
      if (ended) auditImport(ctx.audit, ended, ended.status);
      await pool.close();
    }
    await dropStagedLines(ctx.db, id);
  };
}

/** Writes one batch (falling back to line by line when refused as a whole); returns the types written. */
async function writeBatch(
  ctx: ModuleContext,
  store: FhirStore,
  job: { id: string; principal: Principal },
  batch: Batch,
): Promise<string[]> {
  const id = job.id;
  try {
    const result = await upsertBatch(store, batch.items, (tx, r) =>
      recordProgress(tx, id, {
        nextLine: batch.nextLine,
        written: r.written,
        refusals: [...batch.refusals, ...r.refused],
      }),
    );
    const refused = new Set(result.refused.map((r) => r.line));
    auditWrites(
      ctx.audit,
      job,
      batch.items.filter((item) => !refused.has(item.line)),
    );
    return Object.keys(result.written);
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
  }
  // one line at a time, in order: each commits with the progress up to it
  const refusals = [...batch.refusals];
  const types = new Set<string>();
  for (const [i, item] of batch.items.entries()) {
    const upTo = i + 1 < batch.items.length ? batch.items[i + 1].line : batch.nextLine;
    const before = refusals.filter((r) => r.line < upTo);
    try {
      const result = await upsertBatch(store, [item], (tx, r) =>
        recordProgress(tx, id, { nextLine: upTo, written: r.written, refusals: [...before, ...r.refused] }),
      );
      if (result.refused.length === 0) {
        auditWrites(ctx.audit, job, [item]);
        types.add(item.version.resourceType);
      }
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      await ctx.db.transaction((tx) =>
        recordProgress(tx, id, {
          nextLine: upTo,
          written: {},
          refusals: [...before, { line: item.line, outcome: err.outcome }],
        }),
      );
    }
    for (const r of before) refusals.splice(refusals.indexOf(r), 1);
  }
  if (refusals.length > 0)
    await ctx.db.transaction((tx) =>
      recordProgress(tx, id, { nextLine: batch.nextLine, written: {}, refusals }),
    );
  return [...types];
}
