/** The scheduled job that signs and exports the audit chain's head (audit/anchor.ts). */
import type { SqlExecutor } from '@sahti/fhir';
import type { SigningKeys } from '../auth/keys.ts';
import type { JobRunner } from '../jobs/index.ts';
import { exportAnchor, makeAnchor } from './anchor.ts';

export const ANCHOR_JOB = 'audit.anchor';

export function scheduleAuditAnchors(deps: {
  jobs: JobRunner;
  db: SqlExecutor;
  keys: SigningKeys;
  log: { info(message: string): void };
  env?: NodeJS.ProcessEnv;
}): void {
  const env = deps.env ?? process.env;
  const minutes = Number(env.SAHTI_AUDIT_ANCHOR_MINUTES ?? 60);
  if (!Number.isFinite(minutes) || minutes <= 0) return;
  const file = env.SAHTI_AUDIT_ANCHOR_FILE || undefined;
  deps.jobs.register(ANCHOR_JOB, async () => {
    const anchor = await makeAnchor(deps.db, deps.keys);
    if (!anchor) return;
    await exportAnchor(anchor, file);
    // the log line is an export too: logs are shipped off the machine
    deps.log.info(`audit anchor seq=${anchor.seq} hash=${anchor.hash} jws=${anchor.jws}`);
  });
  deps.jobs.schedule(ANCHOR_JOB, `every ${minutes} minutes`);
}
