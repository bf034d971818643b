/**
 * A published tour read back from its Schedules: the days each stop is visited in the cycle (the
 * template's weekdays, less the days publish.ts closed for another stop of the tour), then the
 * cycle as one stop per working day with the drive from the base and from the previous day's stop,
 * computed as planTour computes them. Pure: the routes read the Schedules and stop Locations.
 */
import type { Schedule } from '@medplum/fhirtypes';
import { addDays } from '../../scheduling/calendar.ts';
import { templateOf } from '../../scheduling/template.ts';
import { TOUR_URL } from '../terms.ts';
import { OTHER_STOP } from './publish.ts';
import { driveMinutes, type TourDay, type TourOptions } from './tour.ts';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface PublishedStop {
  schedule: string;
  commune: string;
  name: string;
  visits: number;
  population: number;
  kmFromBase: number;
  /** Days of each week of the cycle (index = week − 1). */
  days: string[][];
  /** The commune's names (communes.csv), when the caller adds them. */
  nameFr?: string;
  nameAr?: string;
}

export interface PublishedTour {
  weeks: number;
  cycleStart?: string;
  stops: PublishedStop[];
  days: (TourDay & { name: string; nameFr?: string; nameAr?: string })[];
}

type Point = { lat: number; lon: number };

function tourFields(s: Schedule) {
  const e = s.extension?.find((x) => x.url === TOUR_URL)?.extension ?? [];
  const f = (url: string) => e.find((x) => x.url === url);
  return {
    commune: f('commune')?.valueString ?? '',
    cycleStart: f('cycleStart')?.valueDate,
    weeks: f('weeks')?.valueInteger ?? 1,
    visits: f('visits')?.valueInteger ?? 0,
    population: f('population')?.valueInteger ?? 0,
    kmFromBase: f('kmFromBase')?.valueDecimal ?? 0,
  };
}

/** The weekdays of each week of the cycle a stop's Schedule opens. */
export function stopDays(s: Schedule): string[][] {
  const { cycleStart, weeks } = tourFields(s);
  const template = templateOf(s);
  const weekdays = [...new Set((template?.sessions ?? []).map((x) => x.day))].sort(
    (a, b) => WEEK.indexOf(a) - WEEK.indexOf(b),
  );
  const closed = new Set(
    (template?.exceptions ?? [])
      .filter((x) => x.kind === 'closed' && x.label === OTHER_STOP)
      .map((x) => x.from),
  );
  return Array.from({ length: weeks }, (_, w) =>
    weekdays.filter((day) => !cycleStart || !closed.has(addDays(cycleStart, w * 7 + WEEK.indexOf(day)))),
  );
}

export function publishedTour(
  schedules: Schedule[],
  positions: Map<string, Point>,
  base: Point | undefined,
  options: Pick<TourOptions, 'speedKmh' | 'detourFactor'>,
): PublishedTour {
  const stops = schedules.map((s) => {
    const fields = tourFields(s);
    return {
      schedule: s.id as string,
      commune: fields.commune,
      name: s.actor?.[0]?.display ?? fields.commune,
      visits: fields.visits,
      population: fields.population,
      kmFromBase: fields.kmFromBase,
      days: stopDays(s),
      at: positions.get(s.actor?.[0]?.reference ?? ''),
      cycleStart: fields.cycleStart,
      weeks: fields.weeks,
    };
  });
  const weeks = Math.max(1, ...stops.map((s) => s.weeks));
  const visits = stops
    .flatMap((s) => s.days.flatMap((days, w) => days.map((day) => ({ s, week: w + 1, day }))))
    .sort((a, b) => a.week - b.week || WEEK.indexOf(a.day) - WEEK.indexOf(b.day));
  let previous = base;
  const days = visits.map(({ s, week, day }) => {
    const minutes = (from: Point | undefined) =>
      from && s.at ? driveMinutes(from, s.at, options) : undefined;
    const d = {
      week,
      day,
      stop: s.commune,
      name: s.name,
      km: s.kmFromBase,
      minutesFromBase: minutes(base) ?? 0,
      minutesFromPrevious: minutes(previous) ?? 0,
    };
    previous = s.at;
    return d;
  });
  return {
    weeks,
    ...(stops[0]?.cycleStart ? { cycleStart: stops[0].cycleStart } : {}),
    stops: stops.map(({ at: _at, cycleStart: _c, weeks: _w, ...rest }) => rest),
    days,
  };
}
