/**
 * /metrics in the Prometheus text format (prom-client, one registry per platform): HTTP requests by
 * route pattern and status with latency histograms, the database connections, the job queues, the
 * notification backlog, the audit writer, and Node's process metrics. Values that live in the
 * database or in other modules are read when Prometheus scrapes, not kept up to date in between.
 * Labels hold only closed sets (methods, route patterns, statuses, job names, channels): never ids,
 * query strings or anything about a person. docs/operations.md lists every metric.
 */
import { analyzeStats, outcome, type SqlClient } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditLogStats } from '../audit/index.ts';
import { type EmbeddedMaintenance, embeddedMaintenance, embeddedPending } from '../db/pglite.ts';
import type { MaintenanceStats } from '../db/pglite-checkpoints.ts';
import { serverPool } from '../db/postgres.ts';
import type { JobStats } from '../jobs/index.ts';
import { outboxBacklog } from '../notify/index.ts';
import { metricsAccess } from './metrics-access.ts';
import { RouteLabels } from './route-label.ts';

export interface MetricsDeps {
  db: SqlClient;
  jobs: { readonly running: boolean; stats(): Promise<JobStats> };
  audit: { stats(): AuditLogStats };
  /** Base path of the FHIR API (its one wildcard route is labelled by shape). */
  fhirBase: string;
  /** The engine has an operation of this name (without `$`). */
  isOperation(name: string): boolean;
  /** Bearer token for scrapes from other machines (SAHTI_METRICS_TOKEN); loopback needs none. */
  token?: string;
  log: { warn(message: string): void };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BACKLOG_STATUSES = ['pending', 'queued', 'failed'] as const;
const CHANNELS = ['email', 'sms'] as const;

export function registerMetrics(app: FastifyInstance, deps: MetricsDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const routes = new RouteLabels(deps.fhirBase, deps.isOperation);
  const collectErrors = new Counter({
    name: 'sahti_metrics_collect_errors_total',
    help: 'Scrapes where a source could not be read (its metrics are then absent)',
    labelNames: ['source'],
    registers: [registry],
  });
  const guarded = async (source: string, work: () => Promise<void> | void): Promise<void> => {
    try {
      await work();
    } catch (err) {
      collectErrors.inc({ source });
      deps.log.warn(`metrics: ${source} could not be read: ${(err as Error).message}`);
    }
  };

  // ---- HTTP --------------------------------------------------------------------------------
  const requests = new Counter({
    name: 'sahti_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sahti_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: routes.label(req.routeOptions.url, req.url),
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });

  // ---- database ----------------------------------------------------------------------------
  const pool = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['dialect'],
      registers: [registry],
      collect() {
        this.reset();
        const value = read();
        if (value !== undefined) this.set({ dialect: deps.db.dialect }, value);
      },
    });
  const pending = () => embeddedPending(deps.db) ?? 0;
  pool('sahti_db_pool_connections', 'Connections of the database pool (PGlite: its one connection)', () =>
    deps.db.dialect === 'pglite' ? 1 : serverPool(deps.db)?.totalCount,
  );
  pool('sahti_db_pool_idle', 'Open connections not in use', () =>
    deps.db.dialect === 'pglite' ? (pending() === 0 ? 1 : 0) : serverPool(deps.db)?.idleCount,
  );
  pool(
    'sahti_db_pool_waiting',
    'Calls waiting for a connection (PGlite: queued behind the one connection)',
    () => (deps.db.dialect === 'pglite' ? Math.max(0, pending() - 1) : serverPool(deps.db)?.waitingCount),
  );

  // ---- jobs --------------------------------------------------------------------------------
  new Gauge({
    name: 'sahti_jobs_runner_up',
    help: '1 while the job runner of this process runs',
    registers: [registry],
    collect() {
      this.set(deps.jobs.running ? 1 : 0);
    },
  });
  // the gauges and counters below share one stats() call per scrape
  let jobStats: { at: number; stats: Promise<JobStats | undefined> } | undefined;
  const readJobs = (): Promise<JobStats | undefined> => {
    if (!jobStats || Date.now() - jobStats.at > 1000) {
      const stats = deps.jobs.stats().catch((err: Error) => {
        collectErrors.inc({ source: 'jobs' });
        deps.log.warn(`metrics: jobs could not be read: ${err.message}`);
        return undefined;
      });
      jobStats = { at: Date.now(), stats };
    }
    return jobStats.stats;
  };
  new Gauge({
    name: 'sahti_jobs_queue_depth',
    help: 'Jobs per queue and state (ready, deferred, active, failed), as of the last supervision pass',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await readJobs())?.queues ?? []) {
        for (const state of ['ready', 'deferred', 'active', 'failed'] as const) {
          this.set({ queue: q.name, state }, q[state]);
        }
      }
    },
  });
  new Gauge({
    name: 'sahti_jobs_dead_letters',
    help: 'Dead letters waiting for an administrator',
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await readJobs();
      if (stats) this.set(stats.deadLetters);
    },
  });
  const jobCounter = (name: string, help: string, field: 'completed' | 'failedAttempts' | 'dead') =>
    new Counter({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        const counters = (await readJobs())?.counters ?? {};
        for (const [queue, c] of Object.entries(counters)) this.inc({ queue }, c[field]);
      },
    });
  jobCounter('sahti_jobs_completed_total', 'Jobs completed by this process', 'completed');
  jobCounter(
    'sahti_jobs_failed_attempts_total',
    'Job attempts that failed in this process (retried or not)',
    'failedAttempts',
  );
  jobCounter('sahti_jobs_dead_total', 'Jobs that became dead letters in this process', 'dead');

  // ---- notifications -----------------------------------------------------------------------
  new Gauge({
    name: 'sahti_notifications_backlog',
    help: 'Notifications not sent, by status (pending, queued, failed) and channel',
    labelNames: ['status', 'channel'],
    registers: [registry],
    async collect() {
      this.reset();
      await guarded('notifications', async () => {
        const rows = await outboxBacklog(deps.db);
        for (const status of BACKLOG_STATUSES)
          for (const channel of CHANNELS) this.set({ status, channel }, 0);
        for (const row of rows) this.set({ status: row.status, channel: row.channel }, row.count);
      });
    },
  });

  // ---- planner statistics ------------------------------------------------------------------
  new Counter({
    name: 'sahti_db_analyze_total',
    help: 'ANALYZEs run by this process (at start and in the background as data grow), by outcome: alert on failed',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const stats = analyzeStats(deps.db);
      this.inc({ outcome: 'ok' }, stats.runs - stats.failures);
      this.inc({ outcome: 'failed' }, stats.failures);
    },
  });
  new Counter({
    name: 'sahti_db_analyze_seconds_total',
    help: 'Wall time of those ANALYZEs (on the embedded database, time its one connection was held)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(analyzeStats(deps.db).seconds);
    },
  });

  new Gauge({
    name: 'sahti_db_token_distinct_share',
    help: "Share of the token index rows holding distinct values after the last ANALYZE: the planner's (of=planner) and the server's measure (of=measured; absent where ANALYZE read the whole table)",
    labelNames: ['of'],
    registers: [registry],
    collect() {
      this.reset();
      const distinct = analyzeStats(deps.db).tokenValueDistinct;
      if (!distinct) return;
      this.set({ of: 'planner' }, distinct.planner);
      if (distinct.measured !== undefined) this.set({ of: 'measured' }, distinct.measured);
    },
  });

  // ---- the embedded database's checkpoints and vacuums (PostgreSQL runs its own) -------------
  /** A count by outcome and a time for work this process does on the embedded database. */
  const embeddedWork = (
    name: string,
    help: string,
    read: (work: EmbeddedMaintenance) => MaintenanceStats,
  ) => {
    const statsOf = () => {
      const work = embeddedMaintenance(deps.db);
      return work && read(work);
    };
    new Counter({
      name: `${name}_total`,
      help: `${help} by this process on the embedded database (PostgreSQL runs its own), by outcome: alert on failed`,
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        const stats = statsOf();
        if (!stats) return;
        this.inc({ outcome: 'ok' }, stats.runs);
        this.inc({ outcome: 'failed' }, stats.failures);
      },
    });
    new Counter({
      name: `${name}_seconds_total`,
      help: "Wall time of those (the embedded database's one connection was held that long)",
      registers: [registry],
      collect() {
        this.reset();
        const stats = statsOf();
        if (stats) this.inc(stats.seconds);
      },
    });
  };
  embeddedWork('sahti_db_checkpoints', 'Checkpoints run', (work) => work.checkpoints);
  embeddedWork('sahti_db_vacuums', 'Tables vacuumed', (work) => work.vacuums);

  // ---- audit -------------------------------------------------------------------------------
  new Gauge({
    name: 'sahti_audit_queued',
    help: 'Audit events waiting to be written',
    registers: [registry],
    collect() {
      this.set(deps.audit.stats().queued);
    },
  });
  const auditCounter = (name: string, help: string, field: 'written' | 'dropped' | 'failedFlushes') =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(deps.audit.stats()[field]);
      },
    });
  auditCounter('sahti_audit_written_total', 'Audit events written by this process', 'written');
  auditCounter(
    'sahti_audit_dropped_total',
    'Audit events dropped (queue full or log closed): alert on any',
    'dropped',
  );
  auditCounter(
    'sahti_audit_failed_flushes_total',
    'Audit batches whose write failed (retried): alert on any',
    'failedFlushes',
  );

  // ---- the route ---------------------------------------------------------------------------
  app.get('/metrics', { config: { rateLimit: false }, logLevel: 'warn' }, async (req, reply) => {
    const access = metricsAccess(req, deps.token);
    if (access === 'local-only') {
      return refusal(
        reply,
        403,
        'forbidden',
        '/metrics answers on loopback only; set SAHTI_METRICS_TOKEN to scrape from elsewhere',
      );
    }
    if (access === 'needs-token') {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return refusal(reply, 401, 'login', '/metrics needs the bearer token of SAHTI_METRICS_TOKEN');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}

function refusal(
  reply: FastifyReply,
  status: number,
  code: 'forbidden' | 'login',
  text: string,
): FastifyReply {
  return reply
    .code(status)
    .type('application/fhir+json; charset=utf-8')
    .send(JSON.stringify(outcome('error', code, text)));
}
