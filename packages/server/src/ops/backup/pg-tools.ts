/**
 * pg_dump and pg_restore for a PostgreSQL server: the newest /usr/lib/postgresql/<major>/bin that
 * has them (Debian's layout, as scripts/pg-throwaway.ts finds the server), else the PATH. The
 * password never goes on a command line (where `ps` shows it): it moves from the URL to PGPASSWORD.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

export interface PgTool {
  path: string;
  major: number;
}

export async function findPgTool(name: 'pg_dump' | 'pg_restore'): Promise<PgTool> {
  const candidates: string[] = [];
  try {
    const majors = readdirSync(PG_ROOT)
      .map(Number)
      .filter((m) => Number.isInteger(m))
      .sort((a, b) => b - a);
    for (const major of majors) candidates.push(join(PG_ROOT, String(major), 'bin', name));
  } catch {
    // no Debian layout: the PATH only
  }
  candidates.push(name);
  for (const path of candidates) {
    if (path.includes('/') && !existsSync(path)) continue;
    const version = await run(path, ['--version']).catch(() => undefined);
    const major = /(\d+)(\.\d+)?/.exec(version ?? '')?.[1];
    if (major) return { path, major: Number(major) };
  }
  throw new Error(
    `${name} not found (looked in ${PG_ROOT}/<version>/bin and on the PATH): install the PostgreSQL client tools of the server's version or newer (Debian: apt-get install postgresql-client-15)`,
  );
}

/** The URL without its password, and the environment that carries the password instead. */
export function connectionFor(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    url: parsed.toString(),
    env: password ? { ...process.env, PGPASSWORD: password } : { ...process.env },
  };
}

/** Runs a tool; resolves with its standard output, rejects with its standard error. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command.split('/').pop()} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
