/** Scales and ticks for the line chart. Pure. */

/**
 * The value range to draw: at least `minRelative` of the largest magnitude wide, centred on the
 * data, so that 77.2 → 77.8 kg reads as the small change it is, not as a cliff.
 */
export function valueDomain(min: number, max: number, minRelative = 0.1): [number, number] {
  const need = Math.max(Math.abs(min), Math.abs(max)) * minRelative;
  if (max - min >= need) return [min, max];
  const middle = (min + max) / 2;
  return [middle - need / 2, middle + need / 2];
}

/** Round ticks (1, 2, 2.5, 5 × 10^n) covering [min, max], about `count` of them. */
export function niceTicks(
  min: number,
  max: number,
  count = 4,
): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 1] };
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const start = Math.floor(min / step) * step;
  const end = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= end + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: start, max: end, ticks };
}

const DAY = 86_400_000;

/**
 * Time ticks at the start of months (or years, for long spans), at most `count`.
 * Returned as epoch milliseconds within [t0, t1].
 */
export function timeTicks(t0: number, t1: number, count = 4): number[] {
  if (!(t1 > t0)) return [t0];
  const spanMonths = (t1 - t0) / (30.44 * DAY);
  const monthsPerTick = [1, 2, 3, 6, 12, 24, 60, 120].find((s) => spanMonths / s <= count) ?? 240;
  const ticks: number[] = [];
  const first = new Date(t0);
  // walk month starts from t0's month; keep those on a multiple of the step
  for (let m = first.getUTCFullYear() * 12 + first.getUTCMonth(); ; m++) {
    const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
    if (t > t1) break;
    if (t >= t0 && m % monthsPerTick === 0) ticks.push(t);
  }
  return ticks.length > 0 ? ticks : [t0, t1];
}

/** A linear map from [d0, d1] to [r0, r1] (r1 < r0 flips the axis, as for y and for Arabic x). */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}
