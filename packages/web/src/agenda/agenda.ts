/**
 * The agenda's view: a day or a week of Morocco's calendar as the period to search, the
 * neighbouring periods, and what may be done to an appointment now. Pure.
 */
import type { Appointment } from '@medplum/fhirtypes';
import { addDays, daysOf, isDate, localInstant, mondayOf } from '../booking/time.ts';

export type View = 'day' | 'week';

export interface Period {
  view: View;
  /** The local dates shown, in order. */
  days: string[];
  /** The instants to search between (start inclusive, end exclusive). */
  start: string;
  end: string;
  previous: string;
  next: string;
}

export function periodOf(view: string | null, date: string | null, today: string): Period {
  const v: View = view === 'week' ? 'week' : 'day';
  const day = isDate(date) ? date : today;
  const first = v === 'week' ? mondayOf(day) : day;
  const length = v === 'week' ? 7 : 1;
  const last = addDays(first, length);
  return {
    view: v,
    days: daysOf(first, last),
    start: localInstant(first).toISOString(),
    end: localInstant(last).toISOString(),
    previous: addDays(first, -length),
    next: last,
  };
}

export function agendaHref(view: View, date: string): string {
  return `/clinician/agenda?view=${view}&date=${date}`;
}

/** A no-show is recorded once the appointment has started, while it is still booked. */
export function canMarkNoShow(a: Appointment, now: Date): boolean {
  return (a.status === 'booked' || a.status === 'arrived') && Date.parse(a.start ?? '') <= now.getTime();
}
