// A disposable PostgreSQL cluster for tests: initdb into a temp dir, start on a
// free loopback port, hand back a URL, and wipe everything on stop().
//
// Used by scripts/test.ts for the PostgreSQL pass, and as a CLI for manual runs:
//   node scripts/pg-throwaway.ts      # prints the URL, runs until Ctrl-C
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  url: string;
  stop(): Promise<void>;
  /** Where it runs, for making a streaming replica of it (startThrowawayReplica). */
  cluster: { bin: string; dir: string; port: number };
}

/** A hot standby of a throwaway cluster: it can be stopped and started again (same folder and port). */
export interface ThrowawayReplica extends ThrowawayPostgres {
  halt(): Promise<void>;
  resume(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';
const MIN_MAJOR = 15;
const READY_TIMEOUT_MS = 30_000;

/** Newest /usr/lib/postgresql/<major>/bin that has a server, or undefined. */
async function findBinDir(): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = await readdir(PG_ROOT);
  } catch {
    return undefined;
  }
  const majors = entries
    .map((name) => Number(name))
    .filter((major) => Number.isInteger(major) && major >= MIN_MAJOR)
    .sort((a, b) => b - a);
  for (const major of majors) {
    const bin = join(PG_ROOT, String(major), 'bin');
    // Client-only installs (postgresql-client-N) ship bin/ without these.
    if (['initdb', 'postgres', 'pg_ctl'].every((tool) => existsSync(join(bin, tool)))) return bin;
  }
  return undefined;
}

// PostgreSQL refuses to run as root, so as root every server-side tool goes
// through the `postgres` OS user (the Debian packages create it).
const asRoot = process.getuid?.() === 0;

/** argv that runs `command args` as the cluster owner. */
function ownerArgv(command: string, args: string[]): [string, string[]] {
  if (!asRoot) return [command, args];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) {
    return ['runuser', ['-u', 'postgres', '--', command, ...args]];
  }
  const quoted = [command, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function runOrThrow(what: string, command: string, args: string[], cwd: string): Promise<void> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
}

/** A port the kernel just considered free; there is a small race, hence the retries in start. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Start one server; resolves once it accepts connections, or throws with its log. */
async function startServer(
  bin: string,
  dir: string,
  port: number,
  extra: readonly string[] = [],
): Promise<ChildProcess> {
  const logPath = join(dir, 'postgres.log');
  // The log goes to a file, not a pipe: the server must never block on (or die
  // with) a parent that stopped reading, and the file is shown if startup fails.
  const logFd = openSync(logPath, 'a');
  const settings = [
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${dir}`,
    // Durability is pointless for a cluster deleted after the run; these make
    // the many small transactions of the tests much cheaper.
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
    // Integration tests start several servers, each with its own pool.
    'max_connections=200',
    'shared_buffers=256MB',
    ...extra,
  ];
  const [command, args] = ownerArgv(join(bin, 'postgres'), [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    ...settings.flatMap((s) => ['-c', s]),
  ]);
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.on('error', () => {}); // surfaced below through exitCode / the readiness timeout

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited(child)) break;
    const probe = await run(
      join(bin, 'pg_isready'),
      ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres'],
      dir,
    );
    if (probe.code === 0) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
  const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  throw new Error(`PostgreSQL did not become ready on port ${port}:\n${log}`);
}

/**
 * Starts a throwaway PostgreSQL 15+ cluster, or returns undefined when no
 * server binaries are installed (callers decide whether that is fatal). `settings`: more
 * `name=value` server settings, e.g. a benchmark's `shared_preload_libraries=pg_stat_statements` to
 * count the statements of an operation.
 */
export async function startThrowawayPostgres(
  settings: readonly string[] = [],
): Promise<ThrowawayPostgres | undefined> {
  const bin = await findBinDir();
  if (!bin) return undefined;

  // /tmp is world-traversable, so the postgres user can reach a dir made there by root.
  const dir = await mkdtemp(join(tmpdir(), 'sahti-pg-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    if (asRoot) await runOrThrow('chown', 'chown', ['postgres:', dir], dir);
    // --locale=C: independent of whatever locales the machine has generated,
    // and the same collation PGlite uses, so both passes order strings alike.
    await runOrThrow(
      'initdb',
      ...ownerArgv(join(bin, 'initdb'), [
        '-D',
        join(dir, 'data'),
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ]),
      dir,
    );

    let child: ChildProcess | undefined;
    let port = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !child; attempt++) {
      port = await freePort();
      try {
        child = await startServer(bin, dir, port, settings);
      } catch (error) {
        lastError = error; // most likely someone grabbed the port in between
      }
    }
    if (!child) throw lastError;
    const server = child;

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (!exited(server)) {
          // Immediate mode: nothing in this cluster is worth a clean checkpoint.
          await run(
            ...ownerArgv(join(bin, 'pg_ctl'), ['stop', '-D', join(dir, 'data'), '-m', 'immediate', '-w']),
            dir,
          );
          if (!(await waitForExit(server, 10_000))) {
            server.kill('SIGKILL');
            await waitForExit(server, 5_000);
          }
        }
        await cleanup();
      })();
      return stopping;
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, cluster: { bin, dir, port } };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * A streaming replica of `primary` on loopback: `pg_basebackup -R` (which writes standby.signal
 * and the primary's address) into a new temp folder, started as a hot standby on its own port.
 * initdb's default pg_hba.conf already lets 127.0.0.1 replicate, and wal_level=replica is the
 * default, so the primary needs nothing more.
 */
export async function startThrowawayReplica(primary: ThrowawayPostgres): Promise<ThrowawayReplica> {
  const { bin, port: primaryPort } = primary.cluster;
  const dir = await mkdtemp(join(tmpdir(), 'sahti-pg-replica-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    if (asRoot) await runOrThrow('chown', 'chown', ['postgres:', dir], dir);
    await runOrThrow(
      'pg_basebackup',
      ...ownerArgv(join(bin, 'pg_basebackup'), [
        ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
        ...['-D', join(dir, 'data'), '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      ]),
      dir,
    );
    const port = await freePort();
    let server: ChildProcess | undefined = await startServer(bin, dir, port);
    const halt = async (): Promise<void> => {
      if (!server) return;
      const child = server;
      server = undefined;
      if (!exited(child)) {
        await run(
          ...ownerArgv(join(bin, 'pg_ctl'), ['stop', '-D', join(dir, 'data'), '-m', 'fast', '-w']),
          dir,
        );
        if (!(await waitForExit(child, 10_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 5_000);
        }
      }
    };
    const resume = async (): Promise<void> => {
      server ??= await startServer(bin, dir, port);
    };
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= halt().then(cleanup);
      return stopping;
    };
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop,
      halt,
      resume,
      cluster: { bin, dir, port },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

if (import.meta.main) {
  const pg = await startThrowawayPostgres();
  if (!pg) {
    console.error(
      `No PostgreSQL ${MIN_MAJOR}+ server binaries under ${PG_ROOT}/*/bin (Debian: apt-get install postgresql-15).`,
    );
    process.exit(1);
  }
  console.log(pg.url);
  const shutdown = () => {
    void pg.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Keep the event loop alive: the server child alone may not (its stdio is a file).
  setInterval(() => {}, 1 << 30);
}
