/**
 * Assembles the platform: database, FHIR engine, the kernel services (identity, access, audit, jobs,
 * notifications, events), then every module of modules/index.ts — each declaring its migrations and
 * registering its routes, operations, jobs and event handlers. Used by main.ts and by the tests.
 */
import { FhirRestHandler, FhirStore, loadDefinitions, type SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import { aggregateOperation } from './access/aggregate-operation.ts';
import { changeIdentifierOperation } from './access/identity-operation.ts';
import { type AccessLayer, createAccessLayer } from './access/layer.ts';
import { delegationsOf } from './access/relations/dependants.ts';
import { registerAccessRoutes } from './access/routes.ts';
import { buildApp } from './app.ts';
import { scheduleAuditAnchors } from './audit/anchor-job.ts';
import { type AuditLog, createAuditLog, registerAuditRoutes } from './audit/index.ts';
import { sessionAuditInput } from './audit/session-event.ts';
import { authCore } from './auth/core.ts';
import {
  type AuthConfig,
  type Authenticator,
  bootstrapSystemClient,
  createAuthenticator,
  readAuthConfig,
  registerAuthRoutes,
} from './auth/index.ts';
import { openDatabase, SERVER_MIGRATIONS } from './db/index.ts';
import { markWrites, ReplicaRouter } from './db/replicas/index.ts';
import { createEventBus, type EventBus, purgeEvents } from './events/bus.ts';
import { createFhirGate, openGate } from './fhir-gate.ts';
import { readValidationWorkers, ValidationPool } from './fhir-validation/pool.ts';
import { CNIE_SYSTEM, INPE_SYSTEM, moroccanIdentifierRule } from './identifiers/morocco.ts';
import type { JobRunner } from './jobs/index.ts';
import { startJobs } from './jobs/start.ts';
import { type Config, FHIR_BASE_PATH } from './kernel/config.ts';
import type { ModuleContext, SahtiModule } from './kernel/module.ts';
import { MODULES } from './modules/index.ts';
import type { NotificationDispatcher } from './notify/index.ts';
import { registerOperations } from './ops/index.ts';
import { webStatic } from './web-static.ts';

export interface Platform {
  app: FastifyInstance;
  db: SqlClient;
  store: FhirStore;
  handler: FhirRestHandler;
  /** Who is asking: bearer token or web session → Principal (auth/). */
  auth: Authenticator;
  audit: AuditLog;
  /** Care relationships, the access cache and decision (services open relationships through it). */
  access: AccessLayer;
  /** Durable jobs (jobs/) and the notification dispatcher that runs on them (notify/). */
  jobs: JobRunner;
  notifications: NotificationDispatcher;
  /** Events of committed writes (events/): durable handlers and in-process listeners. */
  events: EventBus;
  /** Streaming replicas serving reads that may lag (DATABASE_REPLICA_URL), when configured. */
  replicas?: ReplicaRouter;
  /** What modules were given: the same kernel, for demo seeding and tests. */
  modules: { list: SahtiModule[]; context: ModuleContext };
  /** Starts listening; returns the public base URL of the server. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger?: boolean;
  auth?: Partial<AuthConfig>;
  /** The services to load; modules/index.ts by default (tests add their own). */
  modules?: SahtiModule[];
}

export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  loadDefinitions();
  const modules = options.modules ?? MODULES;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir || undefined,
    ...(config.embeddedTemplate ? { template: config.embeddedTemplate } : {}),
    embeddedSharedBuffers: config.embeddedSharedBuffers,
    migrations: modules.flatMap((m) => m.migrations ?? []),
  });
  const rules = [moroccanIdentifierRule];
  const validation = ValidationPool.forStore(readValidationWorkers(), rules);
  const store = new FhirStore(db, {
    ...(validation ? { validateMany: validation.validateMany } : {}),
    baseUrl: `${config.publicUrl ?? `http://localhost:${config.port}`}${FHIR_BASE_PATH}`,
    rules,
    // one live record per CNIE and per INPE: the identity numbers the platform keys people on
    uniqueIdentifiers: [
      { resourceType: 'Patient', system: CNIE_SYSTEM },
      { resourceType: 'Practitioner', system: INPE_SYSTEM },
      { resourceType: 'Organization', system: INPE_SYSTEM },
    ],
    events: config.events ?? true,
  });
  const handler = new FhirRestHandler(store, {
    identity: { name: 'Sahti', version: '0.1.0', baseUrl: store.baseUrl },
  });
  handler.registerOperation(aggregateOperation);
  handler.registerOperation(changeIdentifierOperation);
  const authConfig = readAuthConfig(
    process.env,
    { publicUrl: () => store.baseUrl.slice(0, -FHIR_BASE_PATH.length), demoMode: config.seedDemo },
    options.auth,
  );
  const auth = createAuthenticator(db, authConfig);
  const audit = createAuditLog(db);
  const access = createAccessLayer({ db, store, audit });
  if (config.bootstrapClient) await bootstrapSystemClient(db, config.bootstrapClient);
  const replicas = await openReplicas(config, db);
  const gate = config.accessControl ? createFhirGate({ auth, audit, access, replicas }) : openGate;
  if (!config.accessControl)
    console.warn('SAHTI_ACCESS_CONTROL=off: the FHIR API is OPEN and NOT AUDITED (benchmarks only)');
  let events: EventBus | undefined;
  const app = await buildApp({
    handler,
    gate,
    bodyLimit: config.bodyLimit,
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
    logger: options.logger,
    hardening: {
      corsOrigins: config.corsOrigins ?? [],
      rateLimitPerMinute: config.rateLimitPerMinute ?? 1200,
    },
    // a write in this process: read its events now rather than at the next poll
    afterWrite: () => events?.nudge(),
  });
  if (replicas) markWrites(app, replicas); // read-your-writes: every route that may write counts
  await registerAuthRoutes(app, {
    db,
    config: authConfig,
    onSessionEvent: (event) => audit.record(sessionAuditInput(event)),
  });
  registerAccessRoutes(app, { store, auth, audit, access });
  registerAuditRoutes(app, {
    audit,
    authenticate: (req) => auth.authenticate(req),
    canRead: (principal, patientId) =>
      principal.fhirUser === `Patient/${patientId}` || principal.roles.includes('administrator'),
    actsFor: async (principal, patientId) => {
      const self = principal.kind === 'patient' ? principal.fhirUser?.replace(/^Patient\//, '') : undefined;
      if (!self) return false;
      const { actingFor } = await delegationsOf(db, self);
      return actingFor.some((d) => d.patient === `Patient/${patientId}`);
    },
  });
  const { jobs, notifications } = await startJobs({
    app,
    db,
    store,
    auth,
    authConfig,
    databaseUrl: config.databaseUrl,
  });
  events = createEventBus({ db, jobs, onError: (e) => app.log.error(`events: ${e.message}`) });
  const bus = events;
  store.eventPolicy.awaitedTypes = () => bus.awaitedTypes(); // events nobody awaits: written dispatched
  jobs.register('events.purge', async () => {
    await purgeEvents(db, Number(process.env.SAHTI_EVENT_RETENTION_DAYS ?? 7));
  });
  jobs.schedule('events.purge', 'every 6 hours');
  registerOperations(app, {
    db,
    jobs,
    audit,
    migrations: [...SERVER_MIGRATIONS, ...modules.flatMap((m) => m.migrations ?? [])].map((m) => m.version),
    fhirBase: FHIR_BASE_PATH,
    isOperation: (name) => handler.has(name),
    replicas,
  });
  scheduleAuditAnchors({ jobs, db, keys: authCore(db, authConfig).keys, log: app.log });

  const context: ModuleContext = {
    config,
    app,
    db,
    fhir: handler,
    store,
    auth,
    access,
    audit,
    jobs,
    events,
    log: {
      info: (m) => app.log.info(m),
      warn: (m) => app.log.warn(m),
      error: (m) => app.log.error(m),
    },
  };
  for (const module of modules) await module.register?.(context);
  events.start();
  await app.register(webStatic); // the web app at / (packages/web/dist)
  return {
    app,
    db,
    store,
    handler,
    auth,
    audit,
    access,
    jobs,
    notifications,
    events: bus,
    replicas,
    modules: { list: modules, context },
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      if (!config.publicUrl) {
        const port = new URL(address).port;
        store.baseUrl = `http://localhost:${port}${FHIR_BASE_PATH}`;
        handler.options.identity.baseUrl = store.baseUrl;
      }
      return store.baseUrl.slice(0, -FHIR_BASE_PATH.length);
    },
    async close() {
      await app.close();
      await bus.stop();
      for (const module of [...modules].reverse()) await module.close?.();
      await notifications.stop();
      await jobs.stop(); // waits for running jobs
      await audit.close();
      await replicas?.close();
      await validation?.close();
      await db.close();
    },
  };
}

/** Streaming replicas (DATABASE_REPLICA_URL) of a PostgreSQL server; PGlite has none to offer. */
async function openReplicas(config: Config, db: SqlClient): Promise<ReplicaRouter | undefined> {
  if (!config.replicas?.urls.length) return undefined;
  if (!config.databaseUrl) {
    console.warn('DATABASE_REPLICA_URL is ignored: the embedded database (PGlite) has no replicas');
    return undefined;
  }
  const router = new ReplicaRouter(db, config.databaseUrl, config.replicas, {
    info: (m) => console.info(m),
    warn: (m) => console.warn(m),
  });
  await router.start();
  return router;
}
