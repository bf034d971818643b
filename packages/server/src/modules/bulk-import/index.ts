/**
 * Bulk import (`$import`, see README.md): ndjson staged at upload, written in batches by a durable
 * job through the engine's set-based upsert, reported in a Bulk Data style manifest.
 */
import type { ModuleContext, SahtiModule } from '../../kernel/module.ts';
import { purgeImports } from './imports.ts';
import { BULK_IMPORT_MIGRATIONS } from './migrations.ts';
import { registerImportRoutes } from './routes.ts';
import { RUN_JOB, runImportJob } from './run.ts';
import { type BulkImportSettings, readBulkImportSettings } from './settings.ts';

export { type BulkImportSettings, readBulkImportSettings } from './settings.ts';

/** `given` settings, or the environment's when the platform starts. */
export function bulkImportModule(given?: BulkImportSettings): SahtiModule {
  return {
    name: 'bulk-import',
    migrations: BULK_IMPORT_MIGRATIONS,
    async register(ctx: ModuleContext) {
      const settings = given ?? readBulkImportSettings();
      // one import at a time per process, for hours if need be: the lease is renewed while it runs
      ctx.jobs.register(RUN_JOB, runImportJob(ctx, settings), {
        concurrency: 1,
        maxAttempts: 5,
        timeoutSeconds: 12 * 3600,
      });
      ctx.jobs.register('bulk-import.purge', () => purgeImports(ctx.db, settings.retentionDays));
      ctx.jobs.schedule('bulk-import.purge', 'every 1 hours');
      await registerImportRoutes(ctx, settings);
    },
  };
}

export const bulkImport: SahtiModule = bulkImportModule();
