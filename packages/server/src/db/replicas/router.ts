/**
 * Reads that may lag go to PostgreSQL streaming replicas (DATABASE_REPLICA_URL). Every `checkMs`
 * one round samples the primary's WAL position, then asks each replica whether it is a standby
 * and how far it has replayed — on connections of their own, so a busy pool never delays a check
 * (a delayed check only makes a replica look older, never fresher). freshness.ts turns that into
 * each replica's lag and decides every read: a usable replica that holds the reader's own writes,
 * else the primary. A replica that fails during a read is left out until its next good check and
 * the read is answered by the primary: a replica's trouble never reaches the client.
 */
import type { QueryOptions, SqlClient, SqlExecutor, SqlResult } from '@sahti/fhir';
import pg from 'pg';
import type { ReplicaConfig } from '../../kernel/config.ts';
import { runStatement, statementNames } from '../postgres.ts';
import { chooseRoute, lagMs, PrimaryTimeline, type ReplicaState, usable, WriterMarks } from './freshness.ts';
import { DEFAULT_WAL_LAYOUT, parseLsn, type WalLayout, walEnd } from './wal.ts';

/** What one replica looks like from this process (metrics, logs). */
export interface ReplicaStatus {
  /** Its position in DATABASE_REPLICA_URL, from 1: never its address (metrics labels). */
  name: string;
  up: boolean;
  usable: boolean;
  lagSeconds?: number;
  lagBytes?: number;
  /** Reads it answered, and reads it failed that the primary answered instead. */
  served: number;
  fallbacks: number;
}

/** Reads routed by this process since it started. */
export interface RoutingCounts {
  replica: number;
  ownWrite: number;
  noUsableReplica: number;
}

/** What the FHIR gate and the HTTP hooks need: a reader per principal, and the writes they make. */
export interface ReadRouting {
  readerFor(principalKey: string): () => SqlExecutor;
  beginWrite(principalKey: string): void;
  endWrite(principalKey: string): void;
}

interface Log {
  info(message: string): void;
  warn(message: string): void;
}

/** A read that outlives this on a replica is answered by the primary instead. */
const READ_TIMEOUT_MS = 30_000;
/** A request still writing after this long is taken as finished (it never reported its end). */
const STUCK_WRITE_MS = 10 * 60_000;

class Replica {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
  checker?: pg.Client;
  state: ReplicaState = { up: false };
  replayed?: bigint;
  problem?: string;
  served = 0;
  fallbacks = 0;
  readonly nameOf = statementNames();

  constructor(index: number, url: string, poolSize: number, log: Log) {
    this.name = String(index + 1);
    this.url = url;
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      application_name: 'sahti-replica-read',
      connectionTimeoutMillis: 2000,
      query_timeout: READ_TIMEOUT_MS,
    });
    this.pool.on('error', (err) => log.warn(`replica ${this.name}: idle connection lost (${err.message})`));
  }
}

export class ReplicaRouter implements ReadRouting {
  private readonly replicas: Replica[];
  private readonly timeline = new PrimaryTimeline();
  private readonly marks = new WriterMarks();
  private layout: WalLayout = DEFAULT_WAL_LAYOUT;
  private sampler?: pg.Client;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private closed = false;
  private turn = 0;
  readonly counts: RoutingCounts = { replica: 0, ownWrite: 0, noUsableReplica: 0 };

  private readonly primary: SqlClient;
  private readonly primaryUrl: string;
  readonly config: ReplicaConfig;
  private readonly log: Log;

  constructor(
    primary: SqlClient,
    primaryUrl: string,
    config: ReplicaConfig,
    log: Log,
    poolSize = Number(process.env.SAHTI_DB_POOL ?? 10),
  ) {
    this.primary = primary;
    this.primaryUrl = primaryUrl;
    this.config = config;
    this.log = log;
    this.replicas = config.urls.map((url, i) => new Replica(i, url, poolSize, log));
  }

  /** Reads the WAL layout, runs a first check round, then checks every `checkMs`. */
  async start(): Promise<void> {
    try {
      const { rows } = await this.primary.query<{ block: number; segment: string }>(
        `SELECT current_setting('wal_block_size')::int AS block,
                pg_size_bytes(current_setting('wal_segment_size'))::text AS segment`,
      );
      this.layout = { blockSize: rows[0].block, segmentSize: Number(rows[0].segment) };
    } catch (err) {
      this.log.warn(
        `replicas: WAL layout unknown, assuming PostgreSQL's defaults (${(err as Error).message})`,
      );
    }
    await this.checkNow();
    this.schedule();
  }

