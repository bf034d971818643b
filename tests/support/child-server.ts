/**
 * The real server as a child process, started as `npm start` starts it (its environment and node
 * flags, read from package.json), for tests that kill it: on a free port with its own data folder
 * (or DATABASE_URL), ready once /healthz answers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startModes } from '../../bench/start-modes.ts';
import { clientToken } from './server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 120_000; // a PGlite start (after a kill -9: with WAL replay) took over 60 s on a loaded 2-core machine
const CLIENT_ID = 'durability-test';
const CLIENT_SECRET = 'durability-test-secret-0123456789';

export interface ChildServer {
  pid: number;
  fhirBase: string;
  /** A system/*.* bearer token of the bootstrap client. */
  token: string;
  /** SIGKILL (kill -9), then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Sends a signal (SIGTERM: graceful shutdown) without waiting. */
  signal(name: NodeJS.Signals): void;
  /** How the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the server wrote, for failure messages. */
  log(): string;
}

export interface ChildOptions {
  dataDir: string;
  databaseUrl?: string;
  /** More environment variables for the server. */
  env?: Record<string, string>;
}

/** Children still running, with a promise of their exit. */
const running = new Map<ChildProcess, Promise<void>>();

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startChild(options: ChildOptions): Promise<ChildServer> {
  const port = await freePort();
  const shipped = startModes()[0];
  const child = spawn(process.execPath, [...(shipped?.nodeFlags ?? []), 'packages/server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...shipped?.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SAHTI_DATA_DIR: options.dataDir,
      SAHTI_SEED_DEMO: '0',
      DATABASE_URL: options.databaseUrl ?? '',
      SAHTI_BOOTSTRAP_CLIENT: `${CLIENT_ID}:${CLIENT_SECRET}`,
      SAHTI_RATE_LIMIT: '1000000', // the test's own bursts are not what it is about
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = ended.then(() => undefined);
  running.set(child, exited);
  exited.then(() => running.delete(child));

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${tail}`);
    }
    const ok = await fetch(`${base}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid as number,
    fhirBase: `${base}/fhir/R4`,
    token: await clientToken(base, CLIENT_ID, CLIENT_SECRET, 'system/*.*'),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL');
      await exited;
    },
    signal: (name) => child.kill(name),
    exited: ended,
    log: () => tail,
  };
}

/** Kills every child still running (for `after`). */
export async function killAllChildren(): Promise<void> {
  const exits = [...running.values()];
  for (const child of running.keys()) child.kill('SIGKILL');
  await Promise.all(exits);
}

/** Kills the children still running if the test process ends without `after` (e.g. a crash). */
process.once('exit', () => {
  for (const child of running.keys()) child.kill('SIGKILL');
});

/** POST/PUT/GET JSON against a child; network errors (the server was killed) resolve to status 0. */
export async function request(
  server: ChildServer,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${server.fhirBase}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${server.token}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: 0, body: undefined };
  }
}
