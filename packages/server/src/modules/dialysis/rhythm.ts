/**
 * The patient's rhythm, kept while travelling: which days and shifts of a centre's free capacity
 * give the whole stay the sessions it needs — never a gap longer than the usual long gap (three
 * days, the weekend's), and at least three sessions in any seven days — counting the last sessions
 * at home before leaving and the first ones after coming back. Among the plans that do, the one
 * with the fewest sessions, then the most on the patient's own weekdays, then at their usual shift.
 * Pure: a dynamic programme over the stay's days (states: the last three sessions).
 */
import type { Weekday } from '../scheduling/calendar.ts';
import type { Shift } from './terms.ts';

export interface PlannedSession {
  /** Local date, YYYY-MM-DD. */
  date: string;
  shift: Shift;
}

export interface RhythmRequest {
  /** First and last local days at the destination (inclusive). */
  arrival: string;
  departure: string;
  /** The patient's weekdays at home (mon/wed/fri or tue/thu/sat). */
  homeDays: readonly Weekday[];
  preferredShift?: Shift;
  /** Days the centre can take the patient, with the shifts free that day. */
  capacity: ReadonlyMap<string, readonly Shift[]>;
  /** The longest gap between two sessions, in days (default 3). */
  maxGapDays?: number;
}

export type RhythmPlan =
  | { ok: true; sessions: PlannedSession[]; before: string[]; after: string[] }
  | { ok: false; reason: 'no-capacity'; before: string[]; after: string[] };

const DAY = 86_400_000;
const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Days since 1970-01-01 of a calendar date, and back. */
export const ordinal = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY);
export const dateOf = (n: number): string => new Date(n * DAY).toISOString().slice(0, 10);
const weekday = (n: number): Weekday => WEEKDAYS[new Date(n * DAY).getUTCDay()];

/** The patient's own sessions just before the arrival and just after the departure (three each). */
export function homeSessionsAround(
  arrival: string,
  departure: string,
  homeDays: readonly Weekday[],
): { before: number[]; after: number[] } {
  const before: number[] = [];
  const after: number[] = [];
  if (homeDays.length === 0) return { before, after };
  for (let d = ordinal(arrival) - 1; before.length < 3; d--)
    if (homeDays.includes(weekday(d))) before.unshift(d);
  for (let d = ordinal(departure) + 1; after.length < 3; d++)
    if (homeDays.includes(weekday(d))) after.push(d);
  return { before, after };
}

/** Whether a run of session days keeps the rhythm: every gap ≤ maxGap, every 4 in a row within 7 days. */
export function keepsRhythm(days: readonly number[], maxGap = 3): boolean {
  for (let i = 1; i < days.length; i++)
    if (days[i] - days[i - 1] > maxGap || days[i] <= days[i - 1]) return false;
  for (let i = 3; i < days.length; i++) if (days[i] - days[i - 3] > 7) return false;
  return true;
}

export function planStay(request: RhythmRequest): RhythmPlan {
  const maxGap = request.maxGapDays ?? 3;
  const first = ordinal(request.arrival);
  const last = ordinal(request.departure);
  const { before, after } = homeSessionsAround(request.arrival, request.departure, request.homeDays);
  const asDates = { before: before.map(dateOf), after: after.map(dateOf) };
  // the best shift of a day and what it costs: fewest sessions first, then own weekdays, then own shift
  const choice = new Map<number, { shift: Shift; cost: number }>();
  for (let d = first; d <= last; d++) {
    const shifts = request.capacity.get(dateOf(d)) ?? [];
    if (shifts.length === 0) continue;
    const preferred = request.preferredShift && shifts.includes(request.preferredShift);
    const shift = preferred ? (request.preferredShift as Shift) : shifts[0];
    const cost =
      1000 +
      (request.homeDays.includes(weekday(d)) ? 0 : 10) +
      (preferred || !request.preferredShift ? 0 : 1);
    choice.set(d, { shift, cost });
  }
  const memo = new Map<string, { cost: number; next?: number }>();
  // the cheapest way to finish from the last three session days (a, b, c): more sessions, or home
  const best = (a: number, b: number, c: number): { cost: number; next?: number } => {
    const key = `${a},${b},${c}`;
    const hit = memo.get(key);
    if (hit) return hit;
    let result: { cost: number; next?: number } = { cost: Number.POSITIVE_INFINITY };
    if (keepsRhythm([a, b, c, ...after], maxGap)) result = { cost: 0 };
    for (let d = c + 1; d <= Math.min(c + maxGap, last); d++) {
      const day = choice.get(d);
      if (!day || d - a > 7) continue;
      const rest = best(b, c, d);
      const cost = day.cost + rest.cost;
      if (cost < result.cost) result = { cost, next: d };
    }
    memo.set(key, result);
    return result;
  };
  if (before.length < 3) return { ok: false, reason: 'no-capacity', ...asDates };
  const [a, b, c] = before;
  const start = best(a, b, c);
  if (!Number.isFinite(start.cost)) return { ok: false, reason: 'no-capacity', ...asDates };
  const sessions: PlannedSession[] = [];
  let state: [number, number, number] = [a, b, c];
  let step = start;
  while (step.next !== undefined) {
    const d = step.next;
    sessions.push({ date: dateOf(d), shift: (choice.get(d) as { shift: Shift }).shift });
    state = [state[1], state[2], d];
    step = best(...state);
  }
  return { ok: true, sessions, ...asDates };
}

/**
 * Whether a centre could keep the rhythm if every chair were free on every day it works (null:
 * its days are not known, so any day may do). A plan's feasibility depends only on which days have
 * capacity, and more days never make it fail: a centre that fails here has no plan whatever its
 * bookings, and the search need not read its slots.
 */
export function couldKeepRhythm(
  request: Omit<RhythmRequest, 'capacity' | 'preferredShift'>,
  workingDays: ReadonlySet<Weekday> | null,
): boolean {
  if (workingDays === null) return true;
  const capacity = new Map<string, Shift[]>();
  for (let d = ordinal(request.arrival); d <= ordinal(request.departure); d++)
    if (workingDays.has(weekday(d))) capacity.set(dateOf(d), ['morning']);
  return planStay({ ...request, capacity }).ok;
}