  /** One check round now (tests, start). */
  checkNow(): Promise<void> {
    this.round ??= this.checkRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  readerFor(principalKey: string): () => SqlExecutor {
    return () => {
      const route = chooseRoute(
        this.replicas.map((r) => r.state),
        this.marks.get(principalKey),
        performance.now(),
        this.config.maxLagMs,
        this.turn++,
      );
      if (route.target === 'replica') {
        this.counts.replica += 1;
        return this.executorOf(this.replicas[route.index]);
      }
      if (route.reason === 'own-write') this.counts.ownWrite += 1;
      else this.counts.noUsableReplica += 1;
      return this.primary;
    };
  }

  beginWrite(principalKey: string): void {
    this.marks.begin(principalKey, performance.now());
  }

  endWrite(principalKey: string): void {
    this.marks.end(principalKey, performance.now());
  }

  status(): ReplicaStatus[] {
    const now = performance.now();
    const latest = this.timeline.latest?.lsn;
    return this.replicas.map((r) => {
      const lag = lagMs(r.state, now);
      const behind = latest !== undefined && r.replayed !== undefined ? latest - r.replayed : undefined;
      return {
        name: r.name,
        up: r.state.up,
        usable: usable(r.state, now, this.config.maxLagMs),
        ...(lag !== undefined ? { lagSeconds: lag / 1000 } : {}),
        ...(behind !== undefined ? { lagBytes: Number(behind > 0n ? behind : 0n) } : {}),
        served: r.served,
        fallbacks: r.fallbacks,
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
    await Promise.all([
      this.sampler?.end().catch(() => undefined),
      ...this.replicas.flatMap((r) => [r.checker?.end().catch(() => undefined), r.pool.end()]),
    ]);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.checkNow().finally(() => this.schedule());
    }, this.config.checkMs);
    this.timer.unref();
  }

  private async checkRound(): Promise<void> {
    const at = performance.now(); // before asking: every commit before `at` is within the answer
    try {
      this.sampler ??= await this.connect(this.primaryUrl, 'sahti-replica-check');
      const { rows } = await this.sampler.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      this.timeline.add({ at, lsn: walEnd(parseLsn(rows[0].lsn), this.layout) });
    } catch (err) {
      // no sample this round: the replicas' lag grows until the primary answers again
      this.log.warn(`replicas: the primary's WAL position could not be read (${(err as Error).message})`);
      void this.sampler?.end().catch(() => undefined);
      this.sampler = undefined;
    }
    await Promise.all(this.replicas.map((r) => this.checkReplica(r)));
    const now = performance.now();
    this.timeline.forgetBefore(now - this.config.maxLagMs - 2 * this.config.checkMs);
    this.marks.sweep(now, this.config.maxLagMs, STUCK_WRITE_MS);
  }

  private async checkReplica(r: Replica): Promise<void> {
    let problem: string | undefined;
    try {
      r.checker ??= await this.connect(r.url, 'sahti-replica-check');
      const { rows } = await r.checker.query<{ standby: boolean; replayed: string | null }>(
        'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed',
      );
      if (!rows[0].standby) problem = 'not a standby (promoted, or the primary itself): not used';
      else if (rows[0].replayed === null) problem = 'has replayed nothing yet';
      else {
        r.replayed = parseLsn(rows[0].replayed);
        const complete = this.timeline.completeUpTo(r.replayed);
        if (complete !== undefined && (r.state.completeUpTo === undefined || complete > r.state.completeUpTo))
          r.state.completeUpTo = complete;
      }
    } catch (err) {
      problem = `unreachable (${(err as Error).message})`;
      void r.checker?.end().catch(() => undefined);
      r.checker = undefined;
    }
    const up = problem === undefined;
    if (up !== r.state.up || problem !== r.problem) {
      if (up) this.log.info(`replica ${r.name}: up`);
      else this.log.warn(`replica ${r.name}: ${problem}; its reads go to the primary`);
    }
    r.state.up = up;
    r.problem = problem;
  }

  private get checkTimeout(): number {
    return Math.max(1000, 2 * this.config.checkMs);
  }

  private async connect(url: string, name: string): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: url,
      application_name: name,
      connectionTimeoutMillis: this.checkTimeout,
      query_timeout: this.checkTimeout, // a hung server fails its check instead of stalling the rounds
    });
    client.on('error', () => undefined); // a lost connection shows as the next query's failure
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  /** The replica's executor: what it cannot answer because of itself, the primary answers. */
  private executorOf(r: Replica): SqlExecutor {
    return {
      query: async <Row>(
        text: string,
        params?: unknown[],
        options?: QueryOptions,
      ): Promise<SqlResult<Row>> => {
        try {
          const result = await runStatement<Row>(r.pool, r.nameOf, text, params, options);
          r.served += 1;
          return result;
        } catch (err) {
          const failure = replicaFailure(err);
          if (failure === 'query') throw err; // the query's own error: the primary would say the same
          r.fallbacks += 1;
          const message = (err as Error).message;
          if (failure === 'replica') {
            if (r.state.up)
              this.log.warn(`replica ${r.name}: a read failed (${message}); left out until its next check`);
            r.state.up = false;
          } else if (failure === 'write')
            this.log.warn(`replica ${r.name}: a write reached a replica (${message})`);
          return this.primary.query<Row>(text, params, options);
        }
      },
    };
  }
}

/**
 * Why a read failed on a replica: the replica (connection lost or refused, timeout, shutting down,
 * out of resources), a conflict with replay (standbys cancel queries that hold back replay), a
 * write sent to a standby (a bug: never routed on purpose) — all answered by the primary — or the
 * query itself (bad input), which the primary would refuse alike.
 */
export function replicaFailure(err: unknown): 'replica' | 'conflict' | 'write' | 'query' {
  if (!(err instanceof pg.DatabaseError) || !err.code) return 'replica'; // no answer from the server
  const code = err.code;
  if (code === '40001') return 'conflict';
  if (code === '25006') return 'write';
  if (['08', '53', '57', '58', 'XX'].includes(code.slice(0, 2))) return 'replica';
  return 'query';
}
