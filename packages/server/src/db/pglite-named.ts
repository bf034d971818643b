/**
 * Named statements on PGlite, for the texts the engine asks to keep prepared (sql.ts
 * `QueryOptions.prepared`: a read by id, a lock, a single write, a search by one identifier).
 * PGlite's `query()` parses and plans every statement and reaches the WebAssembly backend six
 * times for it (parse, describe, bind, describe, execute, sync). Here a text is parsed once under a
 * name, its parameter types learnt in the same exchange; each later call is one exchange of bind,
 * describe, execute and sync. Values go through PGlite's own serializers and results through its
 * own parser, so a caller gets what `query()` would have given. A read by primary key, measured in
 * one process: 92–142 µs through `query()`, 25–29 µs named (docs/performance.md, *PGlite's
 * statements*).
 *
 * Outside transactions only: a transaction's statements run on PGlite's `Transaction`, which has no
 * protocol access. Each exchange holds PGlite's two locks, as `query()` does, so it never runs
 * inside another caller's open transaction.
 */
import { type PGlite, parse, protocol, type SerializerOptions } from '@electric-sql/pglite';
import type { SqlResult } from '@sahti/fhir';
import { statementNames } from './statement-names.ts';

export type NamedRunner = <Row>(
  text: string,
  params: unknown[] | undefined,
  serializers: SerializerOptions | undefined,
) => Promise<SqlResult<Row> | undefined>;

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

/**
 * A runner for one PGlite instance (the one runner of it: names are per instance); `undefined`
 * from it means "no name left: use query()".
 */
export function namedStatements(pg: PGlite, nameOf = statementNames()): NamedRunner {
  /** The parameter types of each name parsed on this instance. */
  const parsed = new Map<string, number[]>();
  const { serialize } = protocol;
  const exclusive = <T>(work: () => Promise<T>): Promise<T> =>
    pg._runExclusiveTransaction(() => pg._runExclusiveQuery(work));

  const prepare = async (name: string, text: string): Promise<number[]> => {
    const { messages } = await pg.execProtocol(
      concat([
        serialize.parse({ name, text, types: [] }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
    );
    const paramTypes = parse.parseDescribeStatementResults(messages);
    parsed.set(name, paramTypes);
    return paramTypes;
  };

  return async <Row>(text: string, params: unknown[] = [], serializers?: SerializerOptions) => {
    const name = nameOf(text);
    if (name === undefined) return undefined;
    return exclusive(async (): Promise<SqlResult<Row>> => {
      const paramTypes = parsed.get(name) ?? (await prepare(name, text));
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const type = paramTypes[i];
        const serializer = serializers?.[type] ?? pg.serializers[type];
        return serializer ? serializer(value) : String(value);
      });
      const { messages } = await pg.execProtocol(
        concat([
          serialize.bind({ statement: name, values: values as (string | null)[] }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
      );
      const [result] = parse.parseResults(messages, pg.parsers);
      return { rows: result.rows as Row[], affectedRows: result.affectedRows };
    });
  };
}
