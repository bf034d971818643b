/**
 * Versioned migrations. Each runs once, in order, inside a transaction; the applied versions are
 * recorded in sahti_migration. SQL stays within PostgreSQL 15 (PGlite embeds a newer engine).
 *
 * Layout: `resource` holds the current version of each resource, `resource_history` every version
 * (a superseded version's content with it, packed; the current one's content is in `resource` only),
 * and one side table per search-parameter type holds the values each current resource is found by,
 * rewritten in the same statement as the resource. Every row carries (resource_type, id) and, for
 * patient-owned data, `compartment` gives the patient keys (the sharding key for Citus).
 */
import type { Resource } from '@medplum/fhirtypes';
import { compartmentPatients } from './compartment.ts';
import { allResourceTypes, META_PARAMETERS, searchParametersOf } from './definitions.ts';
import { buildIndexRows } from './index-rows.ts';
import { narrowedParameters, referenceAliases, tokenAliases } from './overlap.ts';
import { packContent } from './packed.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

const INDEX_KEY = 'resource_type text NOT NULL, id text NOT NULL, code text NOT NULL';

export interface Migration {
  version: number;
  name: string;
  /** Statements separated by `;` at the end of a line. */
  sql: string;
  /** Work SQL cannot express (backfills computed in TypeScript), run after `sql` in the same transaction. */
  run?: (tx: SqlExecutor) => Promise<void>;
}

