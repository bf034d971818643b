/**
 * The waiting list: a patient who found no suitable slot asks to be told when one frees up for a
 * practitioner (a schedule) between two dates. A slot given back goes to the first such patient,
 * held for them (`busy-tentative`) a short while and offered by message; if they do not take it
 * in time the next in line gets it, and only then is it free for everyone.
 */
import type { Patient, Slot } from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor } from '@sahti/fhir';
import type { JobRunner } from '../../jobs/index.ts';
import { enqueueNotification, patientLanguage } from '../../notify/index.ts';
import { heldBy, holdExtension } from './holds.ts';
import type { SchedulingSettings } from './settings.ts';

export const OFFERED_TO_URL = 'https://sahti.ma/fhir/StructureDefinition/slot-offered-to';
export const OFFER_EXPIRY_JOB = 'scheduling.offer-expiry';

interface Deps {
  store: FhirStore;
  jobs: JobRunner;
  settings: SchedulingSettings;
}

/** Offers a freed (future) slot to the first patient waiting for it; leaves it free when nobody is. */
export async function offerFreedSlot(tx: SqlExecutor, deps: Deps, slot: Slot): Promise<void> {
  const scheduleId = slot.schedule.reference?.split('/')[1];
  const entry = (
    await tx.query<{ id: string; patient_id: string }>(
      `SELECT id, patient_id FROM sched_waitlist
        WHERE schedule_id = $1::text AND closed_at IS NULL AND offered_slot IS NULL
          AND earliest <= $2::timestamptz AND latest >= $2::timestamptz
        ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [scheduleId, slot.start],
    )
  ).rows[0];
  if (!entry) return;
  const until = new Date(Date.now() + deps.settings.waitlistHoldMinutes * 60_000);
  await deps.store.modifyWithin(tx, 'Slot', slot.id as string, (current) => {
    const s = current as Slot | undefined;
    if (s?.status !== 'free') return undefined;
    return {
      ...s,
      status: 'busy-tentative',
      extension: [
        ...(s.extension ?? []).filter((e) => e.url !== OFFERED_TO_URL),
        holdExtension(OFFERED_TO_URL, slot.id as string, `Patient/${entry.patient_id}`),
      ],
    };
  });
  await tx.query(
    'UPDATE sched_waitlist SET offered_slot = $2::text, offered_until = $3::timestamptz WHERE id = $1::text',
    [entry.id, slot.id, until.toISOString()],
  );
  const found = await deps.store.locate('Patient', entry.patient_id, undefined, tx);
  const patient = found && !found.deleted ? (JSON.parse(found.content as string) as Patient) : undefined;
  const email = patient?.telecom?.find((t) => t.system === 'email' && t.value)?.value;
  const phone = patient?.telecom?.find((t) => (t.system === 'sms' || t.system === 'phone') && t.value)?.value;
  if (patient && (email || phone)) {
    const language = patientLanguage(patient);
    await enqueueNotification(tx, {
      patientId: entry.patient_id,
      channel: phone ? 'sms' : 'email',
      recipient: phone ?? email,
      template: 'waitlist-offer',
      params: {
        practitioner: await practitionerName(tx, deps.store, scheduleId),
        start: slot.start,
        minutes: String(deps.settings.waitlistHoldMinutes),
      },
      ...(language ? { language } : {}),
    });
  }
  await deps.jobs.enqueue(
    tx,
    OFFER_EXPIRY_JOB,
    { entry: entry.id, slot: slot.id },
    { runAt: until, key: `offer-${entry.id}` },
  );
}

/** The offered patient booked the slot: their entry is done. */
export async function takeOffer(
  tx: SqlExecutor,
  slotId: string,
  patientId: string | undefined,
): Promise<void> {
  if (!patientId) return;
  await tx.query(
    `UPDATE sched_waitlist SET closed_at = now(), close_reason = 'booked'
      WHERE offered_slot = $1::text AND patient_id = $2::text AND closed_at IS NULL`,
    [slotId, patientId],
  );
}

/** The hold ran out: the entry closes, and the slot goes to the next in line (or becomes free). */
export async function expireOffer(
  db: SqlExecutor & { transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> },
  deps: Deps,
  payload: { entry: string; slot: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const entry = (
      await tx.query<{ patient_id: string }>(
        `UPDATE sched_waitlist SET closed_at = now(), close_reason = 'offer expired'
          WHERE id = $1::text AND closed_at IS NULL AND offered_slot = $2::text RETURNING patient_id`,
        [payload.entry, payload.slot],
      )
    ).rows[0];
    if (!entry) return;
    let freed: Slot | undefined;
    await deps.store.modifyWithin(tx, 'Slot', payload.slot, (current) => {
      const s = current as Slot | undefined;
      if (s?.status !== 'busy-tentative' || !heldBy(s, OFFERED_TO_URL, `Patient/${entry.patient_id}`))
        return undefined;
      freed = {
        ...s,
        status: 'free',
        extension: (s.extension ?? []).filter((e) => e.url !== OFFERED_TO_URL),
      };
      return freed;
    });
    if (freed && Date.parse(freed.start) > Date.now()) await offerFreedSlot(tx, deps, freed);
  });
}

async function practitionerName(
  tx: SqlExecutor,
  store: FhirStore,
  scheduleId: string | undefined,
): Promise<string> {
  const row = (
    await tx.query<{ practitioner: string | null }>(
      'SELECT practitioner FROM sched_schedule WHERE schedule_id = $1::text',
      [scheduleId],
    )
  ).rows[0];
  const id = row?.practitioner?.split('/')[1];
  const found = id ? await store.locate('Practitioner', id, undefined, tx) : undefined;
  const name = found && !found.deleted ? JSON.parse(found.content as string).name?.[0] : undefined;
  return name ? `Dr ${[...(name.given ?? []), name.family].filter(Boolean).join(' ')}` : 'votre médecin';
}
