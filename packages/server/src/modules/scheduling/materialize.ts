/**
 * Slots are derived from each Schedule's weekly template: every night (and when a template changes)
 * the coming `horizonDays` are written as Slot resources with ids made of the schedule and the start
 * (so a run twice writes nothing twice), and free future slots the template no longer gives are
 * removed. Busy or held slots are never touched: a booked patient keeps their slot.
 */
import type { Bundle, BundleEntry, Schedule, Slot } from '@medplum/fhirtypes';
import type { FhirRestHandler, SqlExecutor } from '@sahti/fhir';
import { deriveSlots, templateOf } from './template.ts';

export const MATERIALIZE_JOB = 'scheduling.materialize';
const BUNDLE = 2000;

export function slotId(scheduleId: string, start: Date): string {
  return `${scheduleId}-${start.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
}

/** Derives and writes the slots of one schedule; returns [created, removed]. */
export async function materializeSchedule(
  fhir: FhirRestHandler,
  db: SqlExecutor,
  schedule: Schedule,
  horizonDays: number,
  now = new Date(),
): Promise<[number, number]> {
  const template = templateOf(schedule);
  const id = schedule.id as string;
  const until = new Date(now.getTime() + horizonDays * 86_400_000);
  const derived = template && schedule.active !== false ? deriveSlots(template, now, until) : [];
  const existing = await db.query<{ slot_id: string; status: string }>(
    'SELECT slot_id, status FROM sched_slot WHERE schedule_id = $1::text AND start_at >= $2::timestamptz',
    [id, now.toISOString()],
  );
  const have = new Map(existing.rows.map((r) => [r.slot_id, r.status]));
  const wanted = new Set<string>();
  const entries: BundleEntry[] = [];
  for (const s of derived) {
    const sid = slotId(id, s.start);
    wanted.add(sid);
    if (have.has(sid)) continue;
    const slot: Slot = {
      resourceType: 'Slot',
      id: sid,
      schedule: { reference: `Schedule/${id}` },
      status: 'free',
      start: s.start.toISOString(),
      end: s.end.toISOString(),
      ...(schedule.serviceType ? { serviceType: schedule.serviceType } : {}),
      ...(schedule.specialty ? { specialty: schedule.specialty } : {}),
    };
    entries.push({ resource: slot, request: { method: 'PUT', url: `Slot/${sid}` } });
  }
  let removed = 0;
  for (const [sid, status] of have) {
    if (status === 'free' && !wanted.has(sid)) {
      entries.push({ request: { method: 'DELETE', url: `Slot/${sid}` } });
      removed += 1;
    }
  }
  for (let i = 0; i < entries.length; i += BUNDLE) {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: entries.slice(i, i + BUNDLE),
    };
    const res = await fhir.handle({ method: 'POST', path: '/', query: [], headers: {}, body: bundle });
    if (res.status !== 200)
      throw new Error(
        `deriving slots of Schedule/${id}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`,
      );
  }
  return [entries.length - removed, removed];
}

/** Every active schedule with a template (the nightly run). */
export async function materializeAll(
  fhir: FhirRestHandler,
  db: SqlExecutor,
  horizonDays: number,
): Promise<{ schedules: number; created: number; removed: number }> {
  let cursor: string | undefined;
  const total = { schedules: 0, created: 0, removed: 0 };
  for (;;) {
    const page = await fhir.store.search('Schedule', [
      ['active', 'true'],
      ['_count', '200'],
      ...(cursor ? ([['_cursor', cursor]] as [string, string][]) : []),
    ]);
    for (const schedule of page.matches as Schedule[]) {
      const [created, removed] = await materializeSchedule(fhir, db, schedule, horizonDays);
      total.schedules += 1;
      total.created += created;
      total.removed += removed;
    }
    if (!page.nextCursor) return total;
    cursor = page.nextCursor;
  }
}
