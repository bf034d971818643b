/**
 * Booking, cancelling, moving and no-shows, as the API offers them (`$book`, JSON routes). Who may:
 * a patient for themselves; a system client allowed to create Appointments; a care-giver for a
 * patient already in their care (booking them with a colleague is how a GP refers). The slot rules
 * and the notices live in the Appointment write hook (booking.ts), the same for every path.
 */
import type { Appointment, Slot } from '@medplum/fhirtypes';
import {
  badRequest,
  FhirError,
  type FhirStore,
  notFound,
  outcome,
  type SqlClient,
  type SqlExecutor,
} from '@sahti/fhir';
import type { AccessLayer } from '../../access/layer.ts';
import { isCareGiver } from '../../access/policy.ts';
import { scopePermits } from '../../access/smart.ts';
import type { Principal } from '../../kernel/principal.ts';
import { ACTIVE, participant, read, slotTaken, takenFrom } from './booking.ts';
import { type Answer, GroupCommit, type GroupCommitOptions } from './group-commit.ts';
import { SlotQueue } from './slot-queue.ts';
import { type Mode, modeConcept } from './terms.ts';

export interface BookingDeps {
  db: SqlClient;
  store: FhirStore;
  access: AccessLayer;
  /** Bookings of one slot in this process, one at a time (slot-queue.ts). */
  slots: SlotQueue;
  /** Bookings of different slots arriving together, written in one transaction (group-commit.ts). */
  commits: GroupCommit<Booking, Appointment>;
}

/** One booking asked for, its patient checked. */
export interface Booking {
  principal: Principal;
  slotId: string;
  patientId: string;
  reason: unknown;
}

export function bookingDeps(
  base: Pick<BookingDeps, 'db' | 'store' | 'access'>,
  groups: GroupCommitOptions,
): BookingDeps {
  const deps: BookingDeps = {
    ...base,
    slots: new SlotQueue(),
    commits: new GroupCommit((bookings) => bookTogether(deps, bookings), groups),
  };
  return deps;
}

const forbidden = (text: string) => new FhirError(403, outcome('error', 'forbidden', text));

