/** The embedded default: PostgreSQL compiled to WASM, in-process, persisted to a folder. */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlResult } from '@sahti/fhir';

/** The instance behind each embedded client, for libraries that drive PGlite themselves (jobs/). */
const instances = new WeakMap<SqlClient, PGlite>();

export function embeddedInstance(db: SqlClient): PGlite | undefined {
  return instances.get(db);
}

export async function openPglite(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ? { dataDir } : {});
  const run = async <Row>(
    exec: PGlite | Transaction,
    text: string,
    params?: unknown[],
  ): Promise<SqlResult<Row>> => {
    const result = await exec.query<Row>(text, params);
    return { rows: result.rows, affectedRows: result.affectedRows };
  };
  const client: SqlClient = {
    dialect: 'pglite',
    query: (text, params) => run(pg, text, params),
    // PGlite is one connection: its transaction() holds it exclusively until COMMIT/ROLLBACK
    transaction: (work) =>
      pg.transaction((tx) => {
        const executor: SqlExecutor = { query: (text, params) => run(tx, text, params) };
        return work(executor);
      }),
    exec: async (script) => {
      await pg.exec(script);
    },
    close: () => pg.close(),
  };
  instances.set(client, pg);
  return client;
}