/** The engine's own migrations; the server appends its own with versions from 1000 up. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'resources, history, search index',
    sql: `
CREATE TABLE resource (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content jsonb,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX resource_last_updated ON resource (resource_type, last_updated);

CREATE TABLE resource_history (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  method text NOT NULL,
  content jsonb,
  PRIMARY KEY (resource_type, id, version_id)
);
CREATE INDEX resource_history_type_time ON resource_history (resource_type, last_updated);
CREATE INDEX resource_history_time ON resource_history (last_updated);

CREATE TABLE compartment (resource_type text NOT NULL, id text NOT NULL, patient_id text NOT NULL);
CREATE INDEX compartment_resource ON compartment (resource_type, id);
CREATE INDEX compartment_patient ON compartment (patient_id, resource_type);

CREATE TABLE sp_string (${INDEX_KEY}, value text NOT NULL, exact text NOT NULL);
CREATE INDEX sp_string_resource ON sp_string (resource_type, id);
CREATE INDEX sp_string_value ON sp_string (resource_type, code, value text_pattern_ops);

CREATE TABLE sp_token (${INDEX_KEY}, system text, value text);
CREATE INDEX sp_token_resource ON sp_token (resource_type, id);
CREATE INDEX sp_token_value ON sp_token (resource_type, code, value, system);

CREATE TABLE sp_date (${INDEX_KEY}, low timestamptz NOT NULL, high timestamptz NOT NULL);
CREATE INDEX sp_date_resource ON sp_date (resource_type, id);
CREATE INDEX sp_date_value ON sp_date (resource_type, code, low, high);

CREATE TABLE sp_number (${INDEX_KEY}, low numeric, high numeric);
CREATE INDEX sp_number_resource ON sp_number (resource_type, id);
CREATE INDEX sp_number_value ON sp_number (resource_type, code, low);

CREATE TABLE sp_quantity (${INDEX_KEY}, system text, unit text, value numeric NOT NULL);
CREATE INDEX sp_quantity_resource ON sp_quantity (resource_type, id);
CREATE INDEX sp_quantity_value ON sp_quantity (resource_type, code, value);

CREATE TABLE sp_reference (${INDEX_KEY}, target_type text, target_id text, url text,
  ident_system text, ident_value text);
CREATE INDEX sp_reference_resource ON sp_reference (resource_type, id);
CREATE INDEX sp_reference_target ON sp_reference (target_id, target_type, code, resource_type);
CREATE INDEX sp_reference_identifier ON sp_reference (ident_value) WHERE ident_value IS NOT NULL;
CREATE INDEX sp_reference_url ON sp_reference (url) WHERE url IS NOT NULL;

CREATE TABLE sp_uri (${INDEX_KEY}, value text NOT NULL);
CREATE INDEX sp_uri_resource ON sp_uri (resource_type, id);
CREATE INDEX sp_uri_value ON sp_uri (resource_type, code, value);

CREATE TABLE sp_composite (${INDEX_KEY}, c1_system text, c1_value text NOT NULL, c2 jsonb NOT NULL);
CREATE INDEX sp_composite_resource ON sp_composite (resource_type, id);
CREATE INDEX sp_composite_value ON sp_composite (resource_type, code, c1_value);
`,
  },
  {
    version: 2,
    name: 'each history version carries its patients',
    sql: `ALTER TABLE resource_history ADD COLUMN patients text[] NOT NULL DEFAULT '{}'`,
    run: backfillVersionPatients,
  },
  {
    version: 3,
    name: 'resource events (transactional outbox)',
    sql: `
CREATE TABLE resource_event (
  seq bigserial PRIMARY KEY,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  action text NOT NULL,
  patients text[] NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX resource_event_pending ON resource_event (seq) WHERE dispatched_at IS NULL;
CREATE INDEX resource_event_time ON resource_event (occurred_at);
`,
  },
  {
    version: 4,
    name: 'search indexes that drive a search: ids in the value indexes, date width classes',
    // A search starts from its most selective filter's rows in a value index (search/drive.ts), so
    // each value index ends with the id: read alone (index-only), and in id order — the page's
    // order — when every column before the id is fixed by the search. A date row's width class
    // bounds where it can start (search/conditions.ts DATE_WIDTH_CLASS_HOURS), so that a date
    // range is an index range on `low` for each class instead of every row before its upper bound.
    // The compartment index carries the patient, which every page reads for each resource.
    // A check of a candidate (one parameter of one resource) names its type, id and code: with
    // the code in the by-id index, that lookup matches three equal columns, and the planner never
    // prefers a value index whose range it would have to filter by id (without statistics, PGlite
    // chose sp_date_value and read 33,000 rows per candidate at 20,000 patients).
    sql: `
ALTER TABLE sp_date ADD COLUMN width_class smallint GENERATED ALWAYS AS (CASE
  WHEN NOT (isfinite(low) AND isfinite(high)) THEN 4
  WHEN high - low <= interval '24 hours' THEN 0
  WHEN high - low <= interval '744 hours' THEN 1
  WHEN high - low <= interval '8784 hours' THEN 2
  WHEN high - low <= interval '87840 hours' THEN 3
  ELSE 4 END) STORED;
DROP INDEX sp_date_value;
CREATE INDEX sp_date_value ON sp_date (resource_type, code, width_class, low) INCLUDE (high, id);
DROP INDEX sp_string_value;
CREATE INDEX sp_string_value ON sp_string (resource_type, code, value text_pattern_ops, id);
DROP INDEX sp_token_value;
CREATE INDEX sp_token_value ON sp_token (resource_type, code, value, id) INCLUDE (system);
DROP INDEX sp_number_value;
CREATE INDEX sp_number_value ON sp_number (resource_type, code, low, id);
DROP INDEX sp_quantity_value;
CREATE INDEX sp_quantity_value ON sp_quantity (resource_type, code, value, id) INCLUDE (system, unit);
DROP INDEX sp_reference_target;
CREATE INDEX sp_reference_target ON sp_reference (target_id, target_type, code, resource_type, id);
DROP INDEX sp_uri_value;
CREATE INDEX sp_uri_value ON sp_uri (resource_type, code, value, id);
DROP INDEX sp_composite_value;
CREATE INDEX sp_composite_value ON sp_composite (resource_type, code, c1_value, id) INCLUDE (c1_system);
DROP INDEX sp_string_resource;
CREATE INDEX sp_string_resource ON sp_string (resource_type, id, code);
DROP INDEX sp_token_resource;
CREATE INDEX sp_token_resource ON sp_token (resource_type, id, code);
DROP INDEX sp_date_resource;
CREATE INDEX sp_date_resource ON sp_date (resource_type, id, code);
DROP INDEX sp_number_resource;
CREATE INDEX sp_number_resource ON sp_number (resource_type, id, code);
DROP INDEX sp_quantity_resource;
CREATE INDEX sp_quantity_resource ON sp_quantity (resource_type, id, code);
DROP INDEX sp_reference_resource;
CREATE INDEX sp_reference_resource ON sp_reference (resource_type, id, code);
DROP INDEX sp_uri_resource;
CREATE INDEX sp_uri_resource ON sp_uri (resource_type, id, code);
DROP INDEX sp_composite_resource;
CREATE INDEX sp_composite_resource ON sp_composite (resource_type, id, code);
DROP INDEX compartment_resource;
CREATE INDEX compartment_resource ON compartment (resource_type, id) INCLUDE (patient_id);
`,
  },
  {
    version: 5,
    name: "a care-giver's searches start from their patients' compartments",
    // search/drive.ts CareListDriver reads a care list's compartment rows of one type and their ids:
    // with the id in the index, that is an index-only range per patient.
    sql: `
DROP INDEX compartment_patient;
CREATE INDEX compartment_patient ON compartment (patient_id, resource_type, id);
`,
  },
  {
    version: 6,
    name: 'a parameter that includes another keeps rows for the rest of its values only',
    // overlap.ts: Observation combo-code is code | component-code, and so on. The rows it wrote
    // before that repeat one of the included parameters' rows (same resource, same values) go.
    // Composite rows are built again: their first component no longer takes a concept's text or
    // a coding's display for a code (index-rows.ts addComposite).
    sql: 'SELECT 1',
    run: async (tx) => {
      await dropRepeatedRows(tx);
      await rebuildCompositeRows(tx);
    },
  },
  {
    version: 7,
    name: "the current version's content is kept once, in resource",
    // write.ts: a version's history row gets its content when it is superseded; until then its
    // readers join `resource` (history.ts VERSION_CONTENT_COLUMNS). Current versions written before drop
    // their copy.
    sql: `
UPDATE resource_history h SET content = NULL FROM resource r
 WHERE h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
   AND h.content IS NOT NULL`,
  },
  {
    version: 8,
    name: "a superseded version's content is packed",
    // packed.ts: DEFLATE with a dictionary of what FHIR JSON repeats, a third of the jsonb's size
    // for a small resource (PostgreSQL compresses only past ~2 kB); write.ts packs the version it
    // supersedes. The versions superseded before are packed here.
    sql: 'ALTER TABLE resource_history ADD COLUMN IF NOT EXISTS packed bytea',
    run: packSupersededVersions,
  },
  {
    version: 9,
    name: 'every resource is found by its meta: _tag, _security, _profile, _source',
    // definitions.ts META_PARAMETERS: the common parameters are indexed for every type from now
    // on; the resources written before with a tag, a security label, a profile or a source get
    // their rows here.
    sql: 'SELECT 1',
    run: indexMetaParameters,
  },
  {
    version: 10,
    name: 'no planner statistics on whole JSON documents',
    // statistics.ts runs ANALYZE every few thousand written resources; sorting a sample of whole
    // resources (jsonb comparison) was most of its cost during an import, for statistics no query
    // uses: searches read the index tables, and a composite's second part by its fields
    sql: `
ALTER TABLE resource ALTER COLUMN content SET STATISTICS 0;
ALTER TABLE sp_composite ALTER COLUMN c2 SET STATISTICS 0;
`,
  },
  {
    version: 11,
    name: 'contents kept as the JSON text written (json, not jsonb)',
    // Nothing searches inside a stored content (searches read the index tables), while every write
    // parsed it into jsonb and every read printed it back to text. As json, PostgreSQL checks the
    // syntax and keeps the text: a resource reads back with its elements in the order it was
    // written. docs/performance.md, "Contents kept as the text written".
    sql: `
ALTER TABLE resource ALTER COLUMN content TYPE json USING content::json;
ALTER TABLE resource_history ALTER COLUMN content TYPE json USING content::json;
`,
  },
  {
    version: 12,
    name: 'a unique identifier claimed inside the write statement',
    // unique.ts StatementClaim: a create carrying one unique identifier (a CNIE) calls this from
    // its write statement instead of locking and looking up in statements of their own. The lock is the one
    // assertUniqueIdentifiers takes; the check is a query of its own in a VOLATILE function, so its
    // snapshot is taken after the lock and sees a holder that committed meanwhile. Any holder
    // raises SH409, and the write goes the transaction's way, which judges the holder's claim.
    // (One statement whose body holds `;` line ends: run whole, not split.)
    sql: 'SELECT 1',
    run: async (tx) => {
      await tx.query(CLAIM_FUNCTION);
    },
  },
  {
    version: 13,
    name: "a care-giver's list of patients starts from the list itself",
    // search/drive.ts carePatientsPage: the Patients in listed compartments other than the listed
    // patients themselves (a `link` to one of them) — few, so this index is small and each listed
    // patient's look into it cheap.
    sql: `
CREATE INDEX compartment_linked_patient ON compartment (patient_id) INCLUDE (id)
  WHERE resource_type = 'Patient' AND id <> patient_id;
`,
  },
  {
    version: 14,
    name: 'ANALYZE samples 3,000 resources and versions, not 30,000',
    // ANALYZE keeps a sample of whole rows, 300 per unit of the largest statistics target: 30,000
    // resources (each with its content) by default. The embedded database's WebAssembly memory grows
    // to hold that sample and never shrinks (+72 MB for 100,000 rows of ~1 kB in a throwaway, none
    // with a target of 10; +22 MB early in the full-volume import). Searches start from the index
    // tables (search/drive.ts), and `resource` is read by its keys; ten buckets still tell the
    // common types from the rest. As the audit trail's (audit migration 1103;
    // docs/performance.md, "The resources' statistics from a smaller sample").
    sql: `
ALTER TABLE resource
  ALTER COLUMN resource_type SET STATISTICS 10,
  ALTER COLUMN id SET STATISTICS 10,
  ALTER COLUMN version_id SET STATISTICS 10,
  ALTER COLUMN last_updated SET STATISTICS 10,
  ALTER COLUMN deleted SET STATISTICS 10;
ALTER TABLE resource_history
  ALTER COLUMN resource_type SET STATISTICS 10,
  ALTER COLUMN id SET STATISTICS 10,
  ALTER COLUMN version_id SET STATISTICS 10,
  ALTER COLUMN last_updated SET STATISTICS 10,
  ALTER COLUMN deleted SET STATISTICS 10,
  ALTER COLUMN method SET STATISTICS 10,
  ALTER COLUMN patients SET STATISTICS 10,
  ALTER COLUMN content SET STATISTICS 0,
  ALTER COLUMN packed SET STATISTICS 0;
`,
  },
  {
    version: 15,
    name: "a reference parameter that is another's narrowed to one target type keeps no rows",
    // overlap.ts referenceAlias: Observation `patient` is `subject` narrowed to Patient, and reads
    // the `subject` rows typed Patient. A reference by identifier alone now has its `type` in its row
    // (index-rows.ts addReference): the base rows written before get the type their alias's row
    // vouched for, then the alias's rows go.
    sql: 'SELECT 1',
    run: dropAliasRows,
  },
  {
    version: 16,
    name: 'an address keeps rows only for the parts no other parameter holds',
    // overlap.ts STRING_PARTS: Patient `address` is found by an address's text, lines, city,
    // district, state, postal code and country, and four of them (city, state, postal code,
    // country) have parameters with rows of their own. The wider parameter's rows that repeat one of
    // theirs go; a search on it reads all their rows.
    sql: 'SELECT 1',
    run: async (tx) => {
      // a new database has nothing to mend
      if ((await tx.query('SELECT 1 FROM sp_string LIMIT 1')).rows.length === 0) return;
      await dropRepeatedRows(tx, 'string');
    },
  },
  {
    version: 17,
    name: "a concept's texts are kept on its parameter's first code row",
    // index-rows.ts tokenRows: the texts `:text` reads (a concept's text, its codings' displays) were
    // rows of their own under the system 'urn:sahti:text'; they become the `text` of one row of the
    // same resource and parameter — or, where the parameter has no code, a row of their own without
    // one. Adding a nullable column rewrites nothing; the merge reads every text row once.
    sql: 'ALTER TABLE sp_token ADD COLUMN IF NOT EXISTS text text',
    run: mergeTokenTexts,
  },
  {
    version: 18,
    name: 'a contact point parameter of one system keeps no rows',
    // overlap.ts tokenAlias: Patient `phone` is `telecom` of system `phone`, and reads those rows.
    sql: 'SELECT 1',
    run: async (tx) => {
      // a new database has nothing to mend: one statement, not two per type
      if ((await tx.query('SELECT 1 FROM sp_token LIMIT 1')).rows.length === 0) return;
      for (const type of allResourceTypes()) {
        const codes = [...tokenAliases(type).keys()];
        if (codes.length > 0)
          await tx.query('DELETE FROM sp_token WHERE resource_type = $1::text AND code = ANY($2::text[])', [
            type,
            codes,
          ]);
      }
    },
  },
];

/** Migration 17: each resource's and parameter's text rows, merged onto one row. */
async function mergeTokenTexts(tx: SqlExecutor): Promise<void> {
  // a new database has nothing to mend
  if ((await tx.query(`SELECT 1 FROM sp_token WHERE system = 'urn:sahti:text' LIMIT 1`)).rows.length === 0)
    return;
  await tx.query(
    `CREATE TEMPORARY TABLE merged_text ON COMMIT DROP AS
       SELECT resource_type, id, code, string_agg(DISTINCT value, E'\\n' ORDER BY value) AS text
         FROM sp_token WHERE system = 'urn:sahti:text' AND value <> '' GROUP BY resource_type, id, code`,
  );
  await tx.query(`DELETE FROM sp_token WHERE system = 'urn:sahti:text'`);
  // the first code row of each (its physical place: any one would do)
  await tx.query(
    `UPDATE sp_token t SET text = m.text
       FROM merged_text m,
            LATERAL (SELECT min(f.ctid) AS first FROM sp_token f
                      WHERE f.resource_type = m.resource_type AND f.id = m.id AND f.code = m.code) f
      WHERE t.ctid = f.first`,
  );
  await tx.query(
    `INSERT INTO sp_token (resource_type, id, code, system, value, text)
       SELECT m.resource_type, m.id, m.code, NULL, NULL, m.text FROM merged_text m
        WHERE NOT EXISTS (SELECT 1 FROM sp_token t
                           WHERE t.resource_type = m.resource_type AND t.id = m.id AND t.code = m.code)`,
  );
}

