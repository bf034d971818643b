/**
 * `[type]/$aggregate`: counts grouped by non-identifying dimensions, for programme managers and
 * indicator dashboards, as a FHIR MeasureReport (one stratum per cell). Filters follow the
 * aggregate allow-list; every cell under K is suppressed (its count left out, flagged), and so is
 * the total when it is under K — and enough cells beside them that the total minus the cells shown
 * does not give a suppressed count back (suppressedCells).
 *
 *   GET /fhir/R4/Observation/$aggregate?group-by=code&group-by=period:month&group-by=region&date=ge2025
 */
import type { MeasureReport, MeasureReportGroupStratifierStratum } from '@medplum/fhirtypes';
import {
  aggregateSearch,
  badRequest,
  FhirError,
  type FhirOperation,
  type GroupBy,
  outcome,
  parseSearch,
  type QueryParams,
  searchParametersOf,
} from '@sahti/fhir';
import { AGGREGATE_FILTERS, aggregateQueryProblem, K_ANONYMITY } from './aggregate.ts';

export const SUPPRESSED_EXTENSION = 'https://sahti.ma/fhir/StructureDefinition/suppressed-small-cell';
const AD_HOC_MEASURE = 'https://sahti.ma/fhir/Measure/ad-hoc-count';

/** Dimensions by name: the patient's sex, age band, region and province; a token; a period. */
type Dimension = { name: string; group: GroupBy; label: (key: string | null) => string | null };

const AGE_BANDS: [number, number | undefined][] = [
  [0, 4],
  [5, 14],
  [15, 24],
  [25, 34],
  [35, 44],
  [45, 54],
  [55, 64],
  [65, 74],
  [75, undefined],
];

export function ageBand(birthYear: string | null, now = new Date()): string | null {
  if (!birthYear || !/^\d{4}$/.test(birthYear)) return null;
  const age = now.getUTCFullYear() - Number(birthYear);
  const band = AGE_BANDS.find(([low, high]) => age >= low && (high === undefined || age <= high));
  return band ? (band[1] === undefined ? `${band[0]}+` : `${band[0]}-${band[1]}`) : null;
}

function dimensionOf(type: string, name: string): Dimension {
  const id = (key: string | null) => key;
  switch (name) {
    case 'sex':
      return { name, group: { kind: 'patient', attribute: 'gender' }, label: id };
    case 'age-band':
      return { name, group: { kind: 'patient', attribute: 'birth-year' }, label: (k) => ageBand(k) };
    case 'region':
      return { name, group: { kind: 'patient', attribute: 'state' }, label: id };
    case 'province':
      return { name, group: { kind: 'patient', attribute: 'district' }, label: id };
  }
  const [base, unit] = name.split(':');
  const param = searchParametersOf(type).get(base);
  if (unit !== undefined || param?.type === 'date' || base === '_lastUpdated') {
    const units = ['year', 'month', 'week', 'day'];
    const wanted = unit ?? 'month';
    if (!units.includes(wanted)) badRequest(`Group by ${base}:${units.join('|')}`, ['group-by']);
    const code = base === 'period' && !param ? defaultDateParam(type) : base;
    if (code !== '_lastUpdated' && searchParametersOf(type).get(code)?.type !== 'date')
      badRequest(`${type} has no date parameter "${base}"`, ['group-by']);
    return { name, group: { kind: 'period', code, unit: wanted as 'month' }, label: id };
  }
  if (param?.type === 'token' && AGGREGATE_FILTERS.has(base))
    return { name, group: { kind: 'token', code: base }, label: id };
  return badRequest(
    `Cannot group ${type} by "${name}": use sex, age-band, region, province, period:<unit> or one of its coded parameters`,
    ['group-by'],
  );
}

function defaultDateParam(type: string): string {
  for (const code of ['date', 'authoredon', 'onset-date', 'recorded-date', 'occurrence']) {
    if (searchParametersOf(type).get(code)?.type === 'date') return code;
  }
  return '_lastUpdated';
}

