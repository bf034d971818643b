/**
 * The module contract: a service of the platform (booking, teleconsultation, guest dialysis, mobile
 * units…) is one folder under `modules/` whose `index.ts` exports a SahtiModule. It declares its
 * tables (migrations) and, given the platform's kernel, registers what it brings: HTTP routes,
 * FHIR operations, jobs, event handlers, write hooks, demo data. platform.ts loops over the list;
 * nothing in a module imports the HTTP adapter's files or another module's tables.
 */
import type { FhirRestHandler, FhirStore, Migration, SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { AccessLayer } from '../access/layer.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Authenticator } from '../auth/index.ts';
import type { EventBus } from '../events/bus.ts';
import type { JobRunner } from '../jobs/index.ts';
import type { Config } from './config.ts';

export interface ModuleContext {
  config: Config;
  /** Fastify: a module adds its JSON routes (`/api/<module>/…`) here. */
  app: FastifyInstance;
  db: SqlClient;
  /** The FHIR engine's route table: a module registers its operations (`$book`, `$summary`…). */
  fhir: FhirRestHandler;
  /**
   * The unrestricted store, for what a module does on the platform's behalf after deciding itself
   * who may ask (a booking writes the Appointment the patient asked for). Requests made *as* a
   * caller go through `fhir.handle` with that caller's access.
   */
  store: FhirStore;
  auth: Authenticator;
  access: AccessLayer;
  audit: AuditLog;
  jobs: JobRunner;
  events: EventBus;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

export interface SahtiModule {
  /** Folder name; also the prefix of its routes and jobs. */
  name: string;
  /** Its own tables, versioned in its own range (see docs/architecture.md). */
  migrations?: Migration[];
  /** Wires routes, operations, jobs, event handlers and write hooks. */
  register?(ctx: ModuleContext): void | Promise<void>;
  /** Loads its synthetic demo data on the first start of an empty database; returns the count. */
  seedDemo?(ctx: ModuleContext): Promise<number>;
  /** Releases what it holds (workers, timers) when the platform closes. */
  close?(): Promise<void>;
}
