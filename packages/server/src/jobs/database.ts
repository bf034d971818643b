/**
 * How pg-boss reaches the database. Embedded: the same PGlite instance as everything else (one
 * connection; its statements queue behind any open transaction). Server: a small pool of its own
 * on DATABASE_URL, plus one connection for LISTEN. Inside a caller's transaction: that transaction.
 */
import type { SqlClient, SqlExecutor } from '@sahti/fhir';
import { type ConstructorOptions, type Db, fromPglite } from 'pg-boss';
import { embeddedInstance, refuseInsideOwnTransaction } from '../db/pglite.ts';

export function bossConnection(
  db: SqlClient,
  databaseUrl: string | undefined,
  poolSize: number,
): Pick<ConstructorOptions, 'db' | 'backend' | 'connectionString' | 'max'> {
  if (db.dialect === 'pglite') {
    const instance = embeddedInstance(db);
    if (!instance) throw new Error('the job runner needs a database opened by openDatabase()');
    const adapter = fromPglite(instance);
    // pg-boss's own statements share the one connection: from inside our transaction they would
    // wait for it forever (a queue looked up while enqueuing, say) — refused with a stack instead
    const guarded: Db = {
      executeSql: async (text, values) => {
        refuseInsideOwnTransaction(instance, 'a job-runner statement');
        return adapter.executeSql(text, values);
      },
    };
    return { db: guarded, backend: 'pglite' };
  }
  if (!databaseUrl) throw new Error('the job runner on PostgreSQL needs the DATABASE_URL of its database');
  return { connectionString: databaseUrl, max: poolSize, backend: 'postgres' };
}

/**
 * pg-boss statements run inside the caller's transaction (enqueue commits or rolls back with it).
 * Kept prepared: an enqueue is one fixed text (its values are parameters), which PostgreSQL otherwise
 * parsed and planned at every booking's reminder.
 */
export function transactionDb(tx: SqlExecutor): Db {
  return { executeSql: (text, values) => tx.query(text, values, { prepared: true }) };
}
