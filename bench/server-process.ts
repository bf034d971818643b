/**
 * Starts the real server (`packages/server/src/main.ts`) as a child process, so that its memory is
 * measured apart from the load generator, and reads that memory from /proc/<pid>/status.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const READY_TIMEOUT_MS = 120_000;

export interface ServerProcess {
  pid: number;
  port: number;
  logPath: string;
  /** Resident memory now and the high-water mark, in MiB (VmRSS / VmHWM). */
  memory(): { rssMiB: number; peakMiB: number };
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** PGlite data folder (SAHTI_DATA_DIR), or… */
  dataDir?: string;
  /** …a PostgreSQL database URL. */
  databaseUrl?: string;
  /** Folder for the server's log file. */
  logDir: string;
  /**
   * Authentication, authorisation and audit of the FHIR API (SAHTI_ACCESS_CONTROL). When on, a
   * system client is bootstrapped (SAHTI_BOOTSTRAP_CLIENT) for the load generator's token.
   */
  access: { on: false } | { on: true; clientId: string; secret: string };
  /** Extra environment, e.g. SAHTI_DB_POOL. */
  env?: Record<string, string>;
  /** Flags for node itself, before the script (e.g. --liftoff-only). */
  nodeArgs?: string[];
  /** The checkout whose server runs (default: this one), e.g. a worktree of another commit. */
  root?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS / VmHWM of a process in MiB; zeros once it has gone. */
export function processMemory(pid: number): { rssMiB: number; peakMiB: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return { rssMiB: 0, peakMiB: 0 };
  }
}

/**
 * The resident part of glibc's main heap (`[heap]`, what `malloc` gets by `brk`) in MiB; 0 once the
 * process has gone. The process's heap counters do not see it: buffers that glibc keeps there after
 * they are freed showed here first (docs/performance.md, *glibc's allocator kept the buffers of a
 * large bundle*).
 */
export function glibcHeapMiB(pid: number): number {
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const start = smaps.search(/ \[heap\]\n/);
    if (start < 0) return 0;
    const rss = /^Rss:\s+(\d+) kB/m.exec(smaps.slice(start));
    return Number(rss?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const logPath = join(options.logDir, `server-${port}.log`);
  // the server logs every request (pino); a file, never an unread pipe that would block it
  const logFd = openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SAHTI_SEED_DEMO: '0',
    SAHTI_DATA_DIR: options.dataDir ?? '',
    DATABASE_URL: options.databaseUrl ?? '',
    SAHTI_ACCESS_CONTROL: options.access.on ? 'on' : 'off',
    SAHTI_BOOTSTRAP_CLIENT: options.access.on ? `${options.access.clientId}:${options.access.secret}` : '',
    // the load generator is one client; the per-client limit would measure the limiter, not the
    // server (the limiter itself still runs on every request)
    SAHTI_RATE_LIMIT: '1000000000',
    ...options.env,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(options.root ?? ROOT, 'packages/server/src/main.ts')],
    {
      cwd: options.root ?? ROOT,
      env,
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid as number;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode}):\n${readFileSync(logPath, 'utf8').slice(-3000)}`,
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer /healthz in ${READY_TIMEOUT_MS / 1000} s`);
    }
    await sleep(200);
  }

  return {
    pid,
    port,
    logPath,
    memory: () => processMemory(pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM'); // main.ts closes the database on SIGTERM (PGlite flushes its files)
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
