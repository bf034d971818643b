// `node scripts/pglite-template.ts <file.tar>`: an in-memory embedded cluster with every migration
// of the server and its modules applied, written as PGlite's data-directory tarball.
//
// scripts/test.ts makes one before the PGlite pass and hands its path to the test servers
// (SAHTI_TEST_PGLITE_TEMPLATE): each starts from a copy instead of running initdb and the
// migrations again — a few seconds saved per server, and the tests start hundreds of them.
import { writeFile } from 'node:fs/promises';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { embeddedInstance } from '../packages/server/src/db/pglite.ts';
import { MODULES } from '../packages/server/src/modules/index.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/pglite-template.ts <file.tar>');
  process.exit(2);
}
const db = await openDatabase({ migrations: MODULES.flatMap((m) => m.migrations ?? []) });
const pg = embeddedInstance(db);
if (!pg) throw new Error('openDatabase without a URL gave no embedded instance');
const tarball = await pg.dumpDataDir('none');
await writeFile(out, Buffer.from(await tarball.arrayBuffer()));
await pg.close();