/** The patient a principal books for, checked: themselves, or one they may act for. */
async function patientFor(
  deps: BookingDeps,
  principal: Principal,
  asked: string | undefined,
): Promise<string> {
  const me = principal.fhirUser;
  if (principal.kind === 'patient') {
    if (!me?.startsWith('Patient/')) throw forbidden('This account has no patient record');
    if (asked && asked !== me && asked !== me.slice(8)) throw forbidden('A patient books for themselves');
    return me.slice(8);
  }
  if (!asked) badRequest('Say which patient the appointment is for', ['patient']);
  const id = (asked as string).replace(/^Patient\//, '');
  if (principal.kind === 'system') {
    if (!scopePermits(principal, 'Appointment', 'create'))
      throw forbidden('The token does not grant create on Appointment');
    return id;
  }
  if (!isCareGiver(principal)) throw forbidden('Your role does not book appointments');
  const access = await deps.access.resolve(principal);
  const found = await deps.store.as(access).locate('Patient', id);
  if (!found?.visible || found.deleted) notFound(`Patient/${id} does not exist`);
  return id;
}

interface ScheduleFacts {
  practitioner: string | null;
  /** A schedule withdrawn (Schedule.active false, or its role's) takes no booking. */
  active: boolean;
  role: string | null;
  location: string | null;
  mode: Mode;
}

export interface BookRequest {
  slot?: unknown;
  patient?: unknown;
  reason?: unknown;
}

export async function book(
  deps: BookingDeps,
  principal: Principal,
  input: BookRequest,
): Promise<Appointment> {
  if (typeof input.slot !== 'string' || !/^(Slot\/)?[A-Za-z0-9\-.]{1,64}$/.test(input.slot))
    badRequest('Give the slot to book (Slot/<id>)', ['slot']);
  if (input.reason !== undefined && (typeof input.reason !== 'string' || input.reason.length > 500))
    badRequest('The reason is a short text (500 characters at most)', ['reason']);
  const slotId = (input.slot as string).replace(/^Slot\//, '');
  const patientId = await patientFor(
    deps,
    principal,
    typeof input.patient === 'string' ? input.patient : undefined,
  );
  // one booking of a slot at a time in this process: the others wait here, not on the row lock,
  // and those waiting when one of them books it have lost (refused without a statement); bookings
  // of other slots arriving meanwhile are committed together with it
  return deps.slots.run(
    slotId,
    () => deps.commits.submit({ principal, slotId, patientId, reason: input.reason }),
    slotTaken,
  );
}

type Facts = ScheduleFacts & { status: string; schedule_id: string };

/**
 * Books slots (all different) in one transaction: their schedules and committed states read in one
 * statement — a slot already busy is refused without a transaction — their rows locked in one, the
 * Appointments created in one write per writer. A booking refused on its own facts (taken, gone)
 * is answered alone; when the write as a whole is refused (a rule of the write hook, a deadlock
 * with another server), each booking is tried again alone, so that the refusal reaches its own.
 */
export async function bookTogether(deps: BookingDeps, bookings: Booking[]): Promise<Answer<Appointment>[]> {
  const answers: (Answer<Appointment> | undefined)[] = bookings.map(() => undefined);
  const refuse = (i: number, error: unknown) => {
    answers[i] = { ok: false, error };
  };
  const facts = new Map(
    (
      await deps.db.query<Facts & { slot_id: string }>(
        `SELECT s.slot_id, s.status, s.schedule_id, sc.practitioner, sc.role, sc.location, sc.mode, sc.active
           FROM sched_slot s LEFT JOIN sched_schedule sc ON sc.schedule_id = s.schedule_id
          WHERE s.slot_id = ANY($1::text[])`,
        [bookings.map((b) => b.slotId)],
        { prepared: true }, // every group, the losers' only statement
      )
    ).rows.map((row) => [row.slot_id, row]),
  );
  const open = bookings.flatMap((booking, i) => {
    const seen = facts.get(booking.slotId);
    if (seen && (!seen.practitioner || !seen.active))
      refuse(
        i,
        new FhirError(404, outcome('error', 'not-found', 'This slot belongs to no bookable practitioner')),
      );
    else if (seen?.status === 'busy') refuse(i, slotTaken());
    else return [i];
    return [];
  });
  if (open.length === 0) return answers as Answer<Appointment>[];
  try {
    const written = await deps.db.transaction(async (tx) => {
      // the Slots' rows are locked first: concurrent bookings of them (another server) queue here,
      // and are refused as soon as these commit, before writing anything (the write hook decides)
      const slots = new Map<string, Slot | undefined>();
      await deps.store.modifyManyWithin(
        tx,
        'Slot',
        open.map((i) => bookings[i].slotId),
        (current, id) => {
          slots.set(id, current as Slot | undefined);
          return undefined;
        },
      );
      // a patient books as themselves; a scheduler's booking is the platform's (it opens the booked
      // practitioner's care relationship, as a booking by the patient would)
      // keyed by the principal itself: each patient's booking is written as that request's patient
      const writers = new Map<
        Principal | 'platform',
        { writer: FhirStore; items: { i: number; appointment: Appointment }[] }
      >();
      for (const i of open) {
        const { principal } = bookings[i];
        let appointment: Appointment;
        try {
          appointment = await appointmentFor(tx, bookings[i], slots.get(bookings[i].slotId), facts);
        } catch (error) {
          if (!(error instanceof FhirError)) throw error;
          refuse(i, error);
          continue;
        }
        const key = principal.kind === 'patient' ? principal : 'platform';
        const group = writers.get(key) ?? {
          writer: principal.kind === 'patient' ? deps.store.as({ actor: principal }) : deps.store,
          items: [],
        };
        group.items.push({ i, appointment });
        writers.set(key, group);
      }
      const created: [number, Appointment][] = [];
      for (const { writer, items } of writers.values()) {
        const results = await writer.createManyWithin(
          tx,
          items.map((item) => item.appointment),
        );
        for (const [k, item] of items.entries()) created.push([item.i, results[k].resource as Appointment]);
      }
      return created;
    });
    for (const [i, appointment] of written) answers[i] = { ok: true, value: appointment };
  } catch (error) {
    const left = open.filter((i) => answers[i] === undefined);
    if (left.length === 1) refuse(left[0], error);
    else {
      const alone = await Promise.all(left.map((i) => bookTogether(deps, [bookings[i]])));
      left.forEach((i, k) => {
        answers[i] = alone[k][0];
      });
    }
  }
  return answers as Answer<Appointment>[];
}

/** The Appointment a booking creates, from its locked Slot and the slot's schedule. */
async function appointmentFor(
  tx: SqlExecutor,
  { slotId, patientId, reason }: Booking,
  slot: Slot | undefined,
  facts: Map<string, Facts>,
): Promise<Appointment> {
  if (!slot) notFound(`Slot/${slotId} does not exist`);
  const scheduleId = slot!.schedule.reference?.split('/')[1];
  const seen = facts.get(slotId);
  const schedule =
    seen?.schedule_id === scheduleId
      ? seen
      : (
          await tx.query<ScheduleFacts>(
            'SELECT practitioner, role, location, mode, active FROM sched_schedule WHERE schedule_id = $1::text',
            [scheduleId],
          )
        ).rows[0];
  if (!schedule?.practitioner || !schedule.active)
    return notFound('This slot belongs to no bookable practitioner');
  if (takenFrom(slot!, patientId)) throw slotTaken();
  return {
    resourceType: 'Appointment',
    status: 'booked',
    appointmentType: modeConcept(schedule.mode),
    ...(slot!.serviceType ? { serviceType: slot!.serviceType } : {}),
    ...(slot!.specialty ? { specialty: slot!.specialty } : {}),
    ...(typeof reason === 'string' && reason.trim() ? { description: reason.trim() } : {}),
    start: slot!.start,
    end: slot!.end,
    created: new Date().toISOString(),
    slot: [{ reference: `Slot/${slotId}` }],
    participant: [
      { actor: { reference: `Patient/${patientId}` }, required: 'required', status: 'accepted' },
      { actor: { reference: schedule.practitioner as string }, required: 'required', status: 'accepted' },
      ...(schedule.role ? [{ actor: { reference: schedule.role }, status: 'accepted' as const }] : []),
      ...(schedule.location && schedule.mode === 'in-person'
        ? [{ actor: { reference: schedule.location }, status: 'accepted' as const }]
        : []),
    ],
  };
}

/** Who may change an appointment: its patient, its practitioner, or a care-giver / system who may write it. */
async function editable(deps: BookingDeps, principal: Principal, id: string): Promise<Appointment> {
  const access = await deps.access.resolve(principal);
  const found = await deps.store.as(access).locate('Appointment', id);
  if (!found?.visible || found.deleted) notFound(`Appointment/${id} does not exist`);
  const appointment = JSON.parse(found!.content as string) as Appointment;
  const mine =
    (principal.kind === 'patient' &&
      principal.fhirUser === `Patient/${participant(appointment, 'Patient')}`) ||
    (principal.fhirUser?.startsWith('Practitioner/') &&
      principal.fhirUser === `Practitioner/${participant(appointment, 'Practitioner')}`) ||
    principal.kind === 'system' ||
    isCareGiver(principal);
  if (!mine) throw forbidden('Only the patient or the practitioner of an appointment changes it');
  return appointment;
}

async function rewrite(
  deps: BookingDeps,
  principal: Principal,
  id: string,
  change: (a: Appointment) => Appointment,
): Promise<Appointment> {
  const before = await editable(deps, principal, id);
  if (!ACTIVE.has(before.status))
    throw new FhirError(409, outcome('error', 'conflict', `The appointment is ${before.status}`));
  const writer = deps.store.as({ actor: principal });
  return deps.db.transaction(async (tx) => {
    const result = await writer.modifyWithin(tx, 'Appointment', id, (current) => {
      const a = current as Appointment | undefined;
      if (!a || a.meta?.versionId !== before.meta?.versionId)
        throw new FhirError(
          409,
          outcome('error', 'conflict', 'The appointment changed meanwhile: reload it'),
        );
      return change(a);
    });
    return result?.resource as Appointment;
  });
}

export function cancel(
  deps: BookingDeps,
  principal: Principal,
  id: string,
  reason: unknown,
): Promise<Appointment> {
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))
    badRequest('The reason is a short text', ['reason']);
  return rewrite(deps, principal, id, (a) => ({
    ...a,
    status: 'cancelled',
    ...(typeof reason === 'string' && reason.trim() ? { cancelationReason: { text: reason.trim() } } : {}),
  }));
}

