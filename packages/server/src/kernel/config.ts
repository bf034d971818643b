/** Configuration from the environment, read once at start. */
export interface Config {
  port: number;
  host: string;
  /** Public base URL of the server (without /fhir/R4); derived from the listening address if unset. */
  publicUrl?: string;
  databaseUrl?: string;
  dataDir: string;
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
}

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
  };
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