export const aggregateOperation: FhirOperation = {
  name: 'aggregate',
  levels: ['type'],
  methods: ['GET', 'POST'],
  effect: 'search',
  async run(ctx) {
    const type = ctx.match.resourceType as string;
    const names = ctx.parameters.all('group-by').flatMap((v) => v.split(','));
    const dimensions = names.map((n) => dimensionOf(type, n.trim()));
    const filters: QueryParams = ctx.request.query.filter(([k]) => k !== 'group-by' && k !== '_format');
    const q = parseSearch(type, [...filters, ['_summary', 'count']], true);
    const problem = aggregateQueryProblem(q);
    if (problem) throw new FhirError(403, outcome('error', 'forbidden', problem));
    const { cells, total } = await aggregateSearch(
      ctx.store.db,
      q,
      dimensions.map((d) => d.group),
      { baseUrl: ctx.baseUrl, scope: ctx.store.access.scope },
    );
    // labels may merge cells (birth years into age bands): sum before suppressing
    const merged = new Map<string, { keys: (string | null)[]; count: number }>();
    for (const cell of cells) {
      const keys = cell.keys.map((k, i) => dimensions[i].label(k));
      const key = JSON.stringify(keys);
      const existing = merged.get(key);
      if (existing) existing.count += cell.count;
      else merged.set(key, { keys, count: cell.count });
    }
    const strata = [...merged.values()];
    const hidden = suppressedCells(strata.map((c) => c.count));
    const report: MeasureReport = {
      resourceType: 'MeasureReport',
      status: 'complete',
      type: 'summary',
      measure: AD_HOC_MEASURE,
      date: new Date().toISOString(),
      period: { end: new Date().toISOString() },
      group: [
        {
          code: { text: `${type} matching ${filters.map(([k, v]) => `${k}=${v}`).join('&') || 'all'}` },
          population: [populationCount(total)],
          ...(dimensions.length > 0
            ? {
                stratifier: [
                  {
                    code: dimensions.map((d) => ({ text: d.name })),
                    stratum: strata.map((cell, i) => stratum(dimensions, cell, hidden.has(i))),
                  },
                ],
              }
            : {}),
        },
      ],
    };
    return {
      status: 200,
      headers: {},
      body: report,
      audit: [
        {
          interaction: 'operation',
          operation: 'aggregate',
          resourceType: type,
          ids: [],
          patients: [],
          status: 200,
          query: `${type}/$aggregate?${new URLSearchParams(ctx.request.query)}`,
        },
      ],
    };
  },
};

/**
 * The cells left out of a report whose total is shown: every cell under K and, so that the total
 * minus the cells shown does not give them back (one cell under K is exactly that difference), the
 * smallest cells shown next until what is left out adds up to K at least (complementary
 * suppression). Returns their indexes.
 */
export function suppressedCells(counts: number[]): Set<number> {
  const hidden = new Set<number>();
  let sum = 0;
  counts.forEach((count, i) => {
    if (count > 0 && count < K_ANONYMITY) {
      hidden.add(i);
      sum += count;
    }
  });
  if (hidden.size === 0) return hidden;
  const shown = counts
    .map((count, i) => ({ count, i }))
    .filter(({ count, i }) => count > 0 && !hidden.has(i))
    .sort((a, b) => a.count - b.count);
  for (const { count, i } of shown) {
    if (sum >= K_ANONYMITY) break;
    hidden.add(i);
    sum += count;
  }
  return hidden;
}

function populationCount(count: number, hide = false) {
  const code = {
    coding: [
      { system: 'http://terminology.hl7.org/CodeSystem/measure-population', code: 'initial-population' },
    ],
  };
  if (hide || (count > 0 && count < K_ANONYMITY))
    return { code, extension: [{ url: SUPPRESSED_EXTENSION, valueBoolean: true }] };
  return { code, count };
}

function stratum(
  dimensions: Dimension[],
  cell: { keys: (string | null)[]; count: number },
  hide: boolean,
): MeasureReportGroupStratifierStratum {
  return {
    component: dimensions.map((d, i) => ({
      code: { text: d.name },
      value: { text: cell.keys[i] ?? 'unknown' },
    })),
    population: [populationCount(cell.count, hide)],
  };
}
