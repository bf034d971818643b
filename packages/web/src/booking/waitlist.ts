/**
 * Joining a waiting list asks one question: until which day the patient could come. The answer's
 * rules, and the period sent to the server (from now to the end of that day, Morocco's time); and
 * whether a slot held by the waiting list is held for this patient. Pure.
 */
import type { Slot } from '@medplum/fhirtypes';
import type { WaitlistEntry } from './api.ts';
import { addDays, daysBetween, isDate, localInstant } from './time.ts';

export interface WaitlistValues {
  latest: string;
}

export type WaitlistProblem = { field: 'latest'; key: 'latestMissing' | 'latestPast' | 'latestTooFar' };

export const MAX_WAIT_DAYS = 90;

export function waitlistProblems(values: WaitlistValues, today: string): WaitlistProblem[] {
  const latest = values.latest.trim();
  if (!isDate(latest)) return [{ field: 'latest', key: 'latestMissing' }];
  const days = daysBetween(today, latest);
  if (days < 1) return [{ field: 'latest', key: 'latestPast' }];
  if (days >= MAX_WAIT_DAYS) return [{ field: 'latest', key: 'latestTooFar' }];
  return [];
}

/** From now until the last minute of the chosen day. */
export function waitlistPeriod(latest: string, now: Date): { earliest: string; latest: string } {
  return {
    earliest: now.toISOString(),
    latest: new Date(localInstant(addDays(latest, 1)).getTime() - 60_000).toISOString(),
  };
}

/**
 * Free for anyone, or held for this patient by the waiting list: a Slot does not say for whom it
 * is held (the server keeps a token), the patient's own waiting-list entries do.
 */
export function bookable(slot: Slot, entries: WaitlistEntry[], now = new Date()): boolean {
  if (slot.status === 'free') return true;
  return (
    slot.status === 'busy-tentative' &&
    entries.some(
      (e) =>
        e.offered_slot === slot.id &&
        !e.closed_at &&
        (!e.offered_until || Date.parse(e.offered_until) > now.getTime()),
    )
  );
}
