/** `SAHTI_IMPORT_*` settings of the bulk import. */
import { availableParallelism } from 'node:os';

export interface BulkImportSettings {
  /** Largest ndjson body accepted (413 beyond). */
  maxBytes: number;
  /** Lines written per transaction. */
  batchLines: number;
  /**
   * Worker threads that validate and index the lines (0: the job's own thread, the default: on the
   * 2 shared cores measured, a worker made imports slower — see docs/performance.md).
   */
  workers: number;
  /** Finished imports (and their refused lines) are forgotten this long after they end. */
  retentionDays: number;
}

export function readBulkImportSettings(env: NodeJS.ProcessEnv = process.env): BulkImportSettings {
  const positive = (name: string, fallback: number): number => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    maxBytes: positive('SAHTI_IMPORT_MAX_BYTES', 1024 * 1024 * 1024),
    batchLines: Math.floor(positive('SAHTI_IMPORT_BATCH_LINES', 1000)),
    retentionDays: positive('SAHTI_IMPORT_RETENTION_DAYS', 7),
    // `cores` sizes the pool to the machine: one worker per core but the job's own
    workers:
      env.SAHTI_IMPORT_WORKERS === 'cores'
        ? Math.max(1, availableParallelism() - 1)
        : Math.floor(Math.max(0, Number(env.SAHTI_IMPORT_WORKERS ?? 0) || 0)),
  };
}
