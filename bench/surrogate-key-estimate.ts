/**
 * What a surrogate integer key would save in the index tables: an estimate before the redesign.
 * Every index row (and each entry of its two indexes) carries its resource's key as text —
 * `resource_type` and the `id` UUID — and its parameter's `code`. This copies each index table of a
 * database filled by the benchmark twice, both rebuilt from scratch so that neither carries the
 * bloat of rows inserted one by one: once as it is (the baseline), once with a `bigint` resource key
 * (`rid`) and a `smallint` parameter key (`param`, one per resource type and code) in place of those
 * three columns, with the same indexes rewritten the same way. The compartment's patient becomes a
 * `rid` too. Searches, writes and plans are not measured: only bytes.
 *
 *   npm run bench -- --quick --backend=pglite --keep     # keeps its folder: /tmp/sahti-bench-pglite-XXXX
 *   node bench/surrogate-key-estimate.ts /tmp/sahti-bench-pglite-XXXX/server/pglite
 *
 * Works on a copy of the folder (the kept database is left as it was) and prints a Markdown table.
 */

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const source = process.argv[2];
if (!source)
  throw new Error('usage: node bench/surrogate-key-estimate.ts <PGlite folder kept by the benchmark>');
const INDEX_TABLES = [
  'sp_token',
  'sp_reference',
  'sp_composite',
  'sp_quantity',
  'sp_string',
  'sp_date',
  'sp_number',
  'sp_uri',
];
const KEY_COLUMNS = ['resource_type', 'id', 'code'];

const copy = mkdtempSync(join(tmpdir(), 'sahti-surrogate-key-'));
cpSync(source, copy, { recursive: true });
const db = await PGlite.create({ dataDir: copy });
const rows = async <T>(sql: string) => (await db.query<T>(sql)).rows;
const bytes = async (table: string) =>
  Number((await rows<{ b: number }>(`SELECT pg_total_relation_size('${table}') AS b`))[0].b);
const mib = (b: number) => (b / 1048576).toFixed(1);
const indexDefinitions = async (table: string) =>
  (await rows<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = '${table}'`)).map(
    (r) => r.indexdef,
  );
const otherColumns = async (table: string) =>
  (
    await rows<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
    )
  )
    .map((r) => r.column_name)
    .filter((c) => !KEY_COLUMNS.includes(c));

/** The same index on another table; with `surrogate`, the text key columns become rid / param. */
function indexOn(definition: string, table: string, surrogate: boolean): string {
  let sql = definition.replace(
    /CREATE (UNIQUE )?INDEX (\w+) ON public\.\w+/,
    `CREATE $1INDEX ${table}_$2 ON ${table}`,
  );
  if (surrogate) {
    sql = sql
      .replace(/resource_type, id, code/g, 'rid, param')
      .replace(/code, resource_type, id/g, 'param, rid')
      .replace(/resource_type, code/g, 'param')
      .replace(/resource_type, id/g, 'rid')
      .replace(/\bid\b/g, 'rid');
  }
  return sql;
}

await db.exec(`
CREATE TABLE key_rid AS SELECT resource_type, id, (row_number() OVER ())::bigint AS rid FROM resource;
CREATE UNIQUE INDEX ON key_rid (resource_type, id);
CREATE TABLE key_param AS SELECT resource_type, code, (row_number() OVER ())::smallint AS param
  FROM (${INDEX_TABLES.map((t) => `SELECT resource_type, code FROM ${t}`).join(' UNION ')}) codes;
CREATE UNIQUE INDEX ON key_param (resource_type, code);`);

const lines = [
  '| table | rows | as stored MiB | rebuilt as it is MiB (baseline) | rebuilt with rid + param MiB | ÷ baseline |',
  '|---|---:|---:|---:|---:|---:|',
];
const total = { stored: 0, baseline: 0, surrogate: 0 };
const note = async (label: string, table: string, count: number) => {
  const [stored, baseline, surrogate] = [
    await bytes(table),
    await bytes(`base_${table}`),
    await bytes(`key_${table}`),
  ];
  total.stored += stored;
  total.baseline += baseline;
  total.surrogate += surrogate;
  lines.push(
    `| ${label} | ${count.toLocaleString('en')} | ${mib(stored)} | ${mib(baseline)} | ${mib(surrogate)} | ${baseline ? (surrogate / baseline).toFixed(2) : '—'} |`,
  );
};
for (const table of INDEX_TABLES) {
  const rest = (await otherColumns(table)).map((c) => `t.${c}`);
  await db.exec(`CREATE TABLE base_${table} AS SELECT * FROM ${table};
    CREATE TABLE key_${table} AS SELECT k.rid, p.param${rest.length ? `, ${rest.join(', ')}` : ''} FROM ${table} t
      JOIN key_rid k USING (resource_type, id) JOIN key_param p USING (resource_type, code);`);
  for (const definition of await indexDefinitions(table)) {
    await db.exec(indexOn(definition, `base_${table}`, false));
    await db.exec(indexOn(definition, `key_${table}`, true));
  }
  const count = (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  await note(table, table, count);
}
// the compartment: (rid, patient's rid) and a smallint type, for "this patient's rows of a type"
await db.exec(`CREATE TABLE base_compartment AS SELECT * FROM compartment;
CREATE TABLE key_compartment AS SELECT k.rid, t.param AS type, pk.rid AS patient FROM compartment c
  JOIN key_rid k USING (resource_type, id) JOIN key_rid pk ON pk.resource_type = 'Patient' AND pk.id = c.patient_id
  JOIN (SELECT DISTINCT resource_type, (dense_rank() OVER (ORDER BY resource_type))::smallint AS param FROM resource) t
    ON t.resource_type = c.resource_type;
CREATE INDEX ON key_compartment (rid) INCLUDE (patient);
CREATE INDEX ON key_compartment (patient, type, rid);`);
for (const definition of await indexDefinitions('compartment'))
  await db.exec(indexOn(definition, 'base_compartment', false));
await note(
  'compartment',
  'compartment',
  (await rows<{ n: number }>('SELECT count(*)::int AS n FROM compartment'))[0].n,
);

const allTables = Number(
  (
    await rows<{ b: number }>(`SELECT sum(pg_total_relation_size(c.oid))::bigint AS b FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname !~ '^(base|key)_'`)
  )[0].b,
);
const ridColumn = await bytes('key_rid');
lines.push(
  `| **index tables + compartment** | | ${mib(total.stored)} | ${mib(total.baseline)} | ${mib(total.surrogate)} | ${(total.surrogate / total.baseline).toFixed(2)} |`,
);
await db.close();
rmSync(copy, { recursive: true, force: true });
const scaled = total.stored * (total.surrogate / total.baseline);
process.stdout.write(
  `${lines.join('\n')}\n\nAll tables as stored: ${mib(allTables)} MiB. With the index tables at the rebuilt ratio: ` +
    `≈ ${mib(allTables - total.stored + scaled)} MiB, plus the resource's rid (a side table of it with its ` +
    `unique index measures ${mib(ridColumn)} MiB; as a column of resource, about 8 bytes a row).\n`,
);
