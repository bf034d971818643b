/**
 * Guest-dialysis records change through the dialysis service only: a write hook refuses, on every
 * path (REST, batch, transaction bundles), a write by anyone but the platform to a stay request or
 * its Task, and an Appointment that would take a guest chair's Slot. Without it a centre could
 * "accept" by writing the Task (and gain a referral's access) or book a chair past the checks.
 */
import type { Appointment, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { FhirError, outcome, type WriteHook } from '@sahti/fhir';
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

export function protectHook(): WriteHook {
  return (changes, actor) => {
    if (actor === undefined) return undefined; // the platform: the dialysis service itself
    for (const c of changes) if (isStay(c.next) || isStay(c.previous)) throw refused();
    const slots = changes.flatMap((c) => [...slotsOf(c.next), ...slotsOf(c.previous)]);
    if (slots.length === 0) return undefined;
    return async (tx) => {
      const chairs = await tx.query(
        `SELECT 1 FROM sched_slot s JOIN dial_chair c ON c.schedule_id = s.schedule_id WHERE s.slot_id = ANY($1::text[]) LIMIT 1`,
        [slots],
      );
      if (chairs.rows.length > 0) throw refused();
    };
  };
}
