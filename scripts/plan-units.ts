/**
 * `npm run plan:units -- --units=50 --radius-km=15 --underserved-km=10 --mode=exact|fast [--json]`
 * Plans where mobile medical units should stop (maximal covering location over rural communes, see
 * docs/units-planning.md) on the real data in data/reference, and prints a table or JSON.
 *
 * `npm run plan:units -- --coverage [--by=region|province] [--json]` prints the coverage analysis
 * instead: population beyond 5/10/20 km of the nearest facility.
 *
 * Other options: --kinds=hospital,clinic,health_centre (facility kinds that count), --units-per-base=N
 * (most units in one province), --province-cap=CODE:N (repeatable), --keep=CODE,CODE (existing stops),
 * --time-limit-s=N (exact: HiGHS time limit; fast: search budget), --gap=R (exact: stop at this relative
 * gap), --facilities=FILE.csv (replace the OSM list), --add-facilities=FILE.csv (add or correct by
 * source_id; same columns as data/reference/facilities.csv), --thresholds=5,10,20, --data-dir=DIR.
 * Exit status 2 on bad input, with what to fix.
 */
import { parseArgs } from 'node:util';
import {
  analyseCoverage,
  applyFacilityEdits,
  type CoverageReport,
  type Facility,
  type FacilityKind,
  loadPlanningReference,
  type PlanProblem,
  planUnits,
  REFERENCE_DIR,
  readFacilitiesFile,
  type UnitPlan,
} from '../packages/server/src/modules/units/planning/index.ts';

const { values: flags } = parseArgs({
  options: {
    units: { type: 'string', default: '50' },
    'radius-km': { type: 'string', default: '15' },
    'underserved-km': { type: 'string', default: '10' },
    mode: { type: 'string', default: 'fast' },
    json: { type: 'boolean', default: false },
    coverage: { type: 'boolean', default: false },
    by: { type: 'string', default: 'region' },
    kinds: { type: 'string' },
    'units-per-base': { type: 'string' },
    'province-cap': { type: 'string', multiple: true, default: [] },
    keep: { type: 'string' },
    'time-limit-s': { type: 'string' },
    gap: { type: 'string' },
    facilities: { type: 'string' },
    'add-facilities': { type: 'string' },
    thresholds: { type: 'string', default: '5,10,20' },
    'data-dir': { type: 'string', default: REFERENCE_DIR },
  },
});

function fail(problems: PlanProblem[]): never {
  if (flags.json) console.log(JSON.stringify({ problems }, null, 2));
  for (const p of problems) console.error(`--${kebab(p.field)}: ${p.message}`);
  process.exit(2);
}
function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const number = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

const reference = loadPlanningReference(flags['data-dir']);
let facilities: Facility[] = reference.facilities;
for (const [flag, replace] of [
  ['facilities', true],
  ['add-facilities', false],
] as const) {
  const path = flags[flag];
  if (!path) continue;
  const { facilities: read, problems } = readFacilitiesFile(path);
  if (problems.length > 0)
    fail(problems.map((p) => ({ field: flag, message: `${path} line ${p.line}: ${p.message}` })));
  facilities = replace ? read : applyFacilityEdits(facilities, { upsert: read });
}
const kinds = list(flags.kinds) as FacilityKind[] | undefined;

if (flags.coverage) {
  const thresholdsKm = (list(flags.thresholds) ?? []).map(Number);
  if (thresholdsKm.some((t) => !(t >= 0)))
    fail([{ field: 'thresholds', message: 'give distances in km, e.g. 5,10,20' }]);
  if (flags.by !== 'region' && flags.by !== 'province')
    fail([{ field: 'by', message: 'region or province' }]);
  const report = analyseCoverage(reference.geography, facilities, {
    ...(kinds ? { kinds } : {}),
    thresholdsKm,
  });
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else printCoverage(report, flags.by === 'province' ? 'province' : 'region');
} else {
  const caps: Record<string, number> = {};
  for (const entry of flags['province-cap']) {
    const [code, cap] = entry.split(':');
    if (!code || cap === undefined) fail([{ field: 'provinceCaps', message: `"${entry}" is not CODE:N` }]);
    caps[code] = Number(cap);
  }
  const timeLimitS = number(flags['time-limit-s']);
  const outcome = await planUnits(reference.geography, facilities, {
    mode: flags.mode as 'exact' | 'fast',
    units: Number(flags.units),
    radiusKm: Number(flags['radius-km']),
    underservedKm: Number(flags['underserved-km']),
    ...(kinds ? { kinds } : {}),
    ...(flags['units-per-base'] !== undefined ? { unitsPerBase: Number(flags['units-per-base']) } : {}),
    ...(Object.keys(caps).length > 0 ? { provinceCaps: caps } : {}),
    ...(flags.keep !== undefined ? { keepStops: list(flags.keep) } : {}),
    ...(timeLimitS !== undefined ? { timeLimitMs: timeLimitS * 1000 } : {}),
    ...(flags.gap !== undefined ? { relativeGap: Number(flags.gap) } : {}),
  });
  if (!outcome.ok) fail(outcome.problems);
  if (flags.json) console.log(JSON.stringify(outcome.plan, null, 2));
  else printPlan(outcome.plan);
}

