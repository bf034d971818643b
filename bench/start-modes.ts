/**
 * The ways the embedded server is started, read from package.json (`npm start`, `npm run
 * start:small`) so that a benchmark measures the node flags that ship.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** A way of starting the server: its npm script (or "tried"), the environment it sets and node's flags. */
export interface Mode {
  name: string;
  nodeFlags: string[];
  env: Record<string, string>;
}

const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=(.*)$/;

/** Leading `NAME=value` words are the environment, the rest node's flags. */
function split(words: string[]): Pick<Mode, 'env' | 'nodeFlags'> {
  const first = words.findIndex((word) => !ASSIGNMENT.test(word));
  const assignments = first < 0 ? words : words.slice(0, first);
  const env = Object.fromEntries(
    assignments.map((word) => (ASSIGNMENT.exec(word) as RegExpExecArray).slice(1, 3)),
  );
  return { env, nodeFlags: first < 0 ? [] : words.slice(first) };
}

/** The environment and node flags of an npm script `[NAME=value …] node [flags] packages/server/src/main.ts`. */
function scriptMode(script: string): Pick<Mode, 'env' | 'nodeFlags'> {
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  const main = words.indexOf('packages/server/src/main.ts');
  const { env } = split(words.slice(0, Math.max(node, 0)));
  if (node < 0 || main < node || Object.keys(env).length !== node) {
    throw new Error(`not a server start script: ${script}`);
  }
  return { env, nodeFlags: words.slice(node + 1, main) };
}

/** How a mode starts node, as its script reads: the environment's assignments, then the flags. */
export function startWords(mode: Mode): string[] {
  return [...Object.entries(mode.env).map(([name, value]) => `${name}=${value}`), ...mode.nodeFlags];
}

/** `npm start` and `npm run start:small`, plus a way to try when `tried` holds node flags (after any `NAME=value`). */
export function startModes(tried?: string): Mode[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const shipped = ['start', 'start:small'].map((name) => ({
    name: `npm ${name === 'start' ? 'start' : `run ${name}`}`,
    ...scriptMode(scripts[name] ?? ''),
  }));
  return tried ? [...shipped, { name: 'tried', ...split(tried.split(/\s+/).filter(Boolean)) }] : shipped;
}
