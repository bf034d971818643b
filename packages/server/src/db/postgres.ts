/** A PostgreSQL server (15+) through a connection pool; a transaction holds one connection. */

import type { QueryOptions, SqlClient, SqlExecutor, SqlResult } from '@sahti/fhir';
import pg from 'pg';
import { statementNames } from './statement-names.ts';

export { statementNames };

/** The pool behind each server client (metrics: total, idle and waiting connections). */
const pools = new WeakMap<SqlClient, pg.Pool>();

export function serverPool(db: SqlClient): pg.Pool | undefined {
  return pools.get(db);
}

/** One statement on a pool or a connection: named when the caller asked for it and a name is left. */
export async function runStatement<Row>(
  client: pg.Pool | pg.PoolClient,
  nameOf: (text: string) => string | undefined,
  text: string,
  params?: unknown[],
  options?: QueryOptions,
): Promise<SqlResult<Row>> {
  const name = options?.prepared ? nameOf(text) : undefined;
  const result = await (name
    ? client.query({ name, text, values: params as unknown[] })
    : client.query(text, params as unknown[]));
  return { rows: result.rows as Row[], affectedRows: result.rowCount ?? undefined };
}

export function openPostgres(url: string, poolSize = Number(process.env.SAHTI_DB_POOL ?? 10)): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', (err) => console.error(`database pool: ${err.message}`));
  const nameOf = statementNames();
  const run = <Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: unknown[],
    options?: QueryOptions,
  ) => runStatement<Row>(client, nameOf, text, params, options);
  const client: SqlClient = {
    dialect: 'postgres',
    query: (text, params, options) => run(pool, text, params, options),
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const executor: SqlExecutor = {
          query: (text, params, options) => run(client, text, params, options),
        };
        const result = await work(executor);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (script) => {
      await pool.query(script);
    },
    close: () => pool.end(),
  };
  pools.set(client, pool);
  return client;
}