export async function reschedule(
  deps: BookingDeps,
  principal: Principal,
  id: string,
  slotRef: unknown,
): Promise<Appointment> {
  if (typeof slotRef !== 'string' || !/^(Slot\/)?[A-Za-z0-9\-.]{1,64}$/.test(slotRef))
    badRequest('Give the new slot (Slot/<id>)', ['slot']);
  const slotId = (slotRef as string).replace(/^Slot\//, '');
  const slot = await read<Slot>(deps.db, deps.store, 'Slot', slotId);
  if (!slot) notFound(`Slot/${slotId} does not exist`);
  const owner = (
    await deps.db.query<{ practitioner: string | null }>(
      'SELECT practitioner FROM sched_schedule WHERE schedule_id = $1::text',
      [slot!.schedule.reference?.split('/')[1]],
    )
  ).rows[0]?.practitioner;
  return rewrite(deps, principal, id, (a) => {
    // a move stays with the same practitioner: another practitioner is a new booking
    if (!a.slot?.length) badRequest('This appointment has no slot to move');
    if (owner !== `Practitioner/${participant(a, 'Practitioner')}`)
      badRequest('The new slot must be with the same practitioner', ['slot']);
    return { ...a, slot: [{ reference: `Slot/${slotId}` }], start: slot!.start, end: slot!.end };
  });
}

export function noShow(deps: BookingDeps, principal: Principal, id: string): Promise<Appointment> {
  if (principal.kind !== 'staff' && principal.kind !== 'system')
    throw forbidden('The practice records a no-show');
  return rewrite(deps, principal, id, (a) => ({ ...a, status: 'noshow' }));
}
