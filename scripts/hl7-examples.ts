// The official HL7 FHIR R4 example resources (the `hl7.fhir.r4.examples` package), fetched on
// demand into .cache/ (git-ignored). Its dependency hl7.fhir.r4.core is not on the npm registry,
// so `npm install` cannot be used: `npm pack` downloads the tarball alone and `tar` unpacks it.
//
//   node scripts/hl7-examples.ts      # pre-fetch (e.g. in CI); prints the folder
//
// In code: `const dir = await hl7Examples()` → folder holding the examples as *.json files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = dirname(dirname(fileURLToPath(import.meta.url)));

export const HL7_EXAMPLES_PACKAGE = 'hl7.fhir.r4.examples';
/** The only published version, and the one that matches FHIR R4 (4.0.1). */
export const HL7_EXAMPLES_VERSION = '4.0.1';

const cacheDir = join(root, '.cache');
const targetDir = join(cacheDir, HL7_EXAMPLES_PACKAGE);
const packageDir = join(targetDir, 'package');

/** Folder of the unpacked examples (`.cache/hl7.fhir.r4.examples/package`), fetched if missing. */
export async function hl7Examples(): Promise<string> {
  if (existsSync(join(packageDir, 'package.json'))) return packageDir;
  await mkdir(cacheDir, { recursive: true });
  // Download and unpack in a private folder, then move it in place in one rename: a concurrent
  // fetch (two test processes) or an interrupted one never leaves a half-unpacked cache behind.
  const work = await mkdtemp(join(cacheDir, `${HL7_EXAMPLES_PACKAGE}-`));
  try {
    const spec = `${HL7_EXAMPLES_PACKAGE}@${HL7_EXAMPLES_VERSION}`;
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', work, '--json', '--silent'], {
      cwd: tmpdir(), // away from the workspace root: only the registry is involved
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60_000,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`npm pack ${spec} failed: ${err.stderr?.trim() || err.message}`);
    });
    const tarball = tarballName(stdout) ?? (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball (output: ${stdout.slice(0, 200)})`);
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['-xzf', join(work, tarball), '-C', unpacked], { timeout: 5 * 60_000 });
    if (!existsSync(join(unpacked, 'package', 'package.json')))
      throw new Error(`${tarball} does not hold package/package.json`);
    await mkdir(targetDir, { recursive: true });
    try {
      await rename(join(unpacked, 'package'), packageDir);
    } catch (err) {
      // another process won the race: its copy is as good as ours
      if (!existsSync(join(packageDir, 'package.json'))) throw err;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return packageDir;
}

function tarballName(stdout: string): string | undefined {
  try {
    const info = JSON.parse(stdout) as { filename?: string }[];
    const name = info[0]?.filename;
    // npm names scoped tarballs scope-name-version.tgz; keep only the file name
    return name ? name.split('/').pop() : undefined;
  } catch {
    return undefined;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = await hl7Examples();
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  console.log(`${dir} (${files.length} JSON files)`);
}
