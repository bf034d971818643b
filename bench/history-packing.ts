/**
 * What packing a superseded version saves (packed.ts), against the baseline of the same run: the
 * bytes PostgreSQL stores for the content as the current version's is stored (`json`, the text as
 * written; `pg_column_size`, compressed by PostgreSQL itself when past its ~2 kB threshold), and the CPU to pack and unpack a content against parsing
 * it (JSON.parse, which every read of a version does anyway). Samples: the benchmark's generated
 * patients and observations, and the official HL7 R4 examples of clinical, administrative and
 * workflow types (conformance and terminology resources left out: they are not versioned data).
 *
 *   node bench/history-packing.ts [--patients 500]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { packContent, unpackContent } from '../packages/fhir/src/packed.ts';
import { hl7Examples } from '../scripts/hl7-examples.ts';
import { observation, patient, uuidFor } from './generate.ts';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '500' } } });
const patients = Number(values.patients);

const CONFORMANCE =
  /^(CapabilityStatement|CodeSystem|CompartmentDefinition|ConceptMap|ImplementationGuide|NamingSystem|OperationDefinition|SearchParameter|StructureDefinition|StructureMap|ValueSet|Bundle)-/;

async function hl7Sample(): Promise<object[]> {
  const dir = await hl7Examples();
  const files = (await readdir(dir)).filter(
    (f) => f.endsWith('.json') && !CONFORMANCE.test(f) && f !== 'package.json',
  );
  const resources: object[] = [];
  for (const file of files.sort()) {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8'));
    if (typeof json?.resourceType === 'string') resources.push(json);
  }
  return resources;
}

/** As stored: with the id and meta the server stamps. */
const stamped = (resource: object, id: string) => ({
  ...resource,
  id,
  meta: { versionId: '1', lastUpdated: '2026-11-30T10:12:13.456Z' },
});
const groups: [string, object[]][] = [
  ['generated Patient', Array.from({ length: patients }, (_, i) => stamped(patient(i), uuidFor('p', i)))],
  [
    'generated Observation',
    Array.from({ length: patients * 4 }, (_, n) => {
      const i = Math.floor(n / 4);
      return stamped(observation(i, n % 4, `Patient/${uuidFor('p', i)}`), uuidFor('o', n));
    }),
  ],
  ['HL7 R4 examples (clinical, admin, workflow)', await hl7Sample()],
];

const pg = new PGlite();
await pg.exec('CREATE TABLE sample (n int, content json)');

/** Mean microseconds per call of `work` over `items`, repeated until ~200 ms have passed. */
function microseconds<T>(items: T[], work: (item: T) => unknown): number {
  for (const item of items) work(item); // warm: compiled, allocations settled
  let calls = 0;
  const start = process.hrtime.bigint();
  do {
    for (const item of items) work(item);
    calls += items.length;
  } while (process.hrtime.bigint() - start < 200_000_000n);
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

const rows: string[][] = [];
for (const [name, resources] of groups) {
  await pg.query('TRUNCATE sample');
  await pg.query(
    'INSERT INTO sample SELECT n, c FROM json_array_elements($1::json) WITH ORDINALITY AS x(c, n)',
    [JSON.stringify(resources)],
  );
  const { rows: stored } = await pg.query<{ text: string; size: number }>(
    'SELECT content::text AS text, pg_column_size(content) AS size FROM sample ORDER BY n',
  );
  const texts = stored.map((r) => r.text);
  const packed = texts.map(packContent);
  const storedBytes = stored.reduce((sum, r) => sum + r.size, 0);
  const packedBytes = packed.reduce((sum, p) => sum + p.length, 0);
  const parse = microseconds(texts, (t) => JSON.parse(t));
  const pack = microseconds(texts, packContent);
  const unpack = microseconds(packed, unpackContent);
  rows.push([
    name,
    String(texts.length),
    String(Math.round(storedBytes / texts.length)),
    String(Math.round(packedBytes / texts.length)),
    (packedBytes / storedBytes).toFixed(2),
    parse.toFixed(1),
    `${pack.toFixed(1)} (${(pack / parse).toFixed(1)}×)`,
    `${unpack.toFixed(1)} (${(unpack / parse).toFixed(1)}×)`,
  ]);
}
await pg.close();

console.log(`\n### Superseded versions packed (packed.ts) — ${new Date().toISOString()}\n`);
console.log(
  '| sample | resources | json bytes each (baseline) | packed bytes each | packed ÷ json | JSON.parse µs (baseline) | pack µs | unpack µs |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
