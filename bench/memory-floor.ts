/**
 * The memory floor of the embedded server: this process opens PGlite on a data folder and runs
 * statements of the kinds the server runs (DDL, JSON inserts, prefix searches, ANALYZE), with
 * nothing else loaded. `node bench/memory-floor.ts <folder> <statements>`; prints JSON with VmHWM
 * and VmRSS in MiB, after opening and after the statements.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from '../packages/server/src/db/pglite.ts';
import { pgliteModule } from '../packages/server/src/db/pglite-module.ts';
import { readEmbeddedSharedBuffers } from '../packages/server/src/kernel/config.ts';
import { processMemory } from './server-process.ts';

const [folder, count = '600'] = process.argv.slice(2);
// the module the server opens (its compilation hints obeyed under npm start's flags), its buffer pool
const pg = await PGlite.create({
  dataDir: folder,
  pgliteWasmModule: await pgliteModule(),
  startParams: pgliteStartParams(readEmbeddedSharedBuffers()),
});
const opened = processMemory(process.pid);
await pg.exec(
  'CREATE TABLE IF NOT EXISTS floor_row (id text PRIMARY KEY, family text, content jsonb); CREATE INDEX IF NOT EXISTS floor_family ON floor_row (family text_pattern_ops)',
);
for (let i = 0; i < Number(count); i++) {
  await pg.query('INSERT INTO floor_row VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING', [
    `f-${i}`,
    `fam${i % 97}`,
    JSON.stringify({ resourceType: 'Patient', name: [{ family: `Fam${i % 97}` }], birthDate: '1980-01-01' }),
  ]);
  await pg.query('SELECT id, content::text FROM floor_row WHERE family LIKE $1 ORDER BY id LIMIT 21', [
    `fam${i % 13}%`,
  ]);
}
await pg.exec('ANALYZE floor_row');
const worked = processMemory(process.pid);
await pg.close();
process.stdout.write(`${JSON.stringify({ opened, worked })}\n`);
