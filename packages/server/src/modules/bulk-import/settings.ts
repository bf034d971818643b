/** `SAHTI_IMPORT_*` settings of the bulk import. */
export interface BulkImportSettings {
  /** Largest ndjson body accepted (413 beyond). */
  maxBytes: number;
  /** Lines written per transaction. */
  batchLines: number;
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
  };
}
