/**
 * Guest-dialysis records change through the dialysis service only: a write hook refuses, on every
 * path (REST, batch, transaction bundles), a write by anyone but the platform to a stay request or
 * its Task or to the summary sent ahead (a DocumentReference about a stay), a person's write to a
 * guest chair's Schedule or Slots, and an Appointment that would take a guest chair's Slot.
 * Without it a centre could "accept" by writing the Task (and gain a referral's access), book a
 * chair past the checks, free a booked chair for a second acceptance, or the summary the
 * destination reads could change after it was sent.
 */
import type {
  Appointment,
  DocumentReference,
  Resource,
  Schedule,
  ServiceRequest,
  Slot,
  Task,
} from '@medplum/fhirtypes';
import { FhirError, outcome, type WriteHook } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { chairOf } from './centres.ts';
import { GUEST_REQUEST, hasCoding } from './terms.ts';

const refused = () =>
  new FhirError(
    403,
    outcome(
      'error',
      'forbidden',
      'Guest dialysis stays change through the dialysis service (/api/dialysis), not by direct writes',
    ),
  );

const isStay = (r: Resource | undefined): boolean =>
  (r?.resourceType === 'ServiceRequest' && hasCoding((r as ServiceRequest).category, GUEST_REQUEST)) ||
  (r?.resourceType === 'Task' && hasCoding((r as Task).code, GUEST_REQUEST));

const slotsOf = (r: Resource | undefined): string[] =>
  r?.resourceType === 'Appointment'
    ? ((r as Appointment).slot ?? []).flatMap((s) =>
        s.reference?.startsWith('Slot/') ? [s.reference.slice(5)] : [],
      )
    : [];

/** The Schedule a Slot belongs to (to check against the guest chairs). */
const scheduleOfSlot = (r: Resource | undefined): string[] => {
  const ref = r?.resourceType === 'Slot' ? (r as Slot).schedule?.reference : undefined;
  return ref?.startsWith('Schedule/') ? [ref.slice('Schedule/'.length)] : [];
};

/** The stays a document is about (the summary sent ahead names its stay in context.related). */
const staysOfDocument = (r: Resource | undefined): string[] =>
  r?.resourceType === 'DocumentReference'
    ? ((r as DocumentReference).context?.related ?? []).flatMap((x) =>
        x.reference?.startsWith('ServiceRequest/') ? [x.reference.slice('ServiceRequest/'.length)] : [],
      )
    : [];

const isChair = (r: Resource | undefined): boolean =>
  r?.resourceType === 'Schedule' && chairOf(r as Schedule) !== undefined;

export function protectHook(): WriteHook {
  return (changes, actor) => {
    if (actor === undefined) return undefined; // the platform: the dialysis service itself
    for (const c of changes) if (isStay(c.next) || isStay(c.previous)) throw refused();
    const slots = changes.flatMap((c) => [...slotsOf(c.next), ...slotsOf(c.previous)]);
    // a guest chair's own Schedule and Slots, by a person (a centre's coordinator, an administrator):
    // freeing or taking one by hand would let a second acceptance book the chair, or hide it from
    // the search. A network's directory feed (a system client with its scopes) configures chairs.
    const byPerson = (actor as Principal).kind !== 'system';
    if (byPerson) for (const c of changes) if (isChair(c.next) || isChair(c.previous)) throw refused();
    const schedules = byPerson
      ? changes.flatMap((c) => [...scheduleOfSlot(c.next), ...scheduleOfSlot(c.previous)])
      : [];
    // the summary sent ahead is what the destination reads: no one changes it after sending
    const documents = changes.flatMap((c) => [...staysOfDocument(c.next), ...staysOfDocument(c.previous)]);
    if (slots.length === 0 && schedules.length === 0 && documents.length === 0) return undefined;
    return async (tx) => {
      const chairs = await tx.query(
        `SELECT 1 FROM sched_slot s JOIN dial_chair c ON c.schedule_id = s.schedule_id WHERE s.slot_id = ANY($1::text[])
         UNION ALL SELECT 1 FROM dial_chair WHERE schedule_id = ANY($2::text[])
         UNION ALL SELECT 1 FROM dial_stay WHERE id = ANY($3::text[]) LIMIT 1`,
        [slots, schedules, documents],
      );
      if (chairs.rows.length > 0) throw refused();
    };
  };
}
