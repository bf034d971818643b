/**
 * What a patient (or a delegate acting for them) may write, beyond the role matrix: their own
 * entries in their own record, never what their care team recorded there. The write guard calls
 * checkPatientWrite on every patient write; the authorship hook notes which versions a patient-side
 * principal wrote (table `patient_write`: the current version id, per resource).
 *
 * - update or delete: only a resource whose current version a patient-side principal wrote
 *   (their own Patient resource excepted for updates: demographics, minus the identity fields of
 *   identity.ts, and minus the phone and email messages go to, which change through
 *   PUT /api/me/contact with a code sent to the new one (contact-change.ts); RelatedPerson follows
 *   the delegation rule below instead);
 * - a type with a subject (patient) element names one of the writer's patients there: being in
 *   their compartment through an author or a sender is not enough;
 * - an Appointment is a request (proposed, pending) or a cancellation: a booking takes a free slot
 *   through `$book`, so a patient's own write claims no Slot;
 * - a RelatedPerson (who may act for a patient) is written only by the patient it is about, as an
 *   adult (mayDelegate): a child cannot name one, a delegate cannot end another's.
 */
import type { Appointment, Patient, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome, type SqlExecutor, type WriteHook } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { changesMessagingTelecom } from './contact-change.ts';
import { ageOn, mayDelegate, readPatient } from './relations/dependants.ts';
import { writerOf } from './relations/sources.ts';

const forbidden = (text: string): FhirError => new FhirError(403, outcome('error', 'forbidden', text));

/** The element that names whose data a resource is, for the types a patient writes. */
const SUBJECT_OF: Record<string, string> = {
  Observation: 'subject',
  QuestionnaireResponse: 'subject',
  Communication: 'subject',
  DocumentReference: 'subject',
  Consent: 'patient',
  RelatedPerson: 'patient',
};

/** Statuses of an Appointment a patient writes themself: a request, or their cancellation. */
const REQUEST_STATUSES = new Set(['proposed', 'pending', 'cancelled']);

export async function checkPatientWrite(
  tx: SqlExecutor,
  principal: Principal,
  next: Resource | undefined,
  previous: Resource | undefined,
  visible: Pick<Set<string>, 'has'>,
): Promise<void> {
  const type = (next ?? previous)?.resourceType as string;
  const self = principal.fhirUser?.startsWith('Patient/') ? principal.fhirUser.slice(8) : undefined;
  if (type === 'RelatedPerson') return checkDelegation(tx, self, next, previous);
  if (previous && !(type === 'Patient' && next) && !(await wroteCurrent(tx, previous)))
    throw forbidden(
      `${type}/${previous.id} was recorded by your care team: ask them to correct it, or add your own entry`,
    );
  if (!next) return;
  if (type === 'Patient' && previous && changesMessagingTelecom(next as Patient, previous as Patient))
    throw forbidden(
      'Your phone number and email address change in your account (PUT /api/me/contact), confirmed by a code sent to the new one',
    );
  const field = SUBJECT_OF[type];
  if (field) {
    const subject = patientOf(next, field);
    if (!subject || !visible.has(subject))
      throw forbidden(`A ${type} you write names you (or the patient you act for) as its ${field}`);
  }
  if (type === 'Appointment')
    checkAppointmentRequest(next as Appointment, previous as Appointment | undefined);
}

/** Whether a patient-side principal wrote this version (the one a write would replace). */
async function wroteCurrent(tx: SqlExecutor, current: Resource): Promise<boolean> {
  const { rows } = await tx.query<{ version_id: string | number }>(
    'SELECT version_id FROM patient_write WHERE resource_type = $1::text AND id = $2::text',
    [current.resourceType, current.id],
  );
  return rows.length > 0 && String(rows[0].version_id) === current.meta?.versionId;
}

function checkAppointmentRequest(next: Appointment, previous: Appointment | undefined): void {
  if (!REQUEST_STATUSES.has(next.status))
    throw forbidden(
      'You may request an appointment (proposed or pending) or cancel one; to book a time, choose a free slot ($book)',
    );
  const before = new Set(slotsOf(previous));
  if (slotsOf(next).some((s) => !before.has(s)))
    throw forbidden('A slot is booked through $book, which checks that it is free and bookable');
}

async function checkDelegation(
  tx: SqlExecutor,
  self: string | undefined,
  next: Resource | undefined,
  previous: Resource | undefined,
): Promise<void> {
  for (const version of [previous, next]) {
    if (!version) continue;
    if (!self || patientOf(version, 'patient') !== self)
      throw forbidden(
        'Only the person concerned, as an adult, or an administrator records who acts for them',
      );
  }
  const age = ageOn((await readPatient(tx, self as string))?.birthDate, new Date());
  if (!mayDelegate({ kind: 'patient', patientId: self }, self as string, age))
    throw forbidden(
      'A minor’s representatives are recorded by an administrator (livret de famille, court order)',
    );
}

function patientOf(resource: Resource, field: string): string | undefined {
  const ref = (resource as unknown as Record<string, { reference?: string } | undefined>)[field]?.reference;
  return ref?.match(/^Patient\/([A-Za-z0-9\-.]{1,64})$/)?.[1];
}

function slotsOf(a: Appointment | undefined): string[] {
  return (a?.slot ?? []).flatMap((s) => (s.reference ? [s.reference] : []));
}

/**
 * Notes each version a patient-side principal writes (the latest only: a later write by anyone
 * else makes the note stale, and the guard compares version ids). Deleting forgets it.
 */
export function patientAuthorshipHook(): WriteHook {
  return (changes, actor) => {
    const writer = writerOf(actor);
    if (writer.kind !== 'patient') return undefined;
    // at most two statements, whatever the number of changes (a bundle of home readings)
    const gone = changes.filter((c) => !c.next?.meta?.versionId);
    const noted = changes.filter((c) => c.next?.meta?.versionId);
    return async (tx) => {
      if (gone.length > 0)
        await tx.query(
          `DELETE FROM patient_write w USING unnest($1::text[], $2::text[]) AS g(resource_type, id)
            WHERE w.resource_type = g.resource_type AND w.id = g.id`,
          [gone.map((c) => c.resourceType), gone.map((c) => c.id)],
        );
      if (noted.length > 0)
        await tx.query(
          `INSERT INTO patient_write (resource_type, id, version_id, writer)
           SELECT DISTINCT ON (n.resource_type, n.id) n.resource_type, n.id, n.version_id, $4::text
             FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS n(resource_type, id, version_id, k)
            ORDER BY n.resource_type, n.id, n.k DESC
           ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id, writer = EXCLUDED.writer`,
          [
            noted.map((c) => c.resourceType),
            noted.map((c) => c.id),
            noted.map((c) => c.next?.meta?.versionId as string),
            writer.grantedBy,
          ],
        );
    };
  };
}
