/**
 * The set-based write path: any number of new versions (creates, updates, deletes) become ONE SQL
 * statement — current row upsert, history row (the replaced version's content moved into its own),
 * old index rows removed, new index rows inserted —
 * because per-statement cost, not disk, dominates on the embedded engine. Data-modifying CTEs
 * share one snapshot, so the DELETE of old index rows never sees the rows inserted beside it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { type IndexRows, indexTablesOf } from './index-rows.ts';
import { packContent } from './packed.ts';
import { INDEX_TABLES } from './schema.ts';
import type { SqlExecutor } from './sql.ts';
import { turnToEventLoop } from './turns.ts';
import type { StatementClaim } from './unique.ts';

export interface NewVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absent for a delete. */
  resource?: Resource;
  rows?: IndexRows;
  /** Patients the new version belongs to; for a delete, those of the version it deletes (read from the database when absent). */
  compartment?: string[];
  /**
   * Index tables (and `compartment`) whose rows for this resource are already exactly the new
   * version's — the version it replaces produced the same rows: the write leaves them alone.
   */
  unchanged?: ReadonlySet<string>;
}

/**
 * The tables whose rows an update would rewrite identically: same rows (as multisets) in the
 * version it replaces (`previous`, its stored content's rows) and in the new one.
 */
export function unchangedTables(
  previous: { rows: IndexRows; patients: readonly string[] },
  next: { rows?: IndexRows; patients?: readonly string[] },
): Set<string> {
  const same = new Set<string>();
  const key = (rows: readonly unknown[]) =>
    rows
      .map((r) => JSON.stringify(r))
      .sort()
      .join('\n');
  for (const table of INDEX_TABLES)
    if (key(previous.rows[table]) === key(next.rows?.[table] ?? [])) same.add(table);
  if (key([...new Set(previous.patients)]) === key([...new Set(next.patients ?? [])]))
    same.add('compartment');
  return same;
}

/** Each index table's value columns and their SQL types, as the write statement declares them. */
export const INDEX_COLUMNS: Record<(typeof INDEX_TABLES)[number], string> = {
  string: 'code text, value text, exact text',
  token: 'code text, system text, value text, text text',
  date: 'code text, low timestamptz, high timestamptz',
  number: 'code text, low numeric, high numeric',
  quantity: 'code text, system text, unit text, value numeric',
  reference: 'code text, target_type text, target_id text, url text, ident_system text, ident_value text',
  uri: 'code text, value text',
  composite: 'code text, c1_system text, c1_value text, c2 jsonb',
};

const names = (columns: string): string =>
  columns
    .split(',')
    .map((c) => c.trim().split(' ')[0])
    .join(', ');

/** Versions are written in chunks so that one statement's parameters stay a reasonable size. */
export const WRITE_CHUNK = 400;

export interface WriteOptions {
  /**
   * Record each version in `resource_event` in the same statement (the transactional outbox): an
   * event exists exactly when its write committed.
   */
  events?: boolean;
  /**
   * Types whose events some durable handler awaits (undefined: every type). Events of other types
   * are written already dispatched: listeners still read them, and no later pass has to mark them.
   */
  awaitedEventTypes?: () => readonly string[] | undefined;
}

/**
 * The current versions the new ones replace, by `type/id`, as read under lock (versions.ts
 * lockCurrent) or read without one by a write made conditional on them (WriteCondition): their
 * content goes into their own history row, packed (packed.ts).
 */
export type ReplacedVersions = ReadonlyMap<string, { content: string | null; deleted: boolean }>;

/** Nothing replaced: every version is a resource's first, or a bulk load into empty tables. */
export const NOTHING_REPLACED: ReplacedVersions = new Map();

/**
 * A single version's write made conditional on the version it replaces being still current: the
 * statement first locks that `resource` row if, and only if, its `version_id` is `versionId`, and
 * writes nothing otherwise — another write got in since the caller read it (an update without a
 * transaction, store.ts `updateOptimistically`). Under READ COMMITTED a row another writer changed
 * or holds is waited for, then checked again on its newest version.
 */
export interface WriteCondition {
  versionId: number;
}

/**
 * `claim`: a unique identifier the statement itself claims (unique.ts StatementClaim), for a single
 * version; the value's lock is held until the statement's transaction — its own, or the caller's —
 * ends. A held value fails the statement, and with it a caller's transaction: the caller starts
 * again (the claim checked the old way). `condition`: see WriteCondition.
 * Returns false when the condition did not hold (nothing was written), else true.
 */
