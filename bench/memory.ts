/**
 * Memory of the embedded server (PGlite): the real server as a child process, started on a new data
 * folder and again on the folder it made, then under a small load of creates, reads and searches;
 * its resident memory (VmRSS) and high-water mark (VmHWM) read from /proc. The baseline, measured
 * in the same run, is the floor: a process holding only PGlite on a copy of the same folder and
 * running statements of the same kinds (bench/memory-floor.ts), with the same node flags. Each is
 * measured in the ways the server is started — `npm start` and `npm run start:small`, their node
 * flags read from package.json, so the figures are those of what ships — with the CPU the same load
 * costs in each; `--node-flags="<flags>"` adds a way to try.
 *
 *   node bench/memory.ts [--requests 600] [--node-flags="--liftoff-only --max-semi-space-size=4"]
 *
 * Prints a Markdown table and writes bench/results/memory-<timestamp>.json.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { processCpuMs } from './cpu.ts';
import { patient } from './generate.ts';
import { HttpClient } from './http.ts';
import { startServer } from './server-process.ts';
import { type Mode, startModes, startWords } from './start-modes.ts';

const { values: flags } = parseArgs({
  options: { requests: { type: 'string', default: '600' }, 'node-flags': { type: 'string' } },
});
const REQUESTS = Number(flags.requests);
const ROOT = new URL('..', import.meta.url).pathname;
const client = { clientId: 'bench-memory', secret: 'bench-memory-secret-0123456789' };
const log = (m: string) =>
  process.stderr.write(`[bench memory ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const round = (n: number) => Math.round(n);

interface Row {
  what: string;
  mode: string;
  nodeFlags: string[];
  startPeakMiB: number;
  startRssMiB: number;
  loadPeakMiB?: number;
  loadRssMiB?: number;
  cpuMsPerRequest?: number;
}

/** Creates, reads and name searches, 4 at a time; returns CPU-ms of the server per request. */
async function load(port: number, pid: number): Promise<number> {
  const http = new HttpClient(port, 4, client);
  const json = { 'content-type': 'application/fhir+json' };
  // token, and patients to read, outside the count
  for (let k = 0; k < 50; k++)
    await http.send(
      'PUT',
      `/fhir/R4/Patient/mem-pre-${k}`,
      { ...patient(REQUESTS + k), id: `mem-pre-${k}` },
      json,
    );
  const cpu0 = processCpuMs(pid);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < REQUESTS; i = next++) {
      const kind = i % 3;
      const p = patient(i);
      const res =
        kind === 0
          ? await http.send('PUT', `/fhir/R4/Patient/mem-${i}`, { ...p, id: `mem-${i}` }, json)
          : kind === 1
            ? await http.send('GET', `/fhir/R4/Patient/mem-pre-${i % 50}`)
            : await http.send(
                'GET',
                `/fhir/R4/Patient?name=${encodeURIComponent((p.name?.[0]?.family ?? 'Ben').slice(0, 3))}`,
              );
      if (res.status >= 400) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  http.agent.destroy();
  return (processCpuMs(pid) - cpu0) / REQUESTS;
}

async function server(
  what: string,
  dataDir: string,
  logDir: string,
  mode: Mode,
  withLoad: boolean,
): Promise<Row> {
  const s = await startServer({
    dataDir,
    logDir,
    access: { on: true, ...client },
    nodeArgs: mode.nodeFlags,
    env: mode.env,
  });
  try {
    await new Promise((r) => setTimeout(r, 3000)); // jobs and background work of the start
    const started = s.memory();
    const row: Row = {
      what,
      mode: mode.name,
      nodeFlags: startWords(mode),
      startPeakMiB: started.peakMiB,
      startRssMiB: started.rssMiB,
    };
    if (withLoad) {
      row.cpuMsPerRequest = await load(s.port, s.pid);
      const loaded = s.memory();
      row.loadPeakMiB = loaded.peakMiB;
      row.loadRssMiB = loaded.rssMiB;
    }
    log(`${what}, ${mode.name}: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await s.stop();
  }
}

async function floor(dataDir: string, mode: Mode): Promise<Row> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...mode.nodeFlags, join(ROOT, 'bench/memory-floor.ts'), dataDir, String(REQUESTS)],
    { env: { ...process.env, ...mode.env } },
  );
  const m = JSON.parse(stdout) as Record<'opened' | 'worked', { rssMiB: number; peakMiB: number }>;
  const row: Row = {
    what: 'floor: PGlite alone',
    mode: mode.name,
    nodeFlags: startWords(mode),
    startPeakMiB: m.opened.peakMiB,
    startRssMiB: m.opened.rssMiB,
    loadPeakMiB: m.worked.peakMiB,
    loadRssMiB: m.worked.rssMiB,
  };
  log(`floor, ${mode.name}: ${JSON.stringify(row)}`);
  return row;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-memory-'));
  const rows: Row[] = [];
  try {
    for (const [i, mode] of startModes(flags['node-flags']).entries()) {
      const dataDir = join(tmp, `data-${i}`);
      rows.push(await server('server, new data folder', dataDir, tmp, mode, false));
      rows.push(await server('server, existing folder, then load', dataDir, tmp, mode, true));
      const copy = join(tmp, `floor-${i}`);
      cpSync(join(dataDir, 'pglite'), copy, { recursive: true });
      rows.push(await floor(copy, mode));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const floorPeak = (mode: string) =>
    rows.find((r) => r.what.startsWith('floor') && r.mode === mode)?.loadPeakMiB ?? 0;
  const cpuStart = rows.find((r) => r.mode === 'npm start' && r.cpuMsPerRequest)?.cpuMsPerRequest ?? 0;
  const lines = [
    `## Embedded server memory (PGlite), ${REQUESTS} requests of load`,
    '',
    `machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    '',
    '| what | started as (node flags) | peak after start MiB | RSS after start MiB | peak after load MiB | RSS after load MiB | peak ÷ floor peak | server CPU-ms/req (÷ npm start) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const peak = Math.max(r.startPeakMiB, r.loadPeakMiB ?? 0);
      const cpu = r.cpuMsPerRequest
        ? `${r.cpuMsPerRequest.toFixed(2)} (${(r.cpuMsPerRequest / cpuStart).toFixed(2)})`
        : '';
      return `| ${r.what} | ${r.mode} (${r.nodeFlags.join(' ') || 'none'}) | ${round(r.startPeakMiB)} | ${round(r.startRssMiB)} | ${r.loadPeakMiB ? round(r.loadPeakMiB) : ''} | ${r.loadRssMiB ? round(r.loadRssMiB) : ''} | ${(peak / floorPeak(r.mode)).toFixed(2)} | ${cpu} |`;
    }),
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/memory-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ rows, requests: REQUESTS, load: loadavg(), table }, null, 2));
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
