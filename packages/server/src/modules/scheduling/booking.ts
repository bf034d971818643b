/**
 * The one place a slot is taken or given back: a write hook on Appointment, so `$book`, a plain
 * `POST Appointment` naming a Slot, a transaction bundle and a reschedule all meet the same rule.
 * In the writing transaction it locks each Slot (FOR UPDATE through the engine), refuses one that is
 * not free (409: exactly one of concurrent bookings wins), marks it busy with the Appointment that
 * holds it, frees the slots an Appointment gives back (offering them to the waiting list first),
 * enforces the cut-offs, and queues the patient's confirmation, reminder and change notices.
 */
import type { Appointment, Location, Patient, Practitioner, Resource, Slot } from '@medplum/fhirtypes';
import {
  FhirError,
  type FhirStore,
  outcome,
  type SqlExecutor,
  type WriteChange,
  type WriteHook,
} from '@sahti/fhir';
import { writerOf } from '../../access/relations/sources.ts';
import type { EnqueueOptions, JobRunner } from '../../jobs/index.ts';
import {
  enqueueNotification,
  enqueueNotifications,
  type Notification,
  patientLanguage,
} from '../../notify/index.ts';
import { heldBy, holdExtension } from './holds.ts';
import { BOOKED_BY_URL } from './projection.ts';
import type { SchedulingSettings } from './settings.ts';
import { modeOf } from './terms.ts';
import { OFFERED_TO_URL, offerFreedSlot, takeOffer } from './waitlist.ts';

export const ACTIVE = new Set(['proposed', 'pending', 'booked', 'arrived', 'checked-in', 'fulfilled']);
export const REMINDER_JOB = 'scheduling.reminder';
export const CHANNEL_URL = 'https://sahti.ma/fhir/StructureDefinition/notification-channel';
/**
 * An Appointment carrying this tag belongs to a series whose module tells the patient itself (a
 * guest-dialysis stay is one message, not one per session): the slot rules apply, the notices don't.
 */
export const OWN_NOTICES_TAG = {
  system: 'https://sahti.ma/fhir/CodeSystem/appointment-notices',
  code: 'by-module',
};

/** Why a booking change was refused, as a code a screen can explain in the user's language. */
export const REFUSAL_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/booking-refusal';
export type Refusal = 'cutoff' | 'taken' | 'too-soon' | 'not-started';
const conflict = (text: string, code: Refusal) => {
  const refused = outcome('error', 'conflict', text);
  const issue = refused.issue[0];
  issue.details = { text, coding: [{ system: REFUSAL_SYSTEM, code }] };
  return new FhirError(409, refused);
};
const invalid = (text: string) => new FhirError(400, outcome('error', 'invalid', text));
const slotIds = (a: Appointment | undefined): string[] =>
  a && ACTIVE.has(a.status)
    ? (a.slot ?? []).flatMap((s) => (s.reference?.startsWith('Slot/') ? [s.reference.slice(5)] : []))
    : [];

export function bookingHook(deps: {
  store: FhirStore;
  jobs: JobRunner;
  settings: SchedulingSettings;
}): WriteHook {
  return (changes, actor) => {
    const appointments = changes.filter((c) => c.resourceType === 'Appointment');
    if (appointments.length === 0) return undefined;
    const writer = writerOf(actor);
    const now = new Date();
    for (const change of appointments) checkRules(change, writer.kind, now, deps.settings);
    return (tx) => apply(tx, appointments, now, deps);
  };
}

/** The holder extensions of a Slot (the Appointment that took it, the patient it is held for). */
const holdersOf = (slot: Slot | undefined): string =>
  JSON.stringify(
    (slot?.extension ?? [])
      .filter((e) => e.url === BOOKED_BY_URL || e.url === OFFERED_TO_URL)
      .sort((a, b) => a.url.localeCompare(b.url)),
  );

/**
 * Who holds a Slot is the booking rule's alone (the hook above, the waiting list): a direct write of
 * a Slot — by a dialysis coordinator or an administrator, who may write any schedule's Slots, or by
 * a system client — neither sets, changes nor removes a holder (a holder written as a plain
 * reference would be read as a legacy hold, holds.ts, and a token could be copied from another
 * Slot), nor changes the status of, or deletes, a Slot that is held: freeing a booked Slot by hand
 * would let a second booking take it, and rewriting a hold would give a slot held from the waiting
 * list to someone else. A held Slot is given back by cancelling or moving its Appointment.
 */
