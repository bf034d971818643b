// `npm test`: unit tests once, integration tests twice (PGlite, then a
// throwaway PostgreSQL cluster), then one combined "N passed, N failed" line.
//
//   npm test                               everything
//   npm test -- tests/fhir-crud.test.ts    only matching files (paths, dirs or substrings)
//   npm test -- --unit | --integration | --pglite-only
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres, type ThrowawayPostgres } from './pg-throwaway.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const CHROMIUM = '/usr/bin/chromium';
const inCI = process.env.CI === 'true';
/**
 * Integration files run this many at a time. Each file starts its own server on its own database
 * (a fresh PGlite directory, or a fresh database in the throwaway cluster) on ports it picks, so
 * files do not share state; two at a time keeps both cores of a small machine busy (a file mostly
 * waits on one thread: its server, its database or its browser). SAHTI_TEST_CONCURRENCY=1 runs
 * them one by one, e.g. to read one file's timing alone.
 */
const integrationConcurrency = (() => {
  const asked = process.env.SAHTI_TEST_CONCURRENCY;
  if (asked === undefined || asked === '') return Math.min(2, availableParallelism());
  const n = Number(asked);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`SAHTI_TEST_CONCURRENCY must be a whole number >= 1, got '${asked}'`);
    process.exit(2);
  }
  return n;
})();

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
let childFailed = false;
/** Each failed test's name and error, reprinted before the summary: CI shows a log's tail only. */
const failures: string[] = [];

// ---- arguments ---------------------------------------------------------------
const flags = new Set<string>();
const filters: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (['--unit', '--integration', '--pglite-only'].includes(arg)) flags.add(arg);
  else if (arg.startsWith('--')) {
    console.error(`Unknown flag ${arg} (known: --unit, --integration, --pglite-only)`);
    process.exit(2);
  } else filters.push(arg);
}
const wantUnit = !flags.has('--integration') || flags.has('--unit');
const wantIntegration = !flags.has('--unit') || flags.has('--integration');

// ---- discovery ---------------------------------------------------------------
async function testFilesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  const names = await readdir(dir, { recursive: true });
  return names
    .filter((name) => name.endsWith('.test.ts') && !name.split(sep).includes('node_modules'))
    .map((name) => join(dir, name));
}

const rel = (file: string) => relative(root, file).split(sep).join('/');
// Unit tests live next to the code; everything else is an integration test.
const isUnit = (file: string) => /^packages\/[^/]+\/src\//.test(rel(file));
const isBrowser = (file: string) => rel(file).startsWith('tests/browser/');

async function discover(): Promise<{ unit: string[]; integration: string[] }> {
  const packages = existsSync(join(root, 'packages')) ? await readdir(join(root, 'packages')) : [];
  const all = [
    ...(await Promise.all(packages.map((pkg) => testFilesUnder(join(root, 'packages', pkg, 'src'))))).flat(),
    ...(await testFilesUnder(join(root, 'tests'))),
  ];
  let selected = all;
  if (filters.length > 0) {
    // npm runs scripts from the package root; INIT_CWD is where the user typed the command.
    const base = process.env.INIT_CWD ?? process.cwd();
    const picked = new Set<string>();
    for (const filter of filters) {
      const path = resolve(base, filter);
      // An existing path selects the test files under it (even outside the
      // usual folders, handy for scratch files); anything else is a substring.
      if (existsSync(path)) for (const file of await testFilesUnder(path)) picked.add(file);
      else for (const file of all) if (rel(file).includes(filter)) picked.add(file);
    }
    selected = [...picked];
  }
  selected.sort();
  const integration = selected.filter((file) => !isUnit(file));
  const browser = integration.filter(isBrowser);
  if (browser.length > 0 && !existsSync(CHROMIUM)) {
    console.log(
      `\n*** ${CHROMIUM} not found: skipping ${browser.length} browser test file(s) (Debian: apt-get install chromium). ***\n`,
    );
  }
  return {
    unit: wantUnit ? selected.filter(isUnit) : [],
    integration: wantIntegration ? integration.filter((f) => !isBrowser(f) || existsSync(CHROMIUM)) : [],
  };
}

// ---- running -----------------------------------------------------------------
let current: ChildProcess | undefined;
let reportDir = '';

/** Last value of `# <key> N` in a TAP report (the runner's final summary). */
function tapCount(tap: string, key: string): number {
  const matches = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
  const last = matches.at(-1);
  return last ? Number(last[1]) : 0;
}

