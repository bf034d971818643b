/**
 * The official IPS package (HL7 `hl7.fhir.uv.ips` 2.0.0, from the npm registry), unpacked with
 * `npm pack` once into node_modules/.cache and checked against its published integrity: the
 * StructureDefinitions and examples tests compare Sahti's summaries with.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = '2.0.0';
const INTEGRITY =
  'sha512-4PWToJ9b1FgXsm9DIvHiU6HO9Z5m75jxk0e0MXOmhFlf2m2slk/d6RoiSYIChKJlvmtJ7GbRftt7PphlwmZcbQ==';
const CACHE = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', `hl7.fhir.uv.ips-${VERSION}`);

/** The unpacked `package/` folder. */
export function ipsPackage(): string {
  const dir = join(CACHE, 'package');
  if (existsSync(join(dir, 'package.json'))) return dir;
  mkdirSync(CACHE, { recursive: true });
  execFileSync('npm', ['pack', `hl7.fhir.uv.ips@${VERSION}`, '--pack-destination', CACHE, '--silent'], {
    stdio: 'ignore',
  });
  const tarball = join(CACHE, `hl7.fhir.uv.ips-${VERSION}.tgz`);
  const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (digest !== INTEGRITY)
    throw new Error(`hl7.fhir.uv.ips ${VERSION}: integrity ${digest} is not the published one`);
  execFileSync('tar', ['xzf', tarball, '-C', CACHE]);
  return dir;
}

export function ipsJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(ipsPackage(), file), 'utf8')) as T;
}

export function ipsFiles(prefix: string, folder = ''): string[] {
  return readdirSync(join(ipsPackage(), folder))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => (folder ? `${folder}/${f}` : f));
}
