/**
 * The days a published tour opens its stops, as the field day tells them: today's stop, and the
 * tour's next day when today has none (a weekend, a holiday, the evening before). A day is open when
 * the stop's weekly template gives it times — its weekdays and Ramadan hours, less a closed day and,
 * unless the template says otherwise, a public holiday: the rule its Slots and its visit notices
 * follow (`deriveSlots`), so the three never disagree. Pure.
 */
import type { Schedule } from '@medplum/fhirtypes';
import { addDays, localToInstant } from '../../scheduling/calendar.ts';
import { deriveSlots, templateOf } from '../../scheduling/template.ts';

/** How far ahead the field day looks for the next stop: the longest tour cycle (4 weeks). */
const NEXT_STOP_DAYS = 28;

/** Whether a tour Schedule opens its stop on a local date: inside its planning horizon, a day its template gives times. */
export function visitsOn(schedule: Schedule, date: string): boolean {
  const t = templateOf(schedule);
  if (!t) return false;
  const horizon = schedule.planningHorizon;
  if (horizon?.start && date < horizon.start.slice(0, 10)) return false;
  if (horizon?.end && date > horizon.end.slice(0, 10)) return false;
  return deriveSlots(t, localToInstant(date, '00:00'), localToInstant(addDays(date, 1), '00:00')).length > 0;
}

/**
 * The tour's first day after `today` and its stop: what a member preparing the day on a weekend or
 * the evening before sees coming. Null when the published tour opens no day that soon.
 */
export function nextVisit(schedules: Schedule[], today: string) {
  for (let d = 1; d <= NEXT_STOP_DAYS; d++) {
    const date = addDays(today, d);
    const schedule = schedules.find((s) => visitsOn(s, date));
    if (schedule) return { date, stop: schedule.actor?.[0] ?? null };
  }
  return null;
}
