/**
 * Keeps the module's projections (sched_schedule, sched_slot) in step with the FHIR resources, in
 * the writing transaction (a write hook): a Slot's status and times, and a Schedule's practitioner,
 * mode, specialties, languages, fee and place, read from its actors. `$find` reads these tables;
 * the resources stay the truth.
 */
import type {
  Location,
  Practitioner,
  PractitionerRole,
  Reference,
  Resource,
  Schedule,
  Slot,
} from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor, WriteHook } from '@sahti/fhir';
import { holderOf } from './holds.ts';
import { placeKeys } from './places.ts';
import { FEE_URL, modeOf } from './terms.ts';

const WATCHED = new Set(['Schedule', 'Slot', 'PractitionerRole', 'Practitioner', 'Location']);

export function projectionHook(store: FhirStore): WriteHook {
  return (changes) => {
    const relevant = changes.filter((c) => WATCHED.has(c.resourceType));
    if (relevant.length === 0) return undefined;
    return async (tx) => {
      // slots come by the thousand when a schedule is derived: one statement for all of them
      await projectSlots(
        tx,
        relevant
          .filter((c) => c.resourceType === 'Slot')
          .map((c) => ({ id: c.id, slot: c.next as Slot | undefined })),
      );
      for (const change of relevant) {
        const ref = `${change.resourceType}/${change.id}`;
        if (change.resourceType === 'Slot') continue;
        if (change.resourceType === 'Schedule')
          await projectSchedule(tx, store, change.id, change.next as Schedule | undefined);
        else {
          const affected = await tx.query<{ schedule_id: string }>(
            'SELECT schedule_id FROM sched_schedule WHERE role = $1::text OR practitioner = $1::text OR location = $1::text',
            [ref],
          );
          for (const row of affected.rows) {
            const found = await store.locate('Schedule', row.schedule_id, undefined, tx);
            const schedule =
              found && !found.deleted ? (JSON.parse(found.content as string) as Schedule) : undefined;
            await projectSchedule(tx, store, row.schedule_id, schedule);
          }
        }
      }
    };
  };
}

async function projectSlots(tx: SqlExecutor, slots: { id: string; slot: Slot | undefined }[]): Promise<void> {
  if (slots.length === 0) return;
  const gone = slots.filter((s) => !s.slot).map((s) => s.id);
  if (gone.length > 0) await tx.query('DELETE FROM sched_slot WHERE slot_id = ANY($1::text[])', [gone]);
  const rows = slots.flatMap(({ id, slot }) => {
    const scheduleId = slot?.schedule?.reference?.split('/')[1];
    if (!slot || !scheduleId) return [];
    // the holder's token (holds.ts), not the Appointment's reference
    const appointment = holderOf(slot, BOOKED_BY_URL) ?? null;
    return [
      {
        slot_id: id,
        schedule_id: scheduleId,
        start_at: slot.start,
        end_at: slot.end,
        status: slot.status,
        appointment,
      },
    ];
  });
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sched_slot (slot_id, schedule_id, start_at, end_at, status, appointment)
     SELECT slot_id, schedule_id, start_at, end_at, status, appointment FROM jsonb_to_recordset($1::jsonb)
       AS x(slot_id text, schedule_id text, start_at timestamptz, end_at timestamptz, status text, appointment text)
     ON CONFLICT (slot_id) DO UPDATE SET schedule_id = EXCLUDED.schedule_id, start_at = EXCLUDED.start_at,
       end_at = EXCLUDED.end_at, status = EXCLUDED.status, appointment = EXCLUDED.appointment`,
    [JSON.stringify(rows)],
    { prepared: true }, // every Slot written: one text, one plan for any number of rows
  );
}

/** Which Appointment holds a busy Slot: a keyed token of its reference (holds.ts), not the reference. */
export const BOOKED_BY_URL = 'https://sahti.ma/fhir/StructureDefinition/slot-booked-by';

async function read<T extends Resource>(
  tx: SqlExecutor,
  store: FhirStore,
  ref: Reference | undefined,
): Promise<T | undefined> {
  const [type, id] = ref?.reference?.split('/') ?? [];
  if (!type || !id) return undefined;
  const found = await store.locate(type, id, undefined, tx);
  return found && !found.deleted ? (JSON.parse(found.content as string) as T) : undefined;
}

async function projectSchedule(
  tx: SqlExecutor,
  store: FhirStore,
  id: string,
  schedule: Schedule | undefined,
): Promise<void> {
  if (!schedule) {
    await tx.query('DELETE FROM sched_schedule WHERE schedule_id = $1::text', [id]);
    return;
  }
  const actor = (type: string) => schedule.actor.find((a) => a.reference?.startsWith(`${type}/`));
  const roleRef = actor('PractitionerRole');
  const role = await read<PractitionerRole>(tx, store, roleRef);
  const practitionerRef = actor('Practitioner') ?? role?.practitioner;
  const practitioner = await read<Practitioner>(tx, store, practitionerRef);
  const locationRef = actor('Location') ?? role?.location?.[0];
  const location = await read<Location>(tx, store, locationRef);
  const specialties = [...(schedule.specialty ?? []), ...(role?.specialty ?? [])].flatMap(
    (c) => c.coding?.map((x) => x.code as string) ?? [],
  );
  const languages = (practitioner?.communication ?? []).flatMap(
    (c) => c.coding?.map((x) => x.code as string) ?? [],
  );
  const fee = role?.extension?.find((e) => e.url === FEE_URL)?.valueMoney?.value ?? null;
  await tx.query(
    `INSERT INTO sched_schedule (schedule_id, practitioner, role, location, mode, specialties, languages, place_keys, fee, lat, lon, active)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text[], $7::text[], $8::text[], $9::numeric, $10::float8, $11::float8, $12::boolean)
     ON CONFLICT (schedule_id) DO UPDATE SET practitioner = EXCLUDED.practitioner, role = EXCLUDED.role,
       location = EXCLUDED.location, mode = EXCLUDED.mode, specialties = EXCLUDED.specialties, languages = EXCLUDED.languages,
       place_keys = EXCLUDED.place_keys, fee = EXCLUDED.fee, lat = EXCLUDED.lat, lon = EXCLUDED.lon, active = EXCLUDED.active`,
    [
      id,
      practitionerRef?.reference ?? null,
      roleRef?.reference ?? null,
      locationRef?.reference ?? null,
      modeOf(schedule.serviceType) ?? 'in-person',
      [...new Set(specialties)],
      [...new Set(languages)],
      placeKeys(location?.address),
      fee,
      location?.position?.latitude ?? null,
      location?.position?.longitude ?? null,
      schedule.active !== false && role?.active !== false,
    ],
  );
}
