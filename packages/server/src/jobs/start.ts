/**
 * The one call platform.ts makes: the job runner, the notification dispatcher on it, and their
 * administrators' routes, started. Handlers of other modules are registered on `jobs` before this
 * returns or after (both work); `stop` order on close: dispatcher, then runner (which waits for
 * running jobs), then the database.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FhirStore, SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { AuthConfig, Authenticator } from '../auth/index.ts';
import {
  createNotificationDispatcher,
  type NotificationDispatcher,
  patientLanguage,
  readNotifySettings,
  registerNotificationAdminRoutes,
} from '../notify/index.ts';
import { registerJobAdminRoutes } from './admin-routes.ts';
import { readJobSettings } from './config.ts';
import { createJobRunner } from './runner.ts';
import type { JobRunner } from './types.ts';

export interface JobsDeps {
  app: FastifyInstance;
  db: SqlClient;
  store: FhirStore;
  auth: Authenticator;
  /** SMTP_URL and SAHTI_MAIL_FROM are read with identity's settings (tests override them there). */
  authConfig: Pick<AuthConfig, 'smtpUrl' | 'mailFrom'>;
  databaseUrl?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startJobs(
  deps: JobsDeps,
): Promise<{ jobs: JobRunner; notifications: NotificationDispatcher }> {
  const env = deps.env ?? process.env;
  const log = {
    info: (message: string) => deps.app.log.info(message),
    warn: (message: string) => deps.app.log.warn(message),
    error: (message: string) => deps.app.log.error(message),
  };
  const jobs = createJobRunner({
    db: deps.db,
    databaseUrl: deps.databaseUrl,
    settings: readJobSettings(env),
    log,
  });
  const notifications = createNotificationDispatcher({
    db: deps.db,
    jobs,
    settings: readNotifySettings(env, deps.authConfig),
    // read without an access scope: the platform itself writes to the patient
    languageOf: async (id) => patientLanguage((await deps.store.read('Patient', id)) as Patient),
    log,
  });
  registerJobAdminRoutes(deps.app, { runner: jobs, auth: deps.auth });
  registerNotificationAdminRoutes(deps.app, { dispatcher: notifications, auth: deps.auth, db: deps.db });
  await jobs.start();
  notifications.start();
  return { jobs, notifications };
}
