/**
 * `node bench/profile.ts`: CPU per resource of the engine's pure stages — validation, index rows
 * (FHIRPath over every search parameter), JSON — beside JSON.stringify of the same resource as the
 * baseline, all in one process, no database. Shows which of them an import or a write pays most for.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../packages/fhir/src/definitions.ts';
import { buildIndexRows } from '../packages/fhir/src/index-rows.ts';
import { assertValid } from '../packages/fhir/src/validate.ts';
import { stampedVersion } from '../packages/fhir/src/versions.ts';
import { observation, patient } from './generate.ts';

const N = 3_000;
loadDefinitions();

const kinds: [string, (i: number) => Resource][] = [
  ['Patient', (i) => patient(i) as unknown as Resource],
  ['Observation', (i) => observation(i, i % 10, `Patient/p${i}`) as unknown as Resource],
];

/** Mean µs per call over N resources, after a warm-up pass over the same number. */
function time(make: (i: number) => Resource, stage: (r: Resource) => unknown): number {
  const inputs = Array.from({ length: N }, (_, i) => make(i));
  for (const r of inputs) stage(r);
  const t0 = performance.now();
  for (const r of inputs) stage(r);
  return ((performance.now() - t0) * 1000) / N;
}

const rows: string[] = [
  '| resource | JSON.stringify (baseline) | validate | index rows | stamped version (meta + index rows + compartment) | index rows / stringify |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const [name, make] of kinds) {
  const json = time(make, (r) => JSON.stringify(r));
  const valid = time(make, (r) => assertValid(r));
  const index = time(make, (r) => buildIndexRows({ ...r, id: 'x' }));
  const stamped = time(make, (r) => stampedVersion(r, 'x', 1, new Date().toISOString(), 'POST'));
  const counts = buildIndexRows({ ...make(1), id: 'x' });
  const total = Object.values(counts).reduce((n, list) => n + list.length, 0);
  rows.push(
    `| ${name} (${total} index rows) | ${json.toFixed(1)} µs | ${valid.toFixed(1)} µs | ${index.toFixed(1)} µs | ${stamped.toFixed(1)} µs | ${(index / json).toFixed(0)}× |`,
  );
}
console.log(rows.join('\n'));