export async function writeVersions(
  tx: SqlExecutor,
  versions: NewVersion[],
  replaced: ReplacedVersions,
  options: WriteOptions = {},
  claim?: StatementClaim,
  condition?: WriteCondition,
): Promise<boolean> {
  if (claim && versions.length !== 1) throw new Error('a claim in the write statement is for one version');
  if (condition && (versions.length !== 1 || claim))
    throw new Error('a conditional write statement is for one version, without a claim');
  if (condition) return writeChunk(tx, versions, replaced, options, undefined, condition);
  for (let i = 0; i < versions.length; i += WRITE_CHUNK) {
    if (i > 0) await turnToEventLoop(); // a bundle's chunks: other requests get the event loop between them
    await writeChunk(tx, versions.slice(i, i + WRITE_CHUNK), replaced, options, claim);
  }
  return true;
}

function packedReplaced(replaced: ReplacedVersions, v: NewVersion): string | null {
  const old = replaced.get(`${v.resourceType}/${v.id}`);
  return old && !old.deleted && old.content ? packContent(old.content).toString('base64') : null;
}

async function writeChunk(
  tx: SqlExecutor,
  versions: NewVersion[],
  replaced: ReplacedVersions,
  options: WriteOptions,
  claim: StatementClaim | undefined,
  condition?: WriteCondition,
): Promise<boolean> {
  const replacing = replaced.size > 0;
  const params: unknown[] = [
    JSON.stringify(
      versions.map((v) => ({
        resource_type: v.resourceType,
        id: v.id,
        version_id: v.versionId,
        last_updated: v.lastUpdated,
        deleted: !v.resource,
        method: v.method,
        content: v.resource ?? null,
        patients: v.compartment ?? null,
        packed: replacing ? packedReplaced(replaced, v) : null,
      })),
    ),
  ];
  // the LIMIT tells the planner how many versions there are (it guesses 100 rows for any
  // json_to_recordset()): guessing 100, it joined the superseded history row below by reading all
  // of resource_history rather than making 100 look-ups by primary key, on every update of a
  // database too small for the scan to look dearer (21,010 rows read to keep one at 21,000 patients)
  // a condition locks the replaced row first, if it is still the version read; every part of the
  // statement reads `input` or asks for `cur`, so none writes when it is not
  const ctes: string[] = [];
  const stillCurrent = condition ? 'EXISTS (SELECT FROM cur)' : undefined;
  if (condition) {
    const [v] = versions;
    params.push(v.resourceType, v.id, condition.versionId);
    ctes.push(`cur AS (SELECT 1 FROM resource WHERE resource_type = $2::text AND id = $3::text
       AND version_id = $4::bigint FOR UPDATE)`);
  }
  ctes.push(
    `input AS (SELECT * FROM json_to_recordset($1::json) AS x(resource_type text, id text, version_id bigint,
       last_updated timestamptz, deleted boolean, method text, content json, patients text[], packed text)
       ${stillCurrent ? `WHERE ${stillCurrent} ` : ''}LIMIT ${versions.length})`,
    `up AS (INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
       SELECT resource_type, id, version_id, last_updated, deleted, content FROM input
       ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id,
       last_updated = EXCLUDED.last_updated, deleted = EXCLUDED.deleted, content = EXCLUDED.content)`,
    // a deletion keeps the patients of what it deletes (the snapshot still sees their compartment rows),
    // so the deleted id stays in its compartment: history and reuse are judged by it.
    // The current version's content is kept once, in `resource`: its history row has none until it
    // is superseded (below)
    `hist AS (INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, patients)
       SELECT x.resource_type, x.id, x.version_id, x.last_updated, x.deleted, x.method, NULL,
         COALESCE(x.patients, ARRAY(SELECT c.patient_id FROM compartment c WHERE c.resource_type = x.resource_type AND c.id = x.id))
       FROM input x)`,
  );
  // the version being replaced moves its content into its history row, packed from what was read
  // under lock (as it is in `resource`: the snapshot still reads the old row, whatever the upsert
  // beside it writes — the fallback when no content was given)
  if (replacing)
    ctes.push(
      `superseded AS (UPDATE resource_history h
          SET content = CASE WHEN x.packed IS NULL THEN r.content END, packed = decode(x.packed, 'base64')
         FROM input x JOIN resource r ON r.resource_type = x.resource_type AND r.id = x.id
        WHERE h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
          AND NOT r.deleted AND h.content IS NULL AND h.packed IS NULL)`,
    );
  if (options.events) {
    const awaited = options.awaitedEventTypes?.();
    if (awaited) params.push(awaited);
    ctes.push(
      `ev AS (INSERT INTO resource_event (resource_type, id, version_id, action, patients, dispatched_at)
         SELECT x.resource_type, x.id, x.version_id,
           CASE WHEN x.deleted THEN 'delete' WHEN x.version_id = 1 THEN 'create' ELSE 'update' END,
           COALESCE(x.patients, ARRAY(SELECT c.patient_id FROM compartment c WHERE c.resource_type = x.resource_type AND c.id = x.id)),
           ${awaited ? `CASE WHEN x.resource_type = ANY($${params.length}::text[]) THEN NULL ELSE now() END` : 'NULL::timestamptz'}
         FROM input x)`,
    );
  }
  // a type's old rows can only be in the tables of its search parameters' types (indexTablesOf)
  const types = [...new Set(versions.map((v) => v.resourceType))];
  const tables: [string, string, Record<string, unknown>[], boolean][] = INDEX_TABLES.map((t) => [
    `sp_${t}`,
    INDEX_COLUMNS[t],
    versions.flatMap((v) =>
      (v.rows?.[t] ?? []).map((r) => ({ resource_type: v.resourceType, id: v.id, ...r })),
    ),
    types.some((type) => indexTablesOf(type).has(t)),
  ]);
  tables.push([
    'compartment',
    'patient_id text',
    versions.flatMap((v) =>
      (v.resource ? (v.compartment ?? []) : []).map((p) => ({
        resource_type: v.resourceType,
        id: v.id,
        patient_id: p,
      })),
    ),
    true,
  ]);
  const untouched = (table: string) => versions.every((v) => v.unchanged?.has(table));
  // tables whose rows an update leaves as they are get neither a DELETE nor an INSERT
  const rewritten = tables.filter(([table]) => !(replacing && untouched(table.replace(/^sp_/, ''))));
  const deleting = replacing && rewritten.some(([, , , mayHoldRows]) => mayHoldRows);
  // the rows to replace are named by two arrays: the planner sizes an unnest() by its parameters,
  // where a json_to_recordset() is always guessed at 100 rows (→ sequential scans on small tables)
  // One version (an interactive update): two scalars instead, so that the prepared statement's
  // generic plan is as cheap as a custom one and PostgreSQL stops planning it at every call.
  // (a condition's statement has them already: $2 and $3)
  const keysParam = condition ? 2 : params.length + 1;
  const single = versions.length === 1;
  if (deleting && !condition)
    params.push(
      ...(single
        ? [versions[0].resourceType, versions[0].id]
        : [versions.map((v) => v.resourceType), versions.map((v) => v.id)]),
    );
  for (const [table, columns, rows, mayHoldRows] of rewritten) {
    if (deleting && mayHoldRows) {
      ctes.push(
        single
          ? `d_${table} AS (DELETE FROM ${table} t WHERE t.resource_type = $${keysParam}::text AND t.id = $${keysParam + 1}::text${stillCurrent ? ` AND ${stillCurrent}` : ''})`
          : `d_${table} AS (DELETE FROM ${table} t USING unnest($${keysParam}::text[], $${keysParam + 1}::text[]) AS k(resource_type, id)
           WHERE t.resource_type = k.resource_type AND t.id = k.id)`,
      );
    }
    if (rows.length === 0) continue;
    params.push(JSON.stringify(rows));
    ctes.push(`i_${table} AS (INSERT INTO ${table} (resource_type, id, ${names(columns)})
       SELECT resource_type, id, ${names(columns)} FROM json_to_recordset($${params.length}::json)
       AS x(resource_type text, id text, ${columns})${stillCurrent ? ` WHERE ${stillCurrent}` : ''})`);
  }
  // the claim's function is called by the query the statement returns: a plain CTE nobody reads is
  // not run (the data-modifying ones always are). It raises when another resource holds the value,
  // and the statement leaves nothing behind
  let result = condition ? '(SELECT count(*) FROM cur)' : '1';
  if (claim) {
    params.push(claim.lockKey, claim.type, claim.system, claim.value, claim.id);
    const p = params.length - 4;
    ctes.push(
      `claim AS (SELECT sahti_claim_identifier($${p}::text, $${p + 1}::text, $${p + 2}::text, $${p + 3}::text, $${p + 4}::text) AS held)`,
    );
    result = '(SELECT held FROM claim)';
  }
  // one version's write (an interactive create, update or delete) has a few fixed shapes: kept
  // prepared; a bulk chunk's plan must see its size
  const done = await tx.query<{ written: string | number }>(
    `WITH ${ctes.join(',\n')} SELECT ${result} AS written`,
    params,
    { prepared: versions.length === 1 },
  );
  return !condition || Number(done.rows[0]?.written) > 0;
}
