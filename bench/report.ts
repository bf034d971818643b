/**
 * Results: the shapes kept in the JSON file, the printed tables, and the published anchors they are
 * read against. Every FHIR figure sits beside the raw-SQL floor measured in the same run, because on
 * a shared 2-core machine only ratios are comparable between runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from './backends.ts';
import type { CpuPerRequest } from './cpu.ts';
import { type ExplainedSearch, planShape } from './explain.ts';
import type { LoadResult } from './load.ts';

export interface OperationResult {
  name: string;
  fhir: LoadResult;
  floor: LoadResult;
  /** CPU ms per request by process (undefined when not measured). */
  cpu: { fhir?: CpuPerRequest; floor?: CpuPerRequest };
}

export interface BackendResult {
  backend: 'pglite' | 'postgres';
  engineVersion: string;
  patients: number;
  observations: number;
  /** Whether the server's database was ANALYZEd after the import (--analyze). */
  analyzed: boolean;
  /** Whether authentication, authorisation and audit were on (--access=on). */
  accessControl: boolean;
  /** Import figures are per bundle (`perSecond` is bundles/s); resources/s from the counts. */
  import: {
    fhir: LoadResult;
    floor: LoadResult;
    resourcesPerBundle: number;
    fhirResources: number;
    floorResources: number;
    cpuPerResource: { fhir: CpuPerRequest; floor: CpuPerRequest };
  };
  operations: OperationResult[];
  memory: { idleAfterLoadMiB: number; afterRunMiB: number; peakMiB: number };
  storage: Storage;
  explains: ExplainedSearch[];
  /** pg_stat_user_tables of the engine's tables when the plans were read. */
  statistics: Record<string, unknown>[];
  /** The planner's share of distinct token values and the option that set it (explain.ts). */
  tokenValueDistinct?: { share: number; measured: boolean };
  /** PostgreSQL only: reads through a bare HTTP server over the floor (floor-http-server.ts). */
  httpFloor?: { name: string; result: LoadResult; cpu?: CpuPerRequest }[];
  notes: string[];
}

export interface RunResult {
  startedAt: string;
  mode: 'quick' | 'full';
  concurrency: number;
  importClients: number;
  machine: { cpus: number; model: string; memGiB: number; node: string; loadAverage: number[] };
  backends: BackendResult[];
}

/** Published figures, all from far larger machines (8+ CPUs for the server, 8 for the load). */
export const ANCHORS = [
  'CRUD mix: Aidbox 3,777 req/s, HAPI 3,755 req/s, Medplum 1,354 req/s (8+8 CPUs)',
  'Patient search: Blaze 2,000 req/s with p99 < 5 ms',
  'Transaction-bundle import: Blaze 4,146 resources/s (8 cores)',
];

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '–');
const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? (a / b).toFixed(2) : '–');

const perSecond = (count: number, r: LoadResult): number => (count / r.elapsedMs) * 1000;