/** The rows of reference parameters that read their base's rows since migration 15. */
async function dropAliasRows(tx: SqlExecutor): Promise<void> {
  // a new database has nothing to mend: one statement, not two per alias
  if ((await tx.query('SELECT 1 FROM sp_reference LIMIT 1')).rows.length === 0) return;
  for (const type of allResourceTypes()) {
    for (const [code, alias] of referenceAliases(type)) {
      await tx.query(
        `UPDATE sp_reference b SET target_type = $4::text
           FROM sp_reference a
          WHERE b.resource_type = $1::text AND b.code = $3::text AND b.target_type IS NULL AND b.target_id IS NULL
            AND b.url IS NULL AND b.ident_value IS NOT NULL
            AND a.resource_type = b.resource_type AND a.id = b.id AND a.code = $2::text
            AND a.target_id IS NULL AND a.url IS NULL
            AND a.ident_value = b.ident_value AND a.ident_system IS NOT DISTINCT FROM b.ident_system`,
        [type, code, alias.base, alias.targetType],
      );
      await tx.query('DELETE FROM sp_reference WHERE resource_type = $1::text AND code = $2::text', [
        type,
        code,
      ]);
    }
  }
}

/** The index rows of the meta parameters for the resources written before migration 9. */
async function indexMetaParameters(tx: SqlExecutor): Promise<void> {
  let after: [string, string] = ['', ''];
  for (;;) {
    const { rows } = await tx.query<{ resource_type: string; id: string; content: string }>(
      `SELECT resource_type, id, content::text AS content FROM resource
        WHERE (resource_type, id) > ($1::text, $2::text) AND NOT deleted AND content IS NOT NULL
          AND content::jsonb->'meta' ?| array['tag', 'security', 'profile', 'source'] -- json since migration 11
        ORDER BY resource_type, id LIMIT 1000`,
      after,
    );
    if (rows.length === 0) return;
    const token: Record<string, unknown>[] = [];
    const uri: Record<string, unknown>[] = [];
    for (const r of rows) {
      const built = buildIndexRows(JSON.parse(r.content) as Resource);
      const key = { resource_type: r.resource_type, id: r.id };
      for (const t of built.token) if (META_PARAMETERS.has(t.code)) token.push({ ...key, ...t });
      for (const u of built.uri) if (META_PARAMETERS.has(u.code)) uri.push({ ...key, ...u });
    }
    // rows already there (a run again over the same resources) are replaced, not doubled
    const codes = [...META_PARAMETERS];
    for (const table of ['sp_token', 'sp_uri'])
      await tx.query(
        `DELETE FROM ${table} t USING unnest($1::text[], $2::text[]) AS k(resource_type, id)
          WHERE t.resource_type = k.resource_type AND t.id = k.id AND t.code = ANY($3::text[])`,
        [rows.map((r) => r.resource_type), rows.map((r) => r.id), codes],
      );
    await tx.query(
      `INSERT INTO sp_token (resource_type, id, code, system, value)
         SELECT resource_type, id, code, system, value
           FROM jsonb_to_recordset($1::jsonb) AS x(resource_type text, id text, code text, system text, value text)`,
      [JSON.stringify(token)],
    );
    await tx.query(
      `INSERT INTO sp_uri (resource_type, id, code, value)
         SELECT resource_type, id, code, value
           FROM jsonb_to_recordset($1::jsonb) AS x(resource_type text, id text, code text, value text)`,
      [JSON.stringify(uri)],
    );
    const last = rows[rows.length - 1];
    after = [last.resource_type, last.id];
  }
}

