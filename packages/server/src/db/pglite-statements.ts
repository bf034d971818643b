/**
 * Every statement the engine sends to PGlite, as few exchanges with the WebAssembly backend as the
 * protocol allows. PGlite's `query()` reaches the backend six times per statement (parse, describe,
 * bind, describe, execute, sync) and parses and plans it each time. Here:
 *
 * - a text the engine keeps prepared (sql.ts `QueryOptions.prepared`: a read by id, a lock, a single
 *   write, a search by one identifier) is parsed once under a name, its parameter types learnt in the
 *   same exchange; each later call is one exchange of bind, describe, execute and sync;
 * - any other text runs as the unnamed statement, planned on its values as before: parse, describe
 *   and sync first to learn its parameter types, then bind, describe, execute and sync. The types of
 *   a text already seen are kept (a bounded map, forgotten when a statement or script changes the
 *   schema), and the next call sends parse with them and the rest in one exchange.
 *
 * Values go through PGlite's own serializers (chosen by parameter type) and results through its own
 * parser, so a caller gets what `query()` would have given; the Parse and Bind messages are written
 * with Node's native UTF-8 functions (pglite-messages.ts), so a long text — a bundle's write
 * statement carries a megabyte of JSON — is not measured character by character in JavaScript.
 *
 * Outside a transaction each exchange holds PGlite's two locks, as `query()` does, so it never runs
 * inside another caller's open transaction; inside one (the caller holds the transaction lock) it
 * takes the statement lock only and leaves the writing to disk to COMMIT.
 * Measured in docs/performance.md, *PGlite's statements*.
 */
import { type PGlite, parse, protocol } from '@electric-sql/pglite';
import type { SqlResult } from '@sahti/fhir';
import { bindMessage, parseMessage, type WireValue } from './pglite-messages.ts';
import { statementNames } from './statement-names.ts';

export interface StatementOptions {
  /** The engine asked to keep the text prepared: it runs as a named statement. */
  prepared?: boolean;
  /** The caller runs inside PGlite's `transaction()`, which holds the transaction lock. */
  inTransaction: boolean;
}

export interface PgliteStatements {
  run<Row>(text: string, params: unknown[] | undefined, options: StatementOptions): Promise<SqlResult<Row>>;
  /** Forgets what was learnt of texts (after a script, which may have changed the schema). */
  forget(): void;
}

/**
 * Commands after which a kept text's parameter types may be wrong: the schema changed. Migrations
 * run their DDL as statements in a transaction (schema.ts `migrate`), not as scripts.
 */
const SCHEMA_COMMANDS = new Set(['CREATE', 'ALTER', 'DROP']);

/** Texts whose parameter types are kept, and the longest text kept (a bulk write's is not). */
const TYPES_KEPT = 1000;
const LONGEST_KEPT = 16_384;

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const { serialize } = protocol;
/** What follows every Bind: describe the portal's rows, run it, end the exchange. */
const DESCRIBE_EXECUTE_SYNC = concat([
  serialize.describe({ type: 'P' }),
  serialize.execute({}),
  serialize.sync(),
]);

/** The one set of statements of a PGlite instance (names are per instance). */
export function pgliteStatements(pg: PGlite, nameOf = statementNames()): PgliteStatements {
  /** The parameter types of each name parsed on this instance. */
  const named = new Map<string, number[]>();
  /** The parameter types of unnamed texts seen lately, oldest first. */
  const unnamed = new Map<string, number[]>();

  const exchange = async (message: Uint8Array, inTransaction: boolean) =>
    (await pg.execProtocol(message, { syncToFs: !inTransaction })).messages;

  /** Parses `text` as `name` ('' for the unnamed statement) and returns its parameter types. */
  const describe = async (text: string, name: string, inTransaction: boolean) =>
    parse.parseDescribeStatementResults(
      await exchange(
        concat([parseMessage(name, text, []), serialize.describe({ type: 'S', name }), serialize.sync()]),
        inTransaction,
      ),
    );

  const values = (params: unknown[], types: number[]): WireValue[] =>
    params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pg.serializers[types[i]];
      return (serializer ? serializer(value) : String(value)) as WireValue;
    });

  const execute = async <Row>(
    head: Uint8Array[],
    statement: string,
    params: unknown[],
    types: number[],
    inTransaction: boolean,
  ): Promise<SqlResult<Row>> => {
    const messages = await exchange(
      concat([...head, bindMessage(statement, values(params, types)), DESCRIBE_EXECUTE_SYNC]),
      inTransaction,
    );
    const [result] = parse.parseResults(messages, pg.parsers);
    if (result.command !== undefined && SCHEMA_COMMANDS.has(result.command)) unnamed.clear();
    return { rows: result.rows as Row[], affectedRows: result.affectedRows };
  };

  const runNamed = async <Row>(name: string, text: string, params: unknown[], inTransaction: boolean) => {
    let types = named.get(name);
    if (types === undefined) {
      types = await describe(text, name, inTransaction);
      named.set(name, types);
    }
    return execute<Row>([], name, params, types, inTransaction);
  };

  const runUnnamed = async <Row>(text: string, params: unknown[], inTransaction: boolean) => {
    const types = unnamed.get(text);
    if (types !== undefined) {
      unnamed.delete(text); // most recently used last
      unnamed.set(text, types);
      return execute<Row>([parseMessage('', text, types)], '', params, types, inTransaction);
    }
    const learnt = await describe(text, '', inTransaction);
    if (text.length <= LONGEST_KEPT) {
      if (unnamed.size >= TYPES_KEPT) unnamed.delete(unnamed.keys().next().value as string);
      unnamed.set(text, learnt);
    }
    // the unnamed statement parsed above stays until the next parse: bind it
    return execute<Row>([], '', params, learnt, inTransaction);
  };

  const runOne = <Row>(text: string, params: unknown[], options: StatementOptions) => {
    const name = options.prepared ? nameOf(text) : undefined;
    return name === undefined
      ? runUnnamed<Row>(text, params, options.inTransaction)
      : runNamed<Row>(name, text, params, options.inTransaction);
  };

  return {
    run: (text, params = [], options) =>
      options.inTransaction
        ? pg._runExclusiveQuery(() => runOne(text, params, options))
        : pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => runOne(text, params, options))),
    forget: () => unnamed.clear(),
  };
}
