/**
 * A real coturn TURN server (Debian's `coturn`, binary `turnserver`) on loopback for the browser
 * tests, with the REST credentials scheme (`use-auth-secret`) the platform computes credentials
 * for. Missing binary: the caller skips loudly, or fails when CI=true (CI installs it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export interface Coturn {
  url: string;
  secret: string;
  /** Relay allocations coturn logged (proof that media went through it). */
  allocations(): number;
  stop(): Promise<void>;
}

export function findTurnserver(): string | undefined {
  for (const path of ['/usr/bin/turnserver', '/usr/sbin/turnserver', '/usr/local/bin/turnserver'])
    if (existsSync(path)) return path;
  const which = spawnSync('sh', ['-c', 'command -v turnserver'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

export async function startCoturn(binary: string): Promise<Coturn> {
  const port = 34000 + Math.floor(Math.random() * 2000);
  const minPort = 50000 + Math.floor(Math.random() * 5000);
  const secret = randomBytes(16).toString('hex');
  const child: ChildProcess = spawn(
    binary,
    [
      '-n', // no configuration file: everything is on this line
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=sahti.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      // the two browsers are on this machine: their relayed peers are loopback addresses
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
      '--verbose',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d) => {
    log += String(d);
  });
  child.stderr?.on('data', (d) => {
    log += String(d);
  });
  const deadline = Date.now() + 10_000;
  while (!/Relay ports initialization done/.test(log)) {
    if (child.exitCode !== null) throw new Error(`turnserver exited (${child.exitCode}):\n${log}`);
    if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    allocations: () => (log.match(/ALLOCATE processed, success/g) ?? []).length,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
