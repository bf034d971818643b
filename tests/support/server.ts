/**
 * Starts the real platform for one integration-test file, on the backend the runner chose:
 * SAHTI_TEST_DB=pglite (in-memory PGlite, the default) or SAHTI_TEST_DB=postgres with a fresh
 * database created on the SAHTI_TEST_DATABASE_URL server (dropped again on close).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { AuthConfig } from '../../packages/server/src/auth/index.ts';
import type { Config } from '../../packages/server/src/kernel/config.ts';
import type { SahtiModule } from '../../packages/server/src/kernel/module.ts';
import { createPlatform, type Platform } from '../../packages/server/src/platform.ts';

export interface TestServer {
  platform: Platform;
  /** e.g. http://localhost:41234 */
  url: string;
  /** e.g. http://localhost:41234/fhir/R4 */
  fhirBase: string;
  /** A system/*.* bearer token of the test's system client (what fhirFetch sends by default). */
  token: string;
  backend: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export function testBackend(): 'pglite' | 'postgres' {
  return process.env.SAHTI_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

/**
 * A fresh database on the test PostgreSQL server; returns its URL and a drop function. Empty, or with
 * `migrated`, a copy of the migrated template scripts/test.ts made for the pass
 * (SAHTI_TEST_PG_TEMPLATE) when there is one.
 */
export async function freshPostgresDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.SAHTI_TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('SAHTI_TEST_DB=postgres needs SAHTI_TEST_DATABASE_URL');
  const name = `sahti_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? process.env.SAHTI_TEST_PG_TEMPLATE : undefined;
  if (template !== undefined && !/^[a-z_][a-z0-9_]*$/.test(template))
    throw new Error(`SAHTI_TEST_PG_TEMPLATE is not a database name: ${template}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The migrated cluster scripts/test.ts made for this pass (SAHTI_TEST_PGLITE_TEMPLATE), read once
 * per test process; undefined when a file runs alone: its servers then run initdb.
 */
let template: Blob | undefined;
function pgliteTemplate(): Blob | undefined {
  const path = process.env.SAHTI_TEST_PGLITE_TEMPLATE;
  if (!path) return undefined;
  template ??= new Blob([readFileSync(path)]);
  return template;
}

/** `options.auth` overrides identity settings (token lifetime, lockout policy, SMTP_URL…). */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: { auth?: Partial<AuthConfig>; modules?: SahtiModule[] } = {},
): Promise<TestServer> {
  const backend = testBackend();
  // a test that brings its own database (a primary with a replica, say) gets no fresh one
  const database =
    backend === 'postgres' && !overrides.databaseUrl
      ? await freshPostgresDatabase({ migrated: true })
      : undefined;
  const embeddedTemplate = backend === 'pglite' && !overrides.dataDir ? pgliteTemplate() : undefined;
  const platform = await createPlatform(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: '',
      databaseUrl: database?.url,
      seedDemo: false,
      bodyLimit: 8 * 1024 * 1024,
      accessControl: true,
      // generous: fuzz and leak-hunt tests send thousands of requests; throttling has its own test
      rateLimitPerMinute: 1_000_000,
      bootstrapClient: `${TEST_CLIENT_ID}:${TEST_CLIENT_SECRET}`,
      ...(embeddedTemplate ? { embeddedTemplate } : {}),
      ...overrides,
    },
    { auth: options.auth, ...(options.modules ? { modules: options.modules } : {}) },
  );
  const url = await platform.listen();
  const fhirBase = `${url}/fhir/R4`;
  const token = await clientToken(url, TEST_CLIENT_ID, TEST_CLIENT_SECRET, 'system/*.*');
  defaultTokens.set(fhirBase, token);
  return {
    platform,
    url,
    fhirBase,
    token,
    backend,
    async close() {
      defaultTokens.delete(fhirBase);
      await platform.close();
      await database?.drop();
    },
  };
}

const TEST_CLIENT_ID = 'test-system';
const TEST_CLIENT_SECRET = 'test-system-secret-0123456789';
/** fhirFetch authenticates as the test system client unless a test passes its own Authorization. */
const defaultTokens = new Map<string, string>();

/** A client-credentials token from the server's OAuth2 endpoint. */
export async function clientToken(
  url: string,
  clientId: string,
  secret: string,
  scope: string,
): Promise<string> {
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A small FHIR JSON client over fetch, for tests that check raw HTTP behaviour. */
export async function fhirFetch(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/fhir+json',
      ...(defaultTokens.has(base) ? { authorization: `Bearer ${defaultTokens.get(base)}` } : {}),
      ...init.headers,
    },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}
