/**
 * `node bench/units-sync.ts [--visits 1000] [--observations 5]`: a mobile unit's sync on PGlite —
 * N field visits (a new patient, an Encounter, M vital-sign Observations each) sent as one sync
 * through POST /api/units/sync by a unit nurse (her access, guard and audit), then the same records
 * again in a new batch (a replay: nothing created). Prints a table and writes
 * bench/results/units-sync-<timestamp>.json. Aim (issue 10): 1,000 encounters with 5,000
 * observations ≤ 10 s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startTestServer } from '../tests/support/server.ts';
import { fieldVisit, seedUnitsWorld, sync } from '../tests/support/units-world.ts';

const { values } = parseArgs({
  options: { visits: { type: 'string', default: '1000' }, observations: { type: 'string', default: '5' } },
});
const visits = Number(values.visits);
const perVisit = Number(values.observations);
process.env.SAHTI_TEST_DB = 'pglite';
const server = await startTestServer();
const world = await seedUnitsWorld(server);
const entries = Array.from(
  { length: visits },
  (_, i) => fieldVisit(world.unitA, { family: `Bench${i}`, observations: perVisit }).entries,
).flat();
const cpu0 = process.cpuUsage();
let t = performance.now();
const first = await sync(world.nurseA, entries);
const syncMs = performance.now() - t;
const cpu1 = process.cpuUsage(cpu0);
t = performance.now();
const replay = await sync(world.nurseA, entries);
const replayMs = performance.now() - t;
await server.close();
if (first.status !== 200 || replay.status !== 200)
  throw new Error(`sync failed: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
const row = {
  visits,
  encounters: visits,
  observations: visits * perVisit,
  entries: entries.length,
  created: first.body.counts.created,
  syncMs: Math.round(syncMs),
  syncCpuMs: Math.round((cpu1.user + cpu1.system) / 1000),
  replayCreated: replay.body.counts.created,
  replayExisting: replay.body.counts.existing,
  replayMs: Math.round(replayMs),
  replayRatio: Math.round((replayMs / syncMs) * 1000) / 1000,
};
console.log(
  '| visits | encounters | observations | entries | created | sync ms (CPU ms) | replay: created / existing | replay ms | replay/sync |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${row.visits} | ${row.encounters} | ${row.observations} | ${row.entries} | ${row.created} | ${row.syncMs} (${row.syncCpuMs}) | ${row.replayCreated} / ${row.replayExisting} | ${row.replayMs} | ${row.replayRatio} |`,
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(
  import.meta.dirname,
  'results',
  `units-sync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
);
writeFileSync(
  file,
  JSON.stringify({ at: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), row }, null, 2),
);
console.log(
  `written ${file}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
