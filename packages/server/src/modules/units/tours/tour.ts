/**
 * A unit's tour: over a cycle of W weeks of working days, one stop per day; each stop is visited a
 * number of days proportional to the people it serves (at least once a cycle), its visits spread
 * evenly through the cycle, and every day says how long the drive is from the unit's base and from
 * the previous day's stop (great-circle km × a detour factor ÷ an average speed: both operator
 * settings, not measured road times). Pure.
 */
import { haversineKm } from '../planning/index.ts';

export interface TourStopInput {
  code: string;
  name: string;
  population: number;
  lat: number;
  lon: number;
}

export interface TourOptions {
  /** Weeks in one cycle (1–4). */
  weeks: number;
  workDays: string[];
  speedKmh: number;
  detourFactor: number;
}

export interface TourDay {
  week: number;
  day: string;
  stop: string;
  km: number;
  /** Drive from the base to the stop (and back in the evening), minutes. */
  minutesFromBase: number;
  /** Drive from the previous working day's stop, minutes (the first day: from the base). */
  minutesFromPrevious: number;
}

export interface TourStop extends TourStopInput {
  visits: number;
  /** Days of each week (index = week − 1) the unit is there. */
  days: string[][];
  kmFromBase: number;
}

export interface Tour {
  weeks: number;
  days: TourDay[];
  stops: TourStop[];
  /** Stops left out because the cycle has fewer days than stops. */
  leftOut: string[];
}

const minutes = (km: number, o: Pick<TourOptions, 'speedKmh' | 'detourFactor'>) =>
  Math.round(((km * o.detourFactor) / o.speedKmh) * 60);

/** The drive between two points, minutes (great-circle km × detour factor ÷ speed). */
export const driveMinutes = (
  from: { lat: number; lon: number },
  to: { lat: number; lon: number },
  o: Pick<TourOptions, 'speedKmh' | 'detourFactor'>,
) => minutes(haversineKm(from.lat, from.lon, to.lat, to.lon), o);

/**
 * Visits per stop: proportional to population (largest remainder), with at least one each — the
 * days that floor costs are taken back from the stops most generously served.
 */
export function allocateVisits(populations: number[], days: number): number[] {
  const n = populations.length;
  if (n === 0) return [];
  const total = populations.reduce((a, b) => a + b, 0);
  const quotas = populations.map((p) => (total > 0 ? (p / total) * days : days / n));
  const visits = quotas.map((q) => Math.max(1, Math.floor(q)));
  let rest = days - visits.reduce((a, b) => a + b, 0);
  const byNeed = () =>
    quotas.map((_, i) => i).sort((a, b) => quotas[b] - visits[b] - (quotas[a] - visits[a]) || a - b);
  while (rest > 0) {
    visits[byNeed()[0]] += 1;
    rest -= 1;
  }
  while (rest < 0) {
    const over = byNeed()
      .reverse()
      .find((i) => visits[i] > 1);
    if (over === undefined) break;
    visits[over] -= 1;
    rest += 1;
  }
  return visits;
}

export function planTour(
  base: { lat: number; lon: number },
  candidates: TourStopInput[],
  options: TourOptions,
): Tour {
  const weeks = Math.max(1, Math.min(4, Math.floor(options.weeks)));
  const slots = weeks * options.workDays.length;
  const sorted = [...candidates].sort((a, b) => b.population - a.population || a.code.localeCompare(b.code));
  const kept = sorted.slice(0, slots);
  const leftOut = sorted.slice(slots).map((s) => s.code);
  const visits = allocateVisits(
    kept.map((s) => s.population),
    slots,
  );
  // each visit's ideal place in the cycle; sorting them spreads a stop's visits evenly
  const wishes: { stop: number; at: number }[] = [];
  kept.forEach((_, i) => {
    for (let k = 0; k < visits[i]; k++) wishes.push({ stop: i, at: ((k + 0.5) * slots) / visits[i] });
  });
  wishes.sort((a, b) => a.at - b.at || a.stop - b.stop);
  const days: TourDay[] = [];
  const perStop: string[][][] = kept.map(() => Array.from({ length: weeks }, () => []));
  let previous = base;
  wishes.slice(0, slots).forEach((w, slot) => {
    const stop = kept[w.stop];
    const week = Math.floor(slot / options.workDays.length) + 1;
    const day = options.workDays[slot % options.workDays.length];
    const km = haversineKm(base.lat, base.lon, stop.lat, stop.lon);
    days.push({
      week,
      day,
      stop: stop.code,
      km: Math.round(km * 10) / 10,
      minutesFromBase: minutes(km, options),
      minutesFromPrevious: driveMinutes(previous, stop, options),
    });
    perStop[w.stop][week - 1].push(day);
    previous = stop;
  });
  return {
    weeks,
    days,
    stops: kept.map((s, i) => ({
      ...s,
      visits: visits[i],
      days: perStop[i],
      kmFromBase: Math.round(haversineKm(base.lat, base.lon, s.lat, s.lon) * 10) / 10,
    })),
    leftOut,
  };
}
