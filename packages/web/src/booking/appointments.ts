/**
 * The patient's appointments as the screens sort them: coming or past, in person or by video,
 * still changeable or not; why the server refused a change (the refusal code it sends, see
 * scheduling/booking.ts REFUSAL_SYSTEM); the waiting list's open entries and held offers. Pure.
 */
import type { Appointment } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import type { WaitlistEntry } from './api.ts';

export const ACTIVE = new Set(['proposed', 'pending', 'booked', 'arrived', 'checked-in']);
const MODE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';
const REFUSAL_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/booking-refusal';

export function isVideo(a: Appointment): boolean {
  return a.appointmentType?.coding?.some((c) => c.system === MODE_SYSTEM && c.code === 'video') ?? false;
}

/** The id of the participant of that type (`Practitioner`, `Location`, `Patient`). */
export function participantId(a: Appointment, type: string): string | undefined {
  const ref = a.participant?.find((p) => p.actor?.reference?.startsWith(`${type}/`))?.actor?.reference;
  return ref?.slice(type.length + 1);
}

export function slotOf(a: Appointment): string | undefined {
  const ref = a.slot?.[0]?.reference;
  return ref?.startsWith('Slot/') ? ref.slice(5) : undefined;
}

/**
 * Coming: still active and not yet over, soonest first. Past: everything else (over, cancelled,
 * missed), the latest first.
 */
export function splitAppointments(
  list: Appointment[],
  now: Date,
): { upcoming: Appointment[]; past: Appointment[] } {
  const upcoming: Appointment[] = [];
  const past: Appointment[] = [];
  for (const a of list) {
    const end = Date.parse(a.end ?? a.start ?? '');
    if (ACTIVE.has(a.status) && (Number.isNaN(end) || end > now.getTime())) upcoming.push(a);
    else past.push(a);
  }
  upcoming.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
  past.sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
  return { upcoming, past };
}

/** A patient may try to cancel or move an appointment that is active and has not started. */
export function changeable(a: Appointment, now: Date): boolean {
  return a.status === 'booked' && Date.parse(a.start ?? '') > now.getTime();
}

export type Refusal = 'cutoff' | 'taken' | 'too-soon' | 'not-started';

/** Why the server refused a booking change, when it said so with a code. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof ApiError) || error.status !== 409) return undefined;
  for (const issue of error.outcome?.issue ?? []) {
    const code = issue.details?.coding?.find((c) => c.system === REFUSAL_SYSTEM)?.code;
    if (code === 'cutoff' || code === 'taken' || code === 'too-soon' || code === 'not-started') return code;
  }
  return undefined;
}

/** The open entries of the waiting list, with whether a freed time is held for the patient now. */
export function openEntries(entries: WaitlistEntry[], now: Date): (WaitlistEntry & { held: boolean })[] {
  return entries
    .filter((e) => !e.closed_at)
    .map((e) => ({
      ...e,
      held: Boolean(e.offered_slot && e.offered_until && Date.parse(e.offered_until) > now.getTime()),
    }))
    .sort((a, b) => Number(b.held) - Number(a.held) || a.created_at.localeCompare(b.created_at));
}
