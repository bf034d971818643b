/**
 * OAuth clients: system clients (client credentials: hospital IS, labs, insurers) and apps
 * (authorization code with PKCE; public apps have no secret). Secrets are scrypt hashes.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { randomToken } from './secrets.ts';

export interface OAuthClient {
  clientId: string;
  name: string;
  kind: 'system' | 'app';
  public: boolean;
  allowedScopes: string[];
  redirectUris: string[];
}

interface ClientRow {
  client_id: string;
  name: string;
  kind: 'system' | 'app';
  public: boolean;
  secret_hash: string | null;
  allowed_scopes: string[];
  redirect_uris: string[];
}

const fromRow = (row: ClientRow): OAuthClient => ({
  clientId: row.client_id,
  name: row.name,
  kind: row.kind,
  public: row.public,
  allowedScopes: row.allowed_scopes,
  redirectUris: row.redirect_uris,
});

export interface NewClient {
  clientId: string;
  name: string;
  kind: 'system' | 'app';
  /** Public apps (PKCE only) have no secret. */
  public?: boolean;
  /** Given (demo) or generated; returned once, stored as a hash. */
  secret?: string;
  allowedScopes: string[];
  redirectUris?: string[];
  demo?: boolean;
}

/** Registers a client; returns its secret (generated when not given) unless it is public. */
export async function createClient(
  db: SqlExecutor,
  input: NewClient,
): Promise<{ clientId: string; secret?: string }> {
  const client = await clientToRegister(input);
  await registerClient(db, client);
  return client.issued;
}

/** A client ready to be stored: its secret generated and hashed (the slow part, done outside any transaction). */
export interface ClientToRegister {
  input: NewClient;
  secretHash: string | null;
  /** What the caller is given once: the id and, unless public, the secret in clear. */
  issued: { clientId: string; secret?: string };
}

export async function clientToRegister(input: NewClient): Promise<ClientToRegister> {
  const secret = input.public ? undefined : (input.secret ?? randomToken());
  if (input.kind === 'system' && input.public) throw new Error('A system client cannot be public');
  return {
    input,
    secretHash: secret ? await hashPassword(secret) : null,
    issued: { clientId: input.clientId, ...(secret ? { secret } : {}) },
  };
}

/** Stores a prepared client, e.g. inside the transaction of a module's own row about it. */
export async function registerClient(db: SqlExecutor, client: ClientToRegister): Promise<void> {
  const { input } = client;
  await db.query(
    `INSERT INTO auth_client (client_id, name, kind, secret_hash, public, allowed_scopes, redirect_uris, demo)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::boolean, $6::text[], $7::text[], $8::boolean)
     ON CONFLICT (client_id) DO NOTHING`,
    [
      input.clientId,
      input.name,
      input.kind,
      client.secretHash,
      input.public ?? false,
      input.allowedScopes,
      input.redirectUris ?? [],
      input.demo ?? false,
    ],
  );
}

export async function findClient(db: SqlExecutor, clientId: string): Promise<OAuthClient | undefined> {
  const { rows } = await db.query<ClientRow>('SELECT * FROM auth_client WHERE client_id = $1::text', [
    clientId,
  ]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/**
 * The client if the secret is its own; an unknown client costs the same time as a wrong secret.
 * Each call costs a scrypt: callers admit the attempt through the throttle first (oauth-token.ts).
 */
export async function authenticateClient(
  db: SqlExecutor,
  clientId: string,
  secret: string,
): Promise<OAuthClient | undefined> {
  const { rows } = await db.query<ClientRow>('SELECT * FROM auth_client WHERE client_id = $1::text', [
    clientId,
  ]);
  const row = rows[0];
  const ok = await verifyPassword(secret, row?.secret_hash ?? (await decoyHash()));
  return row?.secret_hash && ok ? fromRow(row) : undefined;
}

/**
 * A system client named by the environment (`SAHTI_BOOTSTRAP_CLIENT=id:secret`), for automation such
 * as CI and benchmarks: created with scope system/*.* when absent. Its secret is hashed like any other.
 */
export async function bootstrapSystemClient(db: SqlExecutor, spec: string): Promise<string> {
  const colon = spec.indexOf(':');
  const clientId = spec.slice(0, colon);
  const secret = spec.slice(colon + 1);
  if (colon < 1 || secret.length < 16)
    throw new Error('SAHTI_BOOTSTRAP_CLIENT must be id:secret, the secret 16+ characters');
  await createClient(db, {
    clientId,
    name: `Bootstrap client ${clientId}`,
    kind: 'system',
    secret,
    allowedScopes: ['system/*.*'],
  });
  return clientId;
}
