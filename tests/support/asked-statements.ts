/**
 * What the platform asks its database while some requests run: every statement's text, and whether
 * it ran inside a transaction. The audit writer's statements are recorded too: assertions look for
 * the texts they are about.
 */
import type { SqlClient } from '../../packages/fhir/src/sql.ts';

export interface AskedStatement {
  text: string;
  inTransaction: boolean;
}

/** Runs `work` with `db`'s statements recorded into the list it is given; restores `db` after. */
export async function withAskedStatements<T>(
  db: SqlClient,
  work: (asked: AskedStatement[]) => Promise<T>,
): Promise<T> {
  const asked: AskedStatement[] = [];
  const query = db.query;
  const transaction = db.transaction;
  db.query = ((text, params, options) => {
    asked.push({ text, inTransaction: false });
    return query.call(db, text, params, options);
  }) as typeof query;
  db.transaction = ((inner) =>
    transaction.call(db, (tx) =>
      inner({
        query: (text, params, options) => {
          asked.push({ text, inTransaction: true });
          return tx.query(text, params, options);
        },
      }),
    )) as typeof transaction;
  try {
    return await work(asked);
  } finally {
    db.query = query;
    db.transaction = transaction;
  }
}
