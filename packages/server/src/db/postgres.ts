/** A PostgreSQL server (15+) through a connection pool; a transaction holds one connection. */

import type { SqlClient, SqlExecutor, SqlResult } from '@sahti/fhir';
import pg from 'pg';

/** The pool behind each server client (metrics: total, idle and waiting connections). */
const pools = new WeakMap<SqlClient, pg.Pool>();

export function serverPool(db: SqlClient): pg.Pool | undefined {
  return pools.get(db);
}

export function openPostgres(url: string, poolSize = Number(process.env.SAHTI_DB_POOL ?? 10)): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', (err) => console.error(`database pool: ${err.message}`));
  const run = async <Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: unknown[],
  ): Promise<SqlResult<Row>> => {
    const result = await client.query(text, params as unknown[]);
    return { rows: result.rows as Row[], affectedRows: result.rowCount ?? undefined };
  };
  const client: SqlClient = {
    dialect: 'postgres',
    query: (text, params) => run(pool, text, params),
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const executor: SqlExecutor = { query: (text, params) => run(client, text, params) };
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