/** Markdown table rows, so the same text goes to the terminal and to docs/performance.md. */
export function formatBackend(b: BackendResult): string {
  const lines = [
    `### ${b.backend} (${b.engineVersion}) — ${f0(b.patients)} patients, ${f0(b.observations)} observations` +
      (b.analyzed ? ', ANALYZEd after the import' : ', no ANALYZE') +
      (b.accessControl ? ', access control + audit ON' : ', access control off'),
    '',
    '| operation | FHIR req/s | p50 ms | p99 ms | errors | floor req/s | floor p50 ms | ratio FHIR/floor |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const { fhir, floor, resourcesPerBundle } = b.import;
  const fhirRate = perSecond(b.import.fhirResources, fhir);
  const floorRate = perSecond(b.import.floorResources, floor);
  lines.push(
    `| import (resources/s; latency per ${resourcesPerBundle}-entry bundle) | ${f0(fhirRate)} | ${f1(fhir.p50)} | ${f1(fhir.p99)} | ${errs(fhir)} | ${f0(floorRate)} | ${f1(floor.p50)} | ${ratio(fhirRate, floorRate)} |`,
  );
  for (const o of b.operations) {
    lines.push(
      `| ${o.name} | ${f0(o.fhir.perSecond)} | ${f1(o.fhir.p50)} | ${f1(o.fhir.p99)} | ${errs(o.fhir)} | ${f0(o.floor.perSecond)} | ${f1(o.floor.p50)} | ${ratio(o.fhir.perSecond, o.floor.perSecond)} |`,
    );
  }
  lines.push(
    '',
    'CPU ms per request (per resource for the import): FHIR server node process | its PostgreSQL backends | ' +
      'benchmark process — floor: PostgreSQL backends | benchmark process (for PGlite the floor database runs in it)',
    '',
    '| operation | server node | server DB | bench | floor DB | floor bench |',
    '|---|---:|---:|---:|---:|---:|',
    cpuRow('import', b.import.cpuPerResource.fhir, b.import.cpuPerResource.floor),
    ...b.operations.map((o) => cpuRow(o.name, o.cpu.fhir, o.cpu.floor)),
  );
  if (b.httpFloor?.length) {
    lines.push(
      '',
      'The floor behind HTTP: a bare node:http server in its own process, one prepared SELECT per request over a pg Pool, ' +
        'the row as the body (CPU ms per request: its node process + its PostgreSQL backends)',
      '',
      '| operation | FHIR req/s | HTTP floor req/s | HTTP floor p50 ms | ratio FHIR/HTTP floor | FHIR CPU node + DB | HTTP floor CPU node + DB |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...b.httpFloor.map((h) => {
        const o = b.operations.find((x) => x.name === h.name);
        const fhir = o?.fhir.perSecond ?? Number.NaN;
        return `| ${h.name} | ${f0(fhir)} | ${f0(h.result.perSecond)} | ${f1(h.result.p50)} | ${ratio(fhir, h.result.perSecond)} | ${f3(o?.cpu.fhir?.serverMs)} + ${f3(o?.cpu.fhir?.databaseMs)} | ${f3(h.cpu?.serverMs)} + ${f3(h.cpu?.databaseMs)} |`;
      }),
    );
  }
  lines.push(
    '',
    `Server process memory (node, VmRSS): ${f0(b.memory.idleAfterLoadMiB)} MiB idle after the import, ` +
      `${f0(b.memory.afterRunMiB)} MiB after the run, peak (VmHWM) ${f0(b.memory.peakMiB)} MiB.`,
    `Storage: FHIR ${mib(b.storage.fhirBytes)}, floor ${mib(b.storage.floorBytes)} (ratio ${ratio(b.storage.fhirBytes, b.storage.floorBytes)})` +
      (b.storage.wal
        ? `; write-ahead log, not counted: FHIR ${mib(b.storage.wal.fhirBytes)}, floor ${mib(b.storage.wal.floorBytes)}.`
        : '.'),
  );
  const tables = b.statistics.filter(
    (t) => typeof t.heapBytes === 'number' && typeof t.indexBytes === 'number',
  );
  if (tables.length > 0) {
    const bytes = (t: Record<string, unknown>) => (t.heapBytes as number) + (t.indexBytes as number);
    const big = tables.filter((t) => bytes(t) >= 1024 * 1024);
    lines.push(
      '',
      "Where the FHIR database's bytes are (tables of at least 1 MiB; heap includes TOAST):",
      '',
      '| table | rows | heap | indexes | share of the database |',
      '|---|---:|---:|---:|---:|',
      ...big.map(
        (t) =>
          `| ${t.table} | ${f0(Number(t.rows))} | ${mib(t.heapBytes as number)} | ${mib(t.indexBytes as number)} | ${f0((100 * bytes(t)) / b.storage.fhirBytes)} % |`,
      ),
    );
  }
  const errors = [
    ...[b.import, ...b.operations].flatMap((o) => [...o.fhir.errorSamples, ...o.floor.errorSamples]),
    ...(b.httpFloor ?? []).flatMap((h) => h.result.errorSamples),
  ];
  if (errors.length > 0) lines.push('', 'Error samples:', ...errors.map((e) => `- ${e}`));
  for (const e of b.explains) lines.push(`- plan of ${e.name}: ${describePlan(e)}`);
  if (b.tokenValueDistinct) {
    const { share, measured } = b.tokenValueDistinct;
    lines.push(
      `- planner's share of distinct token values (sp_token.value): ${share.toPrecision(3)}, ${measured ? "the server's measure (the column's n_distinct)" : "ANALYZE's estimate"}`,
    );
  }
  for (const n of b.notes) lines.push(`- ${n}`);
  return lines.join('\n');
}

/** One line per plan: its time, the indexes it reads and how many rows, and what would not scale. */
function describePlan(e: ExplainedSearch): string {
  const shape = e.shape ?? planShape(e.plan);
  const rows = (n: number | undefined): string => (n === undefined ? '' : ` (${f0(n)} rows)`);
  const indexes = new Map<string, number | undefined>();
  for (const s of shape.indexScans) {
    const before = indexes.get(s.index);
    indexes.set(s.index, s.rows === undefined ? before : (before ?? 0) + s.rows);
  }
  const parts = [
    Number.isFinite(e.executionMs) ? `executes in ${f1(e.executionMs)} ms` : 'not run (EXPLAIN only)',
    `reads ${[...indexes].map(([index, n]) => `${index}${rows(n)}`).join(', ') || 'no index'}`,
  ];
  if (shape.indexTableRows !== undefined)
    parts.push(`${f0(shape.indexTableRows)} index-table rows, ${f0(shape.resourceRows ?? 0)} resource rows`);
  if (shape.seqScans.length) parts.push(`**Seq Scan on ${[...new Set(shape.seqScans)].join(', ')}**`);
  if (shape.resourceWalk) parts.push('**walks resource_pkey**');
  return parts.join('; ');
}

const f3 = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(3) : '–');
const cpuRow = (name: string, fhir?: CpuPerRequest, floor?: CpuPerRequest): string =>
  `| ${name} | ${f3(fhir?.serverMs)} | ${f3(fhir?.databaseMs)} | ${f3(fhir?.benchMs)} | ${f3(floor?.databaseMs)} | ${f3(floor?.benchMs)} |`;
const errs = (r: LoadResult): string => `${r.errors}${r.stuck ? ` (+${r.stuck} stuck)` : ''}`;
const mib = (bytes: number): string => `${f0(bytes / 1024 / 1024)} MiB`;

export function formatRun(r: RunResult): string {
  return [
    `## Sahti benchmark — ${r.mode}, ${r.startedAt}`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ` +
      `load average at start ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}. ` +
      `${r.concurrency} concurrent clients; import with ${r.importClients}.`,
    '',
    ...r.backends.map((b) => `${formatBackend(b)}\n`),
    'Published anchors (far larger machines):',
    ...ANCHORS.map((a) => `- ${a}`),
  ].join('\n');
}

export function writeResults(r: RunResult): string {
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}
