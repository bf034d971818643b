/**
 * The one database seam of the engine. The server supplies an implementation (PGlite embedded, or a
 * PostgreSQL server through `pg`); the engine only ever speaks PostgreSQL 15 SQL through this.
 */
export interface SqlResult<Row> {
  rows: Row[];
  affectedRows?: number;
}

export interface QueryOptions {
  /**
   * The text is one of a few fixed statements run on every request of its kind (a single write, a
   * read by id, a lock): a server connection keeps it parsed as a named statement instead of parsing
   * and planning it on every call (PostgreSQL's plan cache then chooses between custom and generic
   * plans). Not for searches, whose text varies and whose plan must see their values — except a
   * search by one exact identifier or id (`search/run.ts`), whose plan is the same for every value.
   */
  prepared?: boolean;
}

export interface SqlExecutor {
  /** Runs one parameterised statement. Parameters are always cast in the SQL text ($1::text …). */
  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<Row>>;
}

export interface SqlClient extends SqlExecutor {
  /**
   * Runs `work` inside one transaction on a connection held exclusively for it: everything commits
   * together or nothing does. Nested calls reuse the outer transaction.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
  readonly dialect: 'pglite' | 'postgres';
}
