/**
 * CPU time per request, split by who spent it: the server's node process, the PostgreSQL backends
 * serving one database, and the load generator. On a shared 2-core machine throughput moves with
 * the neighbours' load, but CPU-milliseconds per request hardly do — that is what shows where the
 * cost lies. Read from /proc (user + system time, in clock ticks of 10 ms).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux

/** utime + stime of a process in ms, or 0 once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name, which may itself hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU of the PostgreSQL backends connected to one database, found by their process title
 * ("postgres: user dbname host(port) state"). A backend that exits during a measurement takes its
 * time with it, so this undercounts when connections churn (the pools here keep theirs open).
 */
export function databaseCpuMs(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${database} `)) {
        out.set(Number(entry), processCpuMs(Number(entry)));
      }
    } catch {
      // the process ended while the list was read
    }
  }
  return out;
}

const lastSeen = new Map<string, Map<number, number>>();

/**
 * CPU ms of a database's backends so far, each backend that has exited counted as last seen: unlike
 * a plain sum of databaseCpuMs(), it never goes down when a pool closes an idle connection between
 * two readings (it misses only what such a backend spent after the previous reading).
 */
export function cumulativeDatabaseCpuMs(database: string): number {
  const seen = lastSeen.get(database) ?? new Map<number, number>();
  lastSeen.set(database, seen);
  for (const [pid, ms] of databaseCpuMs(database)) seen.set(pid, ms);
  let total = 0;
  for (const ms of seen.values()) total += ms;
  return total;
}

export interface CpuSources {
  /** The server's node process (for PGlite this includes the database). */
  serverPid?: number;
  /** PostgreSQL database whose backends are counted. */
  database?: string;
}

export interface CpuPerRequest {
  serverMs?: number;
  databaseMs?: number;
  /** The benchmark process: load generator (and, for the PGlite floor, the floor database too). */
  benchMs: number;
}

/** Starts counting; the returned function gives CPU ms per request since then. */
export function startCpu(sources: CpuSources): (requests: number) => CpuPerRequest {
  const server0 = sources.serverPid ? processCpuMs(sources.serverPid) : 0;
  const db0 = sources.database ? databaseCpuMs(sources.database) : new Map<number, number>();
  const bench0 = process.cpuUsage();
  return (requests) => {
    const per = (ms: number): number => (requests > 0 ? ms / requests : Number.NaN);
    const bench = process.cpuUsage(bench0);
    const result: CpuPerRequest = { benchMs: per((bench.user + bench.system) / 1000) };
    if (sources.serverPid) result.serverMs = per(processCpuMs(sources.serverPid) - server0);
    if (sources.database) {
      let spent = 0;
      for (const [pid, ms] of databaseCpuMs(sources.database)) spent += ms - (db0.get(pid) ?? 0);
      result.databaseMs = per(spent);
    }
    return result;
  };
}

/** The monotonic clock in microseconds: the time base of a V8 CPU profile on Linux (--profile windows). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
