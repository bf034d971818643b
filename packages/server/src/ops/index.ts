/**
 * Operations: health, metrics, request ids, graceful shutdown (see README.md). platform.ts calls
 * `registerOperations` once; app.ts uses `requestId` as Fastify's genReqId; main.ts `closeOnSignals`.
 */
import type { SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { AuditLogStats } from '../audit/index.ts';
import { type ReplicaRouter, registerReplicaMetrics } from '../db/replicas/index.ts';
import type { JobStats } from '../jobs/index.ts';
import { registerHealthRoutes } from './health.ts';
import { registerMetrics } from './metrics.ts';
import { registerRequestIds } from './request-id.ts';

export { type CheckName, type CheckResult, readinessChecks } from './health.ts';
export { metricsAccess } from './metrics-access.ts';
export { REQUEST_ID_EXTENSION, REQUEST_ID_HEADER, requestId, withRequestId } from './request-id.ts';
export { RouteLabels, UNMATCHED_ROUTE } from './route-label.ts';
export { closeOnSignals, type ShutdownOptions, shutdownSeconds } from './shutdown.ts';

export interface OperationsDeps {
  db: SqlClient;
  jobs: { readonly running: boolean; stats(): Promise<JobStats> };
  audit: { stats(): AuditLogStats };
  /** Migration versions the platform applies at start; readiness requires all of them. */
  migrations: readonly number[];
  /** Base path of the FHIR API, e.g. /fhir/R4. */
  fhirBase: string;
  /** The engine has an operation of this name (without `$`): such names may appear in route labels. */
  isOperation(name: string): boolean;
  /** Streaming replicas, when configured: their lag and where reads went. */
  replicas?: ReplicaRouter;
  env?: NodeJS.ProcessEnv;
}

export function registerOperations(app: FastifyInstance, deps: OperationsDeps): void {
  const env = deps.env ?? process.env;
  registerRequestIds(app);
  registerHealthRoutes(app, { db: deps.db, migrations: deps.migrations, jobs: deps.jobs });
  const registry = registerMetrics(app, {
    db: deps.db,
    jobs: deps.jobs,
    audit: deps.audit,
    fhirBase: deps.fhirBase,
    isOperation: deps.isOperation,
    token: env.SAHTI_METRICS_TOKEN || undefined,
    log: app.log,
  });
  if (deps.replicas) registerReplicaMetrics(registry, deps.replicas);
}
