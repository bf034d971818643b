/**
 * One owner at a time for an embedded database folder. PGlite has no lock of its own: two
 * processes opening the same folder would both write to it and corrupt it. The owner leaves a small
 * file beside the folder (`<dir>.owner`) naming its process; another process refuses to open the
 * folder while that process is alive. A file left by a process that died (kill -9) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface EmbeddedOwner {
  pid: number;
  host: string;
  since: string;
}

/** Thrown when another live process holds the folder; the message tells what to do. */
export class EmbeddedDatabaseInUse extends Error {
  readonly dir: string;
  readonly owner: EmbeddedOwner;
  constructor(dir: string, owner: EmbeddedOwner) {
    super(
      `the embedded database ${dir} is in use by process ${owner.pid} (since ${owner.since}); ` +
        'PGlite has one owner at a time: stop that process (the Sahti server) first',
    );
    this.name = 'EmbeddedDatabaseInUse';
    this.dir = dir;
    this.owner = owner;
  }
}

const ownerFile = (dir: string): string => `${dir.replace(/\/+$/, '')}.owner`;

/** The live process other than this one that holds `dir`, if any. */
export function embeddedOwner(dir: string): EmbeddedOwner | undefined {
  let owner: EmbeddedOwner;
  try {
    owner = JSON.parse(readFileSync(ownerFile(dir), 'utf8')) as EmbeddedOwner;
  } catch {
    return undefined;
  }
  if (owner.pid === process.pid || owner.host !== hostname()) return undefined;
  return isAlive(owner.pid) ? owner : undefined;
}

/** Claims `dir` for this process (refused while another live process holds it); returns the release. */
export function claimEmbedded(dir: string): () => void {
  const holder = embeddedOwner(dir);
  if (holder) throw new EmbeddedDatabaseInUse(dir, holder);
  const file = ownerFile(dir);
  mkdirSync(dirname(file), { recursive: true });
  const mine: EmbeddedOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(mine)}\n`);
  return () => {
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedOwner;
      if (current.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