async function runPass(
  label: string,
  files: string[],
  concurrency: number | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (interrupted) return;
  console.log(`\n=== ${label}: ${files.length} file(s) ===`);
  // With no files, `node --test` would fall back to its own discovery; skip instead.
  if (files.length === 0) return;
  const tapFile = join(reportDir, `${label.replace(/\W+/g, '-')}.tap`);
  const args = [
    '--test',
    ...(concurrency === undefined ? [] : [`--test-concurrency=${concurrency}`]),
    // spec for humans on our stdout; TAP to a file because its summary
    // comments are easy to parse and unaffected by colours or locale.
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files.map(rel),
  ];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  current = child;
  const code = await new Promise<number>((done) => {
    child.on('error', () => done(1));
    child.on('exit', (status, signal) => done(status ?? (signal ? 1 : 0)));
  });
  current = undefined;

  const tap = existsSync(tapFile) ? await readFile(tapFile, 'utf8') : '';
  const counts: Counts = {
    passed: tapCount(tap, 'pass'),
    // A cancelled test (timeout, or its file crashed) did not pass: count it as a failure.
    failed: tapCount(tap, 'fail') + tapCount(tap, 'cancelled'),
    // todo tests neither passed nor failed; lumping them with skipped keeps the line short.
    skipped: tapCount(tap, 'skipped') + tapCount(tap, 'todo'),
  };
  if (code !== 0) {
    childFailed = true;
    if (counts.failed === 0) {
      // The runner died without reporting a failure; never let that read as "0 failed".
      console.log(`\n*** ${label}: test runner exited with code ${code} without reporting failures ***`);
      counts.failed = 1;
    }
  }
  failures.push(...failuresIn(tap).map((failure) => `[${label}] ${failure}`));
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  console.log(`--- ${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}

/**
 * The failed tests of a TAP report, each as its name, location and error (at most 40 lines);
 * suites failed only by their children are left out, their children are listed.
 */
function failuresIn(tap: string): string[] {
  const lines = tap.split('\n');
  const found: string[] = [];
  lines.forEach((line, at) => {
    const head = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (!head) return;
    const indent = head[1] ?? '';
    const block: string[] = [];
    for (let i = at + 1; i < lines.length; i++) {
      const next = lines[i] ?? '';
      if (next === `${indent}  ...` || !next.startsWith(`${indent}  `)) break;
      block.push(next.slice(indent.length + 2));
    }
    if (block.some((l) => l.includes("failureType: 'subtestsFailed'"))) return;
    const location =
      block
        .find((l) => l.startsWith('location:'))
        ?.slice('location:'.length)
        .trim() ?? '';
    const errorAt = block.findIndex((l) => l.startsWith('error:'));
    const error: string[] = [];
    if (errorAt >= 0) {
      error.push(block[errorAt]?.slice('error:'.length).trim() ?? '');
      for (const l of block.slice(errorAt + 1)) {
        if (!l.startsWith('  ')) break;
        error.push(l.slice(2));
      }
    }
    const shown = error.filter((l) => l.trim() !== '' && !['|-', '|', '>-'].includes(l)).slice(0, 40);
    found.push([`✖ ${head[2]}  ${location.replace(root, '.')}`, ...shown.map((l) => `    ${l}`)].join('\n'));
  });
  return found;
}

function summaryLine(): string {
  return `${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`;
}

/**
 * Makes the migrated database a pass's servers start from (scripts/test-template.ts); true when
 * made, false when not — the servers then run initdb and the migrations each, as before.
 */
async function makeTemplate(args: string[]): Promise<boolean> {
  const { code, errors } = await runScript(join(root, 'scripts', 'test-template.ts'), args);
  if (code === 0) return true;
  console.log(`\n*** no ${args[0]} template (each server migrates its own database): ${errors} ***`);
  return false;
}

/**
 * Builds the web app once, before the integration files start: two browser files running at once
 * would each find packages/web/dist stale and run vite into the same folder, and one build fails.
 * A failure is printed; the browser files then report it themselves.
 */
async function buildWebApp(): Promise<void> {
  const { code, errors } = await runScript(join(root, 'packages', 'web', 'scripts', 'build-if-stale.ts'), []);
  if (code !== 0) console.log(`\n*** building the web app failed (${code}): ${errors} ***`);
}

/** Runs a script with this Node; its exit code and the end of its stderr. */
async function runScript(script: string, args: string[]): Promise<{ code: number; errors: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const code = await new Promise<number>((done) => {
    child.on('error', () => done(1));
    child.on('exit', (status) => done(status ?? 1));
  });
  return { code, errors: errors.trim().slice(-2000) };
}

// ---- main --------------------------------------------------------------------
/** The database of the throwaway cluster that test databases are copied from (CREATE DATABASE … TEMPLATE). */
const PG_TEMPLATE = 'sahti_template';

type PgStart = { pg: ThrowawayPostgres | undefined } | { error: unknown };
let pgStart: Promise<PgStart> | undefined;

async function stopPostgres(): Promise<void> {
  const started = await pgStart;
  if (started && 'pg' in started && started.pg) await started.pg.stop();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.log(`\n*** ${signal}: stopping tests and the PostgreSQL cluster ***`);
    current?.kill(signal);
    void Promise.allSettled([stopPostgres(), rm(reportDir, { recursive: true, force: true })]).then(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  });
}

async function main(): Promise<number> {
  const { unit, integration } = await discover();
  const postgresPass = integration.length > 0 && !flags.has('--pglite-only');
  // Boot the cluster now so initdb overlaps with the unit and PGlite passes.
  // Errors are captured, not thrown, so they surface when the pass needs it.
  if (postgresPass) {
    pgStart = startThrowawayPostgres().then(
      (pg) => ({ pg }),
      (error: unknown) => ({ error }),
    );
  }
  reportDir = await mkdtemp(join(tmpdir(), 'sahti-test-'));
  // The PGlite pass's servers start from one migrated cluster, made while the unit tests run.
  const templateFile = join(reportDir, 'pglite.tar');
  const template =
    wantIntegration && integration.length > 0
      ? makeTemplate(['pglite', templateFile])
      : Promise.resolve(false);
  const webBuilt = wantIntegration && integration.some(isBrowser) ? buildWebApp() : Promise.resolve();

  // The parent's own DB variables must not leak into the passes.
  const baseEnv = { ...process.env };
  delete baseEnv.SAHTI_TEST_DB;
  delete baseEnv.SAHTI_TEST_DATABASE_URL;
  delete baseEnv.SAHTI_TEST_PGLITE_TEMPLATE;
  delete baseEnv.SAHTI_TEST_PG_TEMPLATE;

  if (wantUnit) await runPass('unit', unit, undefined, baseEnv); // default concurrency: unit files are independent
  if (wantIntegration) {
    const [made] = await Promise.all([template, webBuilt]);
    await runPass('integration (pglite)', integration, integrationConcurrency, {
      ...baseEnv,
      SAHTI_TEST_DB: 'pglite',
      ...(made ? { SAHTI_TEST_PGLITE_TEMPLATE: templateFile } : {}),
    });
  }

  let setupFailed = false;
  if (postgresPass && pgStart) {
    const started = await pgStart;
    if ('error' in started) {
      console.log(`\n*** Could not start a throwaway PostgreSQL cluster: ***\n${String(started.error)}`);
      setupFailed = true;
    } else if (!started.pg) {
      console.log('\n****************************************************************');
      console.log('*** PostgreSQL pass SKIPPED: no /usr/lib/postgresql/<15+>/bin ***');
      console.log('*** (Debian: apt-get install postgresql-15)                   ***');
      console.log('****************************************************************');
      // CI exists to prove both backends work; a silent half-run would hide that.
      if (inCI) {
        console.log('*** CI=true: failing, CI must run the PostgreSQL pass.        ***');
        setupFailed = true;
      }
    } else {
      const made = await makeTemplate(['postgres', started.pg.url, PG_TEMPLATE]);
      await runPass('integration (postgres)', integration, integrationConcurrency, {
        ...baseEnv,
        SAHTI_TEST_DB: 'postgres',
        SAHTI_TEST_DATABASE_URL: started.pg.url,
        ...(made ? { SAHTI_TEST_PG_TEMPLATE: PG_TEMPLATE } : {}),
      });
    }
  } else if (flags.has('--pglite-only') && integration.length > 0) {
    console.log('\n*** --pglite-only: PostgreSQL pass skipped ***');
  }

  const ranNothing = total.passed + total.failed === 0;
  if (ranNothing) console.log('\n*** No test ran at all: treating as a failure. ***');
  return childFailed || total.failed > 0 || setupFailed || ranNothing ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(error);
} finally {
  await stopPostgres().catch((error: unknown) => console.error('Stopping PostgreSQL failed:', error));
  if (reportDir) await rm(reportDir, { recursive: true, force: true });
}
if (!interrupted) {
  if (failures.length > 0)
    console.log(`\n=== failed tests (${failures.length}) ===\n${failures.join('\n\n')}`);
  // Last line on purpose: CI logs and humans both look at the bottom.
  console.log(`\n${summaryLine()}`);
  process.exit(exitCode);
}
