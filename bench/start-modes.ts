/**
 * The ways the embedded server is started, read from package.json (`npm start`, `npm run
 * start:small`) so that a benchmark measures the node flags that ship.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** A way of starting the server: its npm script (or "tried") and the node flags it passes. */
export interface Mode {
  name: string;
  nodeFlags: string[];
}

/** The node flags of an npm script `node [flags] packages/server/src/main.ts`. */
function scriptFlags(script: string): string[] {
  const words = script.trim().split(/\s+/);
  const main = words.indexOf('packages/server/src/main.ts');
  if (words[0] !== 'node' || main < 0) throw new Error(`not a server start script: ${script}`);
  return words.slice(1, main);
}

/** `npm start` and `npm run start:small`, plus a way to try when `tried` holds node flags. */
export function startModes(tried?: string): Mode[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const shipped = ['start', 'start:small'].map((name) => ({
    name: `npm ${name === 'start' ? 'start' : `run ${name}`}`,
    nodeFlags: scriptFlags(scripts[name]),
  }));
  return tried ? [...shipped, { name: 'tried', nodeFlags: tried.split(/\s+/).filter(Boolean) }] : shipped;
}
