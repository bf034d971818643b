/**
 * Observations → numeric series per LOINC code, for the trend charts. A blood-pressure panel
 * (85354-9) gives two series in one chart: systolic (8480-6) and diastolic (8462-4). Pure.
 */
import type { Observation, Quantity } from '@medplum/fhirtypes';

export const LOINC = 'http://loinc.org';
export const BLOOD_PRESSURE = '85354-9';
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';

export interface Point {
  /** Epoch milliseconds. */
  t: number;
  value: number;
}

export interface Series {
  /** LOINC code of the series (a component code for blood pressure). */
  code: string;
  unit: string;
  points: Point[];
}

/** One chart: a LOINC code (the panel for blood pressure) and its series, oldest point first. */
export interface Trend {
  code: string;
  series: Series[];
  /** Date of the latest observation (ISO). */
  latest: string;
}

function loincCode(observation: { code?: Observation['code'] }): string | undefined {
  return observation.code?.coding?.find((c) => c.system === LOINC)?.code;
}

function when(observation: Observation): string | undefined {
  return observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.issued;
}

function add(target: Map<string, Series>, code: string, t: number, quantity: Quantity | undefined): void {
  if (typeof quantity?.value !== 'number') return;
  let series = target.get(code);
  if (!series) {
    series = { code, unit: quantity.unit ?? quantity.code ?? '', points: [] };
    target.set(code, series);
  }
  series.points.push({ t, value: quantity.value });
}

/** Trends with at least `minPoints` points, most recently measured first. */
export function trendsOf(observations: Observation[], minPoints = 1): Trend[] {
  const byCode = new Map<string, { series: Map<string, Series>; latest: string }>();
  for (const observation of observations) {
    if (observation.status === 'entered-in-error' || observation.status === 'cancelled') continue;
    const code = loincCode(observation);
    const at = when(observation);
    const t = at ? Date.parse(at) : Number.NaN;
    if (!code || Number.isNaN(t)) continue;
    let trend = byCode.get(code);
    if (!trend) {
      trend = { series: new Map(), latest: at! };
      byCode.set(code, trend);
    }
    if (at! > trend.latest) trend.latest = at!;
    if (observation.valueQuantity) add(trend.series, code, t, observation.valueQuantity);
    for (const component of observation.component ?? []) {
      const componentCode = loincCode(component);
      if (componentCode) add(trend.series, componentCode, t, component.valueQuantity);
    }
  }
  const trends: Trend[] = [];
  for (const [code, { series, latest }] of byCode) {
    const list = [...series.values()].map((s) => ({ ...s, points: s.points.sort((a, b) => a.t - b.t) }));
    if (code === BLOOD_PRESSURE)
      list.sort((a, b) => (a.code === SYSTOLIC ? -1 : b.code === SYSTOLIC ? 1 : 0));
    if (list.some((s) => s.points.length >= minPoints)) trends.push({ code, series: list, latest });
  }
  return trends.sort((a, b) => (a.latest < b.latest ? 1 : a.latest > b.latest ? -1 : 0));
}