export function slotHoldersHook(): WriteHook {
  return (changes, actor) => {
    if (actor === undefined) return undefined; // the platform: booking, waiting list, slot derivation
    for (const change of changes) {
      if (change.resourceType !== 'Slot') continue;
      const next = change.next as Slot | undefined;
      const previous = change.previous as Slot | undefined;
      const before = holdersOf(previous);
      const held = before !== '[]';
      if ((next && holdersOf(next) !== before) || (held && (!next || next.status !== previous?.status)))
        throw new FhirError(
          403,
          outcome(
            'error',
            'forbidden',
            held
              ? `Slot/${change.id} is booked or held: it is given back by cancelling or moving its appointment`
              : 'Who holds a Slot is set by booking ($book) and the waiting list, not by writing the Slot',
          ),
        );
    }
    return undefined;
  };
}

/** Rules decided before anything is written (the whole write is refused). */
function checkRules(change: WriteChange, writer: string, now: Date, settings: SchedulingSettings): void {
  const next = change.next as Appointment | undefined;
  const previous = change.previous as Appointment | undefined;
  if (!next) return;
  const movedOrCancelled =
    previous &&
    ACTIVE.has(previous.status) &&
    (!ACTIVE.has(next.status) || slotIds(previous).join() !== slotIds(next).join());
  if (writer === 'patient' && movedOrCancelled && previous?.start) {
    const hoursLeft = (Date.parse(previous.start) - now.getTime()) / 3_600_000;
    if (hoursLeft < settings.cancelCutoffHours) {
      throw conflict(
        `Less than ${settings.cancelCutoffHours} h before the appointment: it can no longer be cancelled or moved online; call the practice`,
        'cutoff',
      );
    }
  }
  if (
    next.status === 'noshow' &&
    previous?.status !== 'noshow' &&
    next.start &&
    Date.parse(next.start) > now.getTime()
  ) {
    throw conflict('A no-show is recorded after the appointment’s start', 'not-started');
  }
}

/**
 * The slots given back (a cancellation, the slot a move leaves), then the slots taken — those of a
 * whole write locked and written together, so that bookings gathered into one commit cost one lock
 * and one write — then the notices.
 */
async function apply(
  tx: SqlExecutor,
  changes: WriteChange[],
  now: Date,
  deps: { store: FhirStore; jobs: JobRunner; settings: SchedulingSettings },
): Promise<void> {
  for (const change of changes) await giveBack(tx, change, now, deps);
  await take(tx, changes, now, deps);
  await notify(tx, changes, deps);
}

async function giveBack(
  tx: SqlExecutor,
  change: WriteChange,
  now: Date,
  deps: { store: FhirStore; jobs: JobRunner; settings: SchedulingSettings },
): Promise<void> {
  const ref = `Appointment/${change.id}`;
  const after = slotIds(change.next as Appointment | undefined);
  for (const slotId of slotIds(change.previous as Appointment | undefined).filter(
    (s) => !after.includes(s),
  )) {
    let freed: Slot | undefined;
    await deps.store.modifyWithin(tx, 'Slot', slotId, (slot) => {
      const current = slot as Slot | undefined;
      if (!current || !heldBy(current, BOOKED_BY_URL, ref)) return undefined;
      freed = {
        ...current,
        status: 'free',
        extension: (current.extension ?? []).filter((e) => e.url !== BOOKED_BY_URL),
      };
      return freed;
    });
    if (freed && Date.parse(freed.start) > now.getTime()) await offerFreedSlot(tx, deps, freed);
  }
}

async function take(
  tx: SqlExecutor,
  changes: WriteChange[],
  now: Date,
  deps: { store: FhirStore; settings: SchedulingSettings },
): Promise<void> {
  const claims = new Map<string, { appointment: Appointment; ref: string; patientId: string | undefined }>();
  for (const change of changes) {
    const next = change.next as Appointment | undefined;
    const before = slotIds(change.previous as Appointment | undefined);
    for (const slotId of slotIds(next).filter((s) => !before.includes(s))) {
      // two appointments of one write naming one slot: one slot, one booking
      if (claims.has(slotId)) throw slotTaken();
      claims.set(slotId, {
        appointment: next as Appointment,
        ref: `Appointment/${change.id}`,
        patientId: participant(next as Appointment, 'Patient'),
      });
    }
  }
  if (claims.size === 0) return;
  const offered: string[] = [];
  await deps.store.modifyManyWithin(tx, 'Slot', [...claims.keys()], (slot, slotId) => {
    const { appointment, ref, patientId } = claims.get(slotId) as NonNullable<ReturnType<typeof claims.get>>;
    if ((slot as Slot | undefined)?.extension?.some((e) => e.url === OFFERED_TO_URL)) offered.push(slotId);
    return claim(slot as Slot | undefined, slotId, appointment, ref, patientId, now, deps.settings);
  });
  // only a slot offered from the waiting list has an entry to close
  for (const slotId of offered) await takeOffer(tx, slotId, claims.get(slotId)?.patientId);
}