// ---- tables ------------------------------------------------------------------
function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
function pct(n: number): string {
  return `${(n * 100).toFixed(1)} %`;
}

function table(header: string[], rows: string[][], rightAligned: number[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function printPlan(plan: UnitPlan): void {
  const gap = plan.optimal
    ? 'proven optimal'
    : `within ${pct(plan.gap)} of optimal (proven bound ${int(plan.bound)})`;
  console.log(
    [
      `Mobile units plan — mode ${plan.mode}, ${plan.units} units, radius ${plan.radiusKm} km, ` +
        `underserved beyond ${plan.underservedKm} km of a ${plan.kinds.join('/')} (${int(plan.facilityCount)} facilities)`,
      `Underserved rural population: ${int(plan.underservedPopulation)} in ${plan.demandCommunes} communes ` +
        `(${int(plan.coverablePopulation)} within ${plan.radiusKm} km of some rural commune centre)`,
      `Covered: ${int(plan.coveredPopulation)} (${pct(plan.coveredPopulation / Math.max(1, plan.underservedPopulation))}) ` +
        `by ${plan.stops.length} stops in ${plan.provinces.length} provinces — ${gap}; ` +
        `status ${plan.status}, solved in ${int(plan.solveMs)} ms (model built in ${int(plan.buildMs)} ms)`,
      '',
      'Provinces',
      table(
        ['province', 'name', 'units', 'served pop.', 'underserved pop.', 'covered there'],
        plan.provinces.map((p) => [
          p.code,
          p.nameFr,
          String(p.units),
          int(p.servedPopulation),
          int(p.underservedPopulation),
          int(p.coveredPopulation),
        ]),
        [2, 3, 4, 5],
      ),
      '',
      'Stops',
      table(
        ['commune', 'name', 'province', 'covered pop.', 'communes', 'kept'],
        plan.stopDetails.map((s) => [
          s.code,
          s.nameFr,
          s.provinceCode,
          int(s.coveredPopulation),
          String(s.coveredCommunes.length),
          s.kept ? 'yes' : '',
        ]),
        [3, 4],
      ),
      '',
      ...plan.notes.map((n) => `Note: ${n}`),
    ].join('\n'),
  );
}

function printCoverage(report: CoverageReport, by: 'region' | 'province'): void {
  const areas = [report.national, ...(by === 'region' ? report.regions : report.provinces)];
  console.log(
    [
      `Distance from commune centroids to the nearest ${report.kinds.join('/')} (${int(report.facilityCount)} facilities, OpenStreetMap + edits)`,
      '',
      table(
        [
          by,
          'name',
          'population',
          'mean km',
          ...report.thresholdsKm.map((km) => `> ${km} km`),
          ...report.thresholdsKm.map((km) => `share > ${km}`),
        ],
        areas.map((a) => [
          a.code,
          a.nameFr,
          int(a.population),
          a.meanKm.toFixed(1),
          ...a.beyond.map((b) => int(b.population)),
          ...a.beyond.map((b) => pct(b.share)),
        ]),
        [2, 3, ...report.thresholdsKm.flatMap((_, i) => [4 + i, 4 + report.thresholdsKm.length + i])],
      ),
      '',
      "Note: a commune's whole population is counted at its centroid; OpenStreetMap misses many public health centres.",
      ...(report.national.unlocatedPopulation > 0
        ? [
            `Note: ${int(report.national.unlocatedPopulation)} people live in communes with no known centroid (left out of the bands).`,
          ]
        : []),
    ].join('\n'),
  );
}
