// The migrated database the integration tests' servers start from, made once per `npm test` run:
//
//   node scripts/test-template.ts pglite <file.tar>   an in-memory embedded cluster with every
//                                                     migration applied, as PGlite's data-directory
//                                                     tarball (SAHTI_TEST_PGLITE_TEMPLATE)
//   node scripts/test-template.ts postgres <url> <name>
//                                                     database <name> created on the server at <url>
//                                                     with every migration applied: the template of
//                                                     each test database (SAHTI_TEST_PG_TEMPLATE)
//
// Each test server then starts from a copy instead of running initdb (PGlite) and the migrations
// again — seconds saved per server, and the tests start hundreds of them. Migrations still run at
// each start and bring a copy up to date (a test may add its own modules).
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { embeddedInstance } from '../packages/server/src/db/pglite.ts';
import { MODULES } from '../packages/server/src/modules/index.ts';

const [kind, target, name] = process.argv.slice(2);
const valid =
  (kind === 'pglite' && target) || (kind === 'postgres' && target && /^[a-z_][a-z0-9_]*$/.test(name ?? ''));
if (!valid) {
  console.error('usage: node scripts/test-template.ts pglite <file.tar> | postgres <server url> <name>');
  process.exit(2);
}
const migrations = MODULES.flatMap((m) => m.migrations ?? []);
if (kind === 'postgres') {
  const admin = new pg.Client({ connectionString: target });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(target);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), migrations });
  await db.close();
} else {
  const db = await openDatabase({ migrations });
  const pg = embeddedInstance(db);
  if (!pg) throw new Error('openDatabase without a URL gave no embedded instance');
  const tarball = await pg.dumpDataDir('none');
  await writeFile(target, Buffer.from(await tarball.arrayBuffer()));
  await pg.close();
}