/** Whether a slot is out of this patient's reach: neither free nor held for them (waiting list). */
export function takenFrom(slot: Slot, patientId: string | undefined): boolean {
  const heldForThem =
    slot.status === 'busy-tentative' &&
    patientId !== undefined &&
    heldBy(slot, OFFERED_TO_URL, `Patient/${patientId}`);
  return slot.status !== 'free' && !heldForThem;
}

export const slotTaken = (): FhirError =>
  conflict('This slot has just been taken: choose another one', 'taken');

function claim(
  slot: Slot | undefined,
  slotId: string,
  appointment: Appointment,
  ref: string,
  patientId: string | undefined,
  now: Date,
  settings: SchedulingSettings,
): Slot | undefined {
  if (!slot) throw invalid(`Slot/${slotId} does not exist`);
  if (heldBy(slot, BOOKED_BY_URL, ref)) return undefined; // already this appointment's
  if (takenFrom(slot, patientId)) throw slotTaken();
  if (Date.parse(slot.start) - now.getTime() < settings.minNoticeMinutes * 60_000)
    throw conflict(
      `This slot starts too soon to be booked online (at least ${settings.minNoticeMinutes} min ahead)`,
      'too-soon',
    );
  if (appointment.start && Date.parse(appointment.start) !== Date.parse(slot.start))
    throw invalid('The appointment must start when its slot starts');
  return {
    ...slot,
    status: 'busy',
    extension: [
      ...(slot.extension ?? []).filter((e) => e.url !== BOOKED_BY_URL && e.url !== OFFERED_TO_URL),
      holdExtension(BOOKED_BY_URL, slotId, ref),
    ],
  };
}

export function participant(a: Appointment, type: string): string | undefined {
  const ref = a.participant?.find((p) => p.actor?.reference?.startsWith(`${type}/`))?.actor?.reference;
  return ref?.slice(type.length + 1);
}

/** The notice an appointment's change calls for, if any. */
function noticeOf(change: WriteChange): string | undefined {
  const next = change.next as Appointment | undefined;
  const previous = change.previous as Appointment | undefined;
  if (!next || !participant(next, 'Patient')) return undefined;
  if (next.meta?.tag?.some((t) => t.system === OWN_NOTICES_TAG.system && t.code === OWN_NOTICES_TAG.code))
    return undefined;
  const wasActive = previous && ACTIVE.has(previous.status);
  const isBooked = next.status === 'booked';
  if (isBooked && !wasActive) return 'appointment-confirmed';
  if (next.status === 'cancelled' && wasActive) return 'appointment-cancelled';
  if (isBooked && wasActive && previous?.start !== next.start) return 'appointment-moved';
  return undefined;
}

/**
 * Confirmation, change and cancellation notices; the day-before reminder as a delayed job. The
 * patients, practitioners and places of the whole write are read in one statement, its notices
 * written in one, its reminders queued in one.
 */
async function notify(
  tx: SqlExecutor,
  changes: WriteChange[],
  deps: { store: FhirStore; jobs: JobRunner },
): Promise<void> {
  const noticed = changes.flatMap((change) => {
    const template = noticeOf(change);
    return template ? [{ change, next: change.next as Appointment, template }] : [];
  });
  if (noticed.length === 0) return;
  const known = await readNamed(
    tx,
    deps.store,
    noticed.map((n) => n.next),
  );
  const notices: Notification[] = [];
  const reminders: { payload: { appointment: string; start: string }; options: EnqueueOptions }[] = [];
  for (const { change, next, template } of noticed) {
    const patientId = participant(next, 'Patient') as string;
    const patient = known.get(`Patient/${patientId}`) as Patient | undefined;
    if (!patient) continue;
    const params = describe(next, known);
    if (template === 'appointment-moved') params.previous = (change.previous as Appointment).start ?? '';
    for (const { channel, recipient } of channelsOf(patient)) {
      notices.push({
        patientId,
        channel,
        recipient,
        template: template as Notification['template'],
        params,
        ...(patientLanguage(patient) ? { language: patientLanguage(patient) } : {}),
      });
    }
    if (next.status === 'booked' && next.start && template !== 'appointment-cancelled') {
      const remindAt = new Date(Date.parse(next.start) - 24 * 3_600_000);
      if (remindAt.getTime() > Date.now())
        reminders.push({
          payload: { appointment: change.id, start: next.start },
          options: { runAt: remindAt, key: `reminder-${change.id}-${Date.parse(next.start)}` },
        });
    }
  }
  await enqueueNotifications(tx, notices);
  await deps.jobs.enqueueMany(tx, REMINDER_JOB, reminders);
}

