// `npm start` runs this first: builds the web app when packages/web/dist is missing or older than
// any of its sources, so `npm install && npm start` is the whole quick start and a restart after
// editing the app picks the change up. Skips quietly when nothing changed (a start stays fast).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(web, 'dist', 'index.html');
const sources = [
  'src',
  'public',
  'scripts/service-worker-plugin.ts',
  'index.html',
  'vite.config.ts',
  'package.json',
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const changedAt = Math.max(...sources.map((s) => newest(join(web, s))));
if (builtAt >= changedAt) {
  console.log('web app is up to date (packages/web/dist)');
} else {
  console.log(builtAt ? 'web app sources changed: rebuilding…' : 'building the web app…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '-w', '@sahti/web'], {
    stdio: 'inherit',
    cwd: dirname(dirname(web)),
  });
  process.exit(result.status ?? 1);
}