/** Every history row that still holds its content as JSON gets it packed (migration 8). */
async function packSupersededVersions(tx: SqlExecutor): Promise<void> {
  let after: [string, string, string] = ['', '', '0'];
  for (;;) {
    const { rows } = await tx.query<{
      resource_type: string;
      id: string;
      version_id: string;
      content: string;
    }>(
      // ordered by the columns: a bare version_id is the text selected (10 before 9)
      `SELECT resource_type, id, version_id::text AS version_id, content::text AS content FROM resource_history
        WHERE (resource_type, id, version_id) > ($1::text, $2::text, $3::bigint) AND content IS NOT NULL
        ORDER BY resource_history.resource_type, resource_history.id, resource_history.version_id LIMIT 1000`,
      after,
    );
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE resource_history h SET content = NULL, packed = decode(u.p, 'base64')
         FROM jsonb_to_recordset($1::jsonb) AS u(t text, i text, v bigint, p text)
        WHERE h.resource_type = u.t AND h.id = u.i AND h.version_id = u.v`,
      [
        JSON.stringify(
          rows.map((r) => ({
            t: r.resource_type,
            i: r.id,
            v: r.version_id,
            p: packContent(r.content).toString('base64'),
          })),
        ),
      ],
    );
    const last = rows[rows.length - 1];
    after = [last.resource_type, last.id, last.version_id];
  }
}

async function rebuildCompositeRows(tx: SqlExecutor): Promise<void> {
  const types = allResourceTypes().filter((t) =>
    [...searchParametersOf(t).values()].some((sp) => sp.type === 'composite'),
  );
  for (const type of types) {
    let after = '';
    for (;;) {
      const { rows } = await tx.query<{ id: string; content: string }>(
        `SELECT id, content::text AS content FROM resource
          WHERE resource_type = $1::text AND id > $2::text AND NOT deleted AND content IS NOT NULL
          ORDER BY id LIMIT 2000`,
        [type, after],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.id);
      const composite = rows.flatMap((r) =>
        buildIndexRows(JSON.parse(r.content) as Resource).composite.map((c) => ({ id: r.id, ...c })),
      );
      await tx.query('DELETE FROM sp_composite WHERE resource_type = $1::text AND id = ANY($2::text[])', [
        type,
        ids,
      ]);
      await tx.query(
        `INSERT INTO sp_composite (resource_type, id, code, c1_system, c1_value, c2)
           SELECT $1::text, id, code, c1_system, c1_value, c2
             FROM jsonb_to_recordset($2::jsonb) AS x(id text, code text, c1_system text, c1_value text, c2 jsonb)`,
        [type, JSON.stringify(composite)],
      );
      after = ids[ids.length - 1] as string;
    }
  }
}

/**
 * Deletes the rows of narrowed parameters (overlap.ts) that repeat a row of a parameter they
 * include; `only`: those of one parameter type.
 */
async function dropRepeatedRows(tx: SqlExecutor, only?: string): Promise<void> {
  for (const type of allResourceTypes()) {
    for (const [code, narrowed] of narrowedParameters(type)) {
      if (only && narrowed.rest.type !== only) continue;
      const table = `sp_${narrowed.rest.type}`;
      await tx.query(
        `DELETE FROM ${table} w WHERE w.resource_type = $1::text AND w.code = $2::text
           AND EXISTS (SELECT 1 FROM ${table} n WHERE n.resource_type = w.resource_type AND n.id = w.id
             AND n.code = ANY($3::text[]) AND to_jsonb(n) - 'code' = to_jsonb(w) - 'code')`,
        [type, code, narrowed.within],
      );
    }
  }
}

/** Versions written before migration 2: their patients from their own content; a deletion keeps its predecessor's. */
async function backfillVersionPatients(tx: SqlExecutor): Promise<void> {
  let after: [string, string, string] = ['', '', '0'];
  let previous: { key: string; patients: string[] } | undefined;
  for (;;) {
    const rows = (
      await tx.query<{ resource_type: string; id: string; version_id: string; content: string | null }>(
        // ordered by the columns: a bare version_id is the text selected (10 before 9)
        `SELECT resource_type, id, version_id::text AS version_id, content::text AS content FROM resource_history
          WHERE (resource_type, id, version_id) > ($1::text, $2::text, $3::bigint)
          ORDER BY resource_history.resource_type, resource_history.id, resource_history.version_id LIMIT 2000`,
        after,
      )
    ).rows;
    if (rows.length === 0) return;
    const updates: { t: string; i: string; v: string; p: string[] }[] = [];
    for (const row of rows) {
      const key = `${row.resource_type}/${row.id}`;
      const patients = row.content
        ? compartmentPatients(JSON.parse(row.content) as Resource)
        : previous?.key === key
          ? previous.patients
          : [];
      previous = { key, patients };
      if (patients.length > 0)
        updates.push({ t: row.resource_type, i: row.id, v: row.version_id, p: patients });
    }
    if (updates.length > 0) {
      await tx.query(
        `UPDATE resource_history h SET patients = ARRAY(SELECT jsonb_array_elements_text(u.p))
           FROM jsonb_to_recordset($1::jsonb) AS u(t text, i text, v bigint, p jsonb)
          WHERE h.resource_type = u.t AND h.id = u.i AND h.version_id = u.v`,
        [JSON.stringify(updates)],
      );
    }
    const last = rows[rows.length - 1];
    after = [last.resource_type, last.id, last.version_id];
  }
}

const CLAIM_FUNCTION = `
CREATE OR REPLACE FUNCTION sahti_claim_identifier(lock_key text, claim_type text, claim_system text, claim_value text, claimant text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(lock_key));
  IF EXISTS (SELECT 1 FROM sp_token WHERE resource_type = claim_type AND code = 'identifier'
               AND value = claim_value AND system = claim_system AND id <> claimant) THEN
    RAISE EXCEPTION USING ERRCODE = 'SH409', MESSAGE = 'the identifier claimed is carried by another resource';
  END IF;
  RETURN true;
END
$fn$`;

export const INDEX_TABLES = [
  'string',
  'token',
  'date',
  'number',
  'quantity',
  'reference',
  'uri',
  'composite',
] as const;

export async function migrate(db: SqlClient, extra: Migration[] = []): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS sahti_migration (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied = new Set(
    (await db.query<{ version: number }>('SELECT version FROM sahti_migration')).rows.map((r) =>
      Number(r.version),
    ),
  );
  const ran: number[] = [];
  for (const m of [...MIGRATIONS, ...extra].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    await db.transaction(async (tx) => {
      // a concurrent starter may have applied it since we looked
      await tx.query('LOCK TABLE sahti_migration IN EXCLUSIVE MODE');
      const again = await tx.query('SELECT 1 FROM sahti_migration WHERE version = $1::int', [m.version]);
      if (again.rows.length > 0) return;
      for (const statement of m.sql.split(/;\s*\n/).filter((s) => s.trim())) await tx.query(statement);
      await m.run?.(tx);
      await tx.query('INSERT INTO sahti_migration (version, name) VALUES ($1::int, $2::text)', [
        m.version,
        m.name,
      ]);
      ran.push(m.version);
    });
  }
  return ran;
}
