/**
 * A tour published as FHIR: a Location per stop (the commune's centroid, managed by the unit) and a
 * Schedule per stop whose weekly template (the booking service's, modules/scheduling) opens the
 * stop's days; in a cycle of several weeks, the days of other weeks are closed exceptions up to the
 * planning horizon. The booking service derives the Slots from the template, as for any Schedule.
 * The resources are pure functions of the tour, so publishing twice writes the same thing.
 */
import type { BundleEntry, Element, Extension, Location, Schedule } from '@medplum/fhirtypes';
import { addDays, weekdayOf } from '../../scheduling/calendar.ts';
import { templateExtension, type WeeklyTemplate } from '../../scheduling/template.ts';
import { COMMUNE_SYSTEM, TOUR_STOP, TOUR_URL, translation, UNIT_VISIT } from '../terms.ts';
import type { Tour } from './tour.ts';

export const stopLocationId = (unitId: string, commune: string) =>
  `stop-${unitId}-${commune.replace(/\D/g, '')}`.slice(0, 64);
export const stopScheduleId = (unitId: string, commune: string) =>
  `tour-${unitId}-${commune.replace(/\D/g, '')}`.slice(0, 64);

/** The label of the days a multi-week cycle closes at a stop because the unit is at another. */
export const OTHER_STOP = 'another stop of the tour';

export interface PublishOptions {
  unitId: string;
  unitName: string;
  /** First day of the cycle (a Monday, local date YYYY-MM-DD). */
  start: string;
  horizonWeeks: number;
  dayStart: string;
  dayEnd: string;
  slotMinutes: number;
  /** The commune's name in Arabic (communes.csv `name_ar`), carried as a translation of the stop's name. */
  arabicName?: (commune: string) => string | undefined;
}

/** The Monday on or before a local date. */
export function mondayOf(date: string): string {
  let d = date;
  while (weekdayOf(d) !== 'mon') d = addDays(d, -1);
  return d;
}

export function tourEntries(tour: Tour, o: PublishOptions): BundleEntry[] {
  const entries: BundleEntry[] = [];
  const end = addDays(o.start, o.horizonWeeks * 7 - 1);
  for (const stop of tour.stops) {
    const locationId = stopLocationId(o.unitId, stop.code);
    const arabic = o.arabicName?.(stop.code);
    // the name's translations, on the Location and on the Schedule's display of it (the field app's stop)
    const names: Element | undefined = arabic ? { extension: [translation('ar', arabic)] } : undefined;
    const location: Location & { _name?: Element } = {
      resourceType: 'Location',
      id: locationId,
      status: 'active',
      name: stop.name,
      ...(names ? { _name: names } : {}),
      identifier: [{ system: COMMUNE_SYSTEM, value: stop.code }],
      type: [TOUR_STOP],
      mode: 'instance',
      position: { latitude: stop.lat, longitude: stop.lon },
      managingOrganization: { reference: `Organization/${o.unitId}`, display: o.unitName },
    };
    const weekdays = [...new Set(stop.days.flat())];
    const exceptions: WeeklyTemplate['exceptions'] = [];
    if (tour.weeks > 1) {
      for (let date = o.start; date <= end; date = addDays(date, 1)) {
        const day = weekdayOf(date);
        if (!weekdays.includes(day)) continue;
        const week = Math.floor(daysBetween(o.start, date) / 7) % tour.weeks;
        if (!stop.days[week]?.includes(day))
          exceptions.push({ from: date, to: date, kind: 'closed', label: OTHER_STOP });
      }
    }
    const template: WeeklyTemplate = {
      slotMinutes: o.slotMinutes,
      sessions: weekdays.map((day) => ({
        day: day as WeeklyTemplate['sessions'][number]['day'],
        start: o.dayStart,
        end: o.dayEnd,
      })),
      exceptions,
      closedOnHolidays: true,
    };
    const tourExtension: Extension = {
      url: TOUR_URL,
      extension: [
        { url: 'unit', valueReference: { reference: `Organization/${o.unitId}` } },
        { url: 'commune', valueString: stop.code },
        { url: 'cycleStart', valueDate: o.start },
        { url: 'weeks', valueInteger: tour.weeks },
        { url: 'visits', valueInteger: stop.visits },
        { url: 'population', valueInteger: stop.population },
        { url: 'kmFromBase', valueDecimal: stop.kmFromBase },
      ],
    };
    const schedule: Schedule = {
      resourceType: 'Schedule',
      id: stopScheduleId(o.unitId, stop.code),
      active: true,
      serviceType: [UNIT_VISIT],
      actor: [
        {
          reference: `Location/${locationId}`,
          display: stop.name,
          ...(names ? { _display: names } : {}),
        } as Schedule['actor'][number],
      ],
      planningHorizon: { start: o.start, end },
      comment: `${o.unitName}: ${stop.name}`,
      extension: [templateExtension(template), tourExtension],
    };
    entries.push({ resource: location, request: { method: 'PUT', url: `Location/${locationId}` } });
    entries.push({ resource: schedule, request: { method: 'PUT', url: `Schedule/${schedule.id}` } });
  }
  return entries;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The unit a tour Schedule belongs to, and its commune. */
export function tourOf(schedule: Schedule): { unit: string; commune: string } | undefined {
  const e = schedule.extension?.find((x) => x.url === TOUR_URL);
  const unit = e?.extension?.find((x) => x.url === 'unit')?.valueReference?.reference;
  const commune = e?.extension?.find((x) => x.url === 'commune')?.valueString;
  return unit && commune ? { unit, commune } : undefined;
}
