/** Configuration from the environment, read once at start. */
import { isIP, isIPv4 } from 'node:net';

export interface Config {
  port: number;
  host: string;
  /** Public base URL of the server (without /fhir/R4); derived from the listening address if unset. */
  publicUrl?: string;
  databaseUrl?: string;
  dataDir: string;
  /**
   * With no dataDir (an in-memory embedded database): start from this PGlite data-directory tarball
   * (`dumpDataDir`) instead of running initdb. The test runner makes one migrated cluster per run
   * and every test server starts from it; migrations still bring it up to date.
   */
  embeddedTemplate?: Blob;
  /** The embedded database's buffer pool, as PostgreSQL writes sizes (SAHTI_EMBEDDED_SHARED_BUFFERS). */
  embeddedSharedBuffers?: string;
  seedDemo: boolean;
  /** Largest accepted request body, in bytes (transaction bundles are the big ones). */
  bodyLimit: number;
  /** Authentication, authorisation and audit of the FHIR API; off only for benchmark baselines. */
  accessControl?: boolean;
  /** Requests per minute per client (token, session or address). */
  rateLimitPerMinute?: number;
  /** Browser origins allowed to call the API (comma-separated in SAHTI_CORS_ORIGINS). */
  corsOrigins?: string[];
  /** `id:secret` of a system client (scope system/*.*) created at start, for automation. */
  bootstrapClient?: string;
  /** Events of committed writes (outbox); off only for benchmark baselines. */
  events?: boolean;
  /** Streaming replicas for reads that may lag (DATABASE_REPLICA_URL); ignored on PGlite. */
  replicas?: ReplicaConfig;
  /** Reverse proxies whose X-Forwarded-For is believed (SAHTI_TRUST_PROXY); false: none. */
  trustProxy?: TrustProxy;
}

/** Fastify's `trustProxy`: the proxies' addresses or CIDR ranges; false: none. */
export type TrustProxy = false | string[];

export interface ReplicaConfig {
  /** Replica URLs, in the order DATABASE_REPLICA_URL lists them (comma-separated). */
  urls: string[];
  /** A replica further behind than this is not read (SAHTI_REPLICA_MAX_LAG_MS, default 2000). */
  maxLagMs: number;
  /** How often each replica is checked (SAHTI_REPLICA_CHECK_MS, default 250). */
  checkMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '0.0.0.0',
    publicUrl: env.SAHTI_PUBLIC_URL?.replace(/\/$/, ''),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.SAHTI_DATA_DIR ?? './data',
    embeddedSharedBuffers: readEmbeddedSharedBuffers(env),
    seedDemo: !['0', 'false', 'no'].includes((env.SAHTI_SEED_DEMO ?? '1').toLowerCase()),
    bodyLimit: Number(env.SAHTI_BODY_LIMIT ?? 32 * 1024 * 1024),
    accessControl: (env.SAHTI_ACCESS_CONTROL ?? 'on').toLowerCase() !== 'off',
    bootstrapClient: env.SAHTI_BOOTSTRAP_CLIENT || undefined,
    events: (env.SAHTI_EVENTS ?? 'on').toLowerCase() !== 'off',
    rateLimitPerMinute: Number(env.SAHTI_RATE_LIMIT ?? 1200),
    corsOrigins: (env.SAHTI_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    replicas: readReplicaConfig(env),
    trustProxy: readTrustProxy(env),
  };
}

const SIZE = /^(\d+)(kB|MB|GB)$/;
const UNIT_KB = { kB: 1, MB: 1024, GB: 1024 * 1024 } as const;

/**
 * SAHTI_EMBEDDED_SHARED_BUFFERS: the embedded database's buffer pool (PostgreSQL's shared_buffers),
 * resident in the server's memory from its start — `64MB` by default (db/pglite.ts), more for a large
 * embedded database read often. A size as PostgreSQL writes it, from 1MB to 1GB (PGlite's
 * WebAssembly memory must hold it beside everything else); anything else stops the start with a
 * message rather than at PostgreSQL's own start.
 */
export function readEmbeddedSharedBuffers(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = (env.SAHTI_EMBEDDED_SHARED_BUFFERS ?? '').trim();
  if (value === '') return undefined;
  const size = SIZE.exec(value);
  const kB = size ? Number(size[1]) * UNIT_KB[size[2] as keyof typeof UNIT_KB] : 0;
  if (kB < 1024 || kB > 1024 * 1024)
    throw new Error(
      `SAHTI_EMBEDDED_SHARED_BUFFERS: "${value}" is not a size from 1MB to 1GB (e.g. 64MB, 256MB)`,
    );
  return value;
}

/**
 * SAHTI_TRUST_PROXY: the reverse proxies in front of the server, as a comma-separated list of
 * addresses or CIDR ranges (or proxy-addr's names loopback, linklocal, uniquelocal). Only then does
 * X-Forwarded-For name the client — the address throttles and rate limits count — and only as far
 * back as the hops through trusted proxies; unset, the header is ignored (a client could write
 * anything in it). "true" (believe any sender) is refused: it would let every client choose its
 * address; so is a number of hops, which Fastify 5 no longer honours (it cannot check the peer).
 */
export function readTrustProxy(env: NodeJS.ProcessEnv = process.env): TrustProxy {
  const value = (env.SAHTI_TRUST_PROXY ?? '').trim();
  if (value === '' || ['false', 'no', '0'].includes(value.toLowerCase())) return false;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    const prefixOk =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIPv4(address) ? 32 : 128));
    if (!named && (rest.length > 0 || !isIP(address) || !prefixOk))
      throw new Error(
        `SAHTI_TRUST_PROXY: "${entry}" is not an address or a CIDR range (e.g. 10.0.0.5,10.1.0.0/16)`,
      );
  }
  return entries;
}

function readReplicaConfig(env: NodeJS.ProcessEnv): ReplicaConfig | undefined {
  const urls = (env.DATABASE_REPLICA_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) return undefined;
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number of milliseconds`);
    return value;
  };
  return {
    urls,
    maxLagMs: positive('SAHTI_REPLICA_MAX_LAG_MS', 2000),
    checkMs: positive('SAHTI_REPLICA_CHECK_MS', 250),
  };
}

export const FHIR_BASE_PATH = '/fhir/R4';
