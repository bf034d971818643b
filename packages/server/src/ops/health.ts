/**
 * Liveness and readiness for orchestrators and load balancers. `/health/live` says only that the
 * process answers (restart it if not); `/health/ready` says whether it should be sent traffic: the
 * database answers, every migration this build knows is applied, the job runner is running, and the
 * process is not shutting down. A failed check answers 503 with an OperationOutcome naming it.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';

export interface ReadinessDeps {
  db: SqlClient;
  /** Versions the platform applies at start (its migrate() call); all must be in sahti_migration. */
  migrations: readonly number[];
  jobs: { readonly running: boolean };
  /** Longest a database check may take before it counts as failed (ms). */
  timeoutMs?: number;
}

export type CheckName = 'database' | 'migrations' | 'jobs' | 'shutdown';

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** Why it failed (no personal data: states and counts only). */
  reason?: string;
}

const HEALTH_JSON = 'application/json; charset=utf-8';

export function registerHealthRoutes(app: FastifyInstance, deps: ReadinessDeps): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true; // a load balancer stops sending traffic while in-flight requests finish
  });
  const plain = { config: { rateLimit: false }, logLevel: 'warn' as const };
  app.get('/health/live', plain, async (_req, reply) => reply.type(HEALTH_JSON).send({ status: 'ok' }));
  app.get('/health/ready', plain, async (_req, reply) => {
    const checks = closing
      ? [{ name: 'shutdown' as const, ok: false, reason: 'the server is shutting down' }]
      : await readinessChecks(deps);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0) {
      return reply
        .type(HEALTH_JSON)
        .send({ status: 'ok', checks: Object.fromEntries(checks.map((c) => [c.name, 'ok'])) });
    }
    return reply.code(503).type('application/fhir+json; charset=utf-8').send(readinessOutcome(failed));
  });
}

export async function readinessChecks(deps: ReadinessDeps): Promise<CheckResult[]> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const database = await withTimeout(
    deps.db.query<{ version: number }>('SELECT version FROM sahti_migration'),
    timeoutMs,
  )
    .then((result) => ({ ok: true as const, applied: new Set(result.rows.map((r) => Number(r.version))) }))
    .catch((err: Error) => ({ ok: false as const, reason: err.message }));
  const checks: CheckResult[] = [];
  if (!database.ok) {
    checks.push({ name: 'database', ok: false, reason: `the database does not answer: ${database.reason}` });
    checks.push({ name: 'migrations', ok: false, reason: 'unknown: the database does not answer' });
  } else {
    checks.push({ name: 'database', ok: true });
    const missing = deps.migrations.filter((v) => !database.applied.has(v));
    checks.push(
      missing.length === 0
        ? { name: 'migrations', ok: true }
        : { name: 'migrations', ok: false, reason: `migrations not applied: ${missing.join(', ')}` },
    );
  }
  checks.push(
    deps.jobs.running
      ? { name: 'jobs', ok: true }
      : { name: 'jobs', ok: false, reason: 'the job runner is not running' },
  );
  return checks;
}

/** One issue per failed check; `details.text` is the check's name, `diagnostics` says why. */
export function readinessOutcome(failed: CheckResult[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: failed.map(
      (check): OperationOutcomeIssue => ({
        severity: 'error',
        code: 'transient',
        details: { text: check.name },
        diagnostics: `${check.name}: ${check.reason ?? 'failed'}`,
      }),
    ),
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
