/** Assembles the platform: database, FHIR engine, HTTP app. Used by main.ts and by the tests. */
import { FhirRestHandler, FhirStore, loadDefinitions, type SqlClient } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import {
  type AuthConfig,
  type Authenticator,
  createAuthenticator,
  readAuthConfig,
  registerAuthRoutes,
} from './auth/index.ts';
import { type Config, FHIR_BASE_PATH } from './config.ts';
import { openDatabase } from './db/index.ts';
import { moroccanIdentifierRule } from './identifiers/morocco.ts';
import { webStatic } from './web-static.ts';

export interface Platform {
  app: FastifyInstance;
  db: SqlClient;
  store: FhirStore;
  handler: FhirRestHandler;
  /** Who is asking: bearer token or web session → Principal (auth/). */
  auth: Authenticator;
  /** Starts listening; returns the public base URL of the server. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createPlatform(
  config: Config,
  options: { logger?: boolean; auth?: Partial<AuthConfig> } = {},
): Promise<Platform> {
  loadDefinitions();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir || undefined });
  const store = new FhirStore(db, {
    baseUrl: `${config.publicUrl ?? `http://localhost:${config.port}`}${FHIR_BASE_PATH}`,
    rules: [moroccanIdentifierRule],
  });
  const handler = new FhirRestHandler(store, {
    identity: { name: 'Sahti', version: '0.1.0', baseUrl: store.baseUrl },
  });
  const app = buildApp({ handler, bodyLimit: config.bodyLimit, logger: options.logger });
  const authConfig = readAuthConfig(
    process.env,
    { publicUrl: () => store.baseUrl.slice(0, -FHIR_BASE_PATH.length), demoMode: config.seedDemo },
    options.auth,
  );
  const auth = createAuthenticator(db, authConfig);
  await registerAuthRoutes(app, { db, config: authConfig });
  await app.register(webStatic); // the web app at / (packages/web/dist)
  return {
    app,
    db,
    store,
    handler,
    auth,
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
      await db.close();
    },
  };
}