/** The day-before reminder: sent only if the appointment is still booked at that time. */
export async function sendReminder(
  db: SqlExecutor & { transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> },
  store: FhirStore,
  payload: { appointment: string; start: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const appointment = await read<Appointment>(tx, store, 'Appointment', payload.appointment);
    if (appointment?.status !== 'booked' || appointment.start !== payload.start) return;
    const patientId = participant(appointment, 'Patient');
    const known = await readNamed(tx, store, [appointment]);
    const patient = patientId ? (known.get(`Patient/${patientId}`) as Patient | undefined) : undefined;
    if (!patient || !patientId) return;
    const params = describe(appointment, known);
    for (const { channel, recipient } of channelsOf(patient)) {
      await enqueueNotification(tx, {
        patientId,
        channel,
        recipient,
        template: 'appointment-reminder',
        params,
        ...(patientLanguage(patient) ? { language: patientLanguage(patient) } : {}),
      });
    }
  });
}

/** The channels the patient chose (extension), else email when they have one, else SMS. */
export function channelsOf(patient: Patient): { channel: 'email' | 'sms'; recipient: string }[] {
  const email = patient.telecom?.find((t) => t.system === 'email' && t.value)?.value;
  const phone = patient.telecom?.find((t) => (t.system === 'sms' || t.system === 'phone') && t.value)?.value;
  const chosen = patient.extension?.find((e) => e.url === CHANNEL_URL)?.valueCode;
  const out: { channel: 'email' | 'sms'; recipient: string }[] = [];
  if (email && (chosen === 'email' || chosen === 'both' || (!chosen && email)))
    out.push({ channel: 'email', recipient: email });
  if (phone && (chosen === 'sms' || chosen === 'both' || (!chosen && !email)))
    out.push({ channel: 'sms', recipient: phone });
  if (out.length === 0 && (email || phone))
    out.push(email ? { channel: 'email', recipient: email } : { channel: 'sms', recipient: phone as string });
  return out;
}

/** The appointments' patients, practitioners and places, read together (one statement). */
async function readNamed(
  tx: SqlExecutor,
  store: FhirStore,
  appointments: readonly Appointment[],
): Promise<Map<string, Resource>> {
  const refs = new Set(
    appointments.flatMap((a) =>
      (['Patient', 'Practitioner', 'Location'] as const).flatMap((type) => {
        const id = participant(a, type);
        return id ? [`${type}/${id}`] : [];
      }),
    ),
  );
  const known = new Map<string, Resource>();
  for (const [ref, found] of await store.locateMany([...refs], tx))
    if (!found.deleted) known.set(ref, JSON.parse(found.content as string) as Resource);
  return known;
}

function describe(a: Appointment, known: Map<string, Resource>): Record<string, string> {
  const practitioner = known.get(`Practitioner/${participant(a, 'Practitioner')}`) as
    | Practitioner
    | undefined;
  const name = practitioner?.name?.[0];
  const display = name
    ? `Dr ${[...(name.given ?? []), name.family].filter(Boolean).join(' ')}`
    : 'votre médecin';
  const location = known.get(`Location/${participant(a, 'Location')}`) as Location | undefined;
  return {
    practitioner: display,
    start: a.start ?? '',
    place: location?.name ?? '',
    mode: modeOf(a.appointmentType) ?? 'in-person',
  };
}

export async function read<T>(
  tx: SqlExecutor,
  store: FhirStore,
  type: string,
  id: string,
): Promise<T | undefined> {
  const found = await store.locate(type, id, undefined, tx);
  return found && !found.deleted ? (JSON.parse(found.content as string) as T) : undefined;
}
