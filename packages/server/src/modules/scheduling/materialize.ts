/**
 * Slots are derived from each Schedule's weekly template: every night (and when a template changes)
 * the coming `horizonDays` are written as Slot resources with ids made of the schedule and the start
 * (so a run twice writes nothing twice), and free future slots the template no longer gives are
 * removed. Busy or held slots are never touched: a booked patient keeps their slot. A slot is read
 * free before it is deleted, and booked or held meanwhile by a write that commits in between: each
 * deletion names the version read (If-Match), so such a slot is kept (see `write`).
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, Schedule, Slot } from '@medplum/fhirtypes';
import type { FhirResponse, FhirRestHandler, FhirStore, SqlExecutor } from '@sahti/fhir';
import { deriveSlots, templateOf } from './template.ts';

export const MATERIALIZE_JOB = 'scheduling.materialize';
/**
 * Entries per transaction bundle: large enough to be set-based, small enough that on the embedded
 * database (one connection) the requests of people waiting behind a bundle are not held back long.
 */
const BUNDLE = 400;

/** Room an id (64 characters at most) leaves for the schedule's part before `-` and the start (12 digits). */
const SCHEDULE_PART = 64 - 13;

/**
 * The schedule's id, then the start (`sch-s-202703020800`). A schedule id too long for that (a
 * valid one may have 64 characters) is shortened to its first 40 characters and a hash of the whole,
 * so its slots still have valid ids, the same at every run.
 */
export function slotId(scheduleId: string, start: Date): string {
  const schedule =
    scheduleId.length <= SCHEDULE_PART
      ? scheduleId
      : `${scheduleId.slice(0, SCHEDULE_PART - 11)}-${createHash('sha256').update(scheduleId).digest('hex').slice(0, 10)}`;
  return `${schedule}-${start.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
}

/** The bundle entries that bring one schedule's slots in line with its template; [entries, created, removed]. */
async function plan(
  store: FhirStore,
  db: SqlExecutor,
  schedule: Schedule,
  horizonDays: number,
  now: Date,
): Promise<{ entries: BundleEntry[]; created: number; removed: number }> {
  const template = templateOf(schedule);
  const id = schedule.id as string;
  const until = new Date(now.getTime() + horizonDays * 86_400_000);
  const derived = template && schedule.active !== false ? deriveSlots(template, now, until) : [];
  const existing = await db.query<{ slot_id: string; status: string }>(
    // within the horizon only: slots further ahead were derived by a longer horizon (dialysis chairs)
    'SELECT slot_id, status FROM sched_slot WHERE schedule_id = $1::text AND start_at >= $2::timestamptz AND start_at < $3::timestamptz',
    [id, now.toISOString(), until.toISOString()],
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
  const created = entries.length;
  const gone = [...have].flatMap(([sid, status]) =>
    status === 'free' && !wanted.has(sid) ? [`Slot/${sid}`] : [],
  );
  // the version each is deleted at, read with its status from the resource (one statement): the
  // deletion is refused if a booking or a hold has written the slot since
  for (const [ref, found] of await store.locateMany(gone, db)) {
    if (found.deleted || (JSON.parse(found.content as string) as Slot).status !== 'free') continue;
    entries.push({ request: { method: 'DELETE', url: ref, ifMatch: `W/"${found.versionId}"` } });
  }
  return { entries, created, removed: entries.length - created };
}

const post = (fhir: FhirRestHandler, type: 'transaction' | 'batch', entry: BundleEntry[]) =>
  fhir.handle({
    method: 'POST',
    path: '/',
    query: [],
    headers: {},
    body: { resourceType: 'Bundle', type, entry } as Bundle,
  });
const refused = (res: Pick<FhirResponse, 'status' | 'body'>) =>
  new Error(`deriving slots: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);

/**
 * Writes slot entries in transaction bundles of BUNDLE entries (set-based in the engine); returns
 * how many deletions were refused. A bundle is all or nothing: when a deletion's If-Match fails (a
 * slot was booked or held between `plan` and here — 412), the bundle is written again with its
 * deletions apart, in a batch, where each is judged alone: the changed slot is kept, the rest are
 * written. The race is rare, so the usual run stays one statement per bundle.
 */
async function write(fhir: FhirRestHandler, entries: BundleEntry[]): Promise<number> {
  let kept = 0;
  for (let i = 0; i < entries.length; i += BUNDLE) {
    const chunk = entries.slice(i, i + BUNDLE);
    const res = await post(fhir, 'transaction', chunk);
    if (res.status === 200) continue;
    const deletions = chunk.filter((e) => e.request?.method === 'DELETE');
    if (res.status !== 412 || deletions.length === 0) throw refused(res);
    const rest = chunk.filter((e) => e.request?.method !== 'DELETE');
    if (rest.length > 0) {
      const again = await post(fhir, 'transaction', rest);
      if (again.status !== 200) throw refused(again);
    }
    const each = await post(fhir, 'batch', deletions);
    if (each.status !== 200) throw refused(each);
    for (const e of (each.body as Bundle).entry ?? []) {
      const status = e.response?.status ?? '';
      if (status.startsWith('412')) kept++;
      else if (!status.startsWith('2'))
        throw refused({ status: Number(status) || 500, body: e.response?.outcome });
    }
  }
  return kept;
}

/** Derives and writes the slots of some schedules, together; returns [created, removed]. */
export async function materializeSchedules(
  fhir: FhirRestHandler,
  db: SqlExecutor,
  schedules: Schedule[],
  horizonDays: number,
  now = new Date(),
): Promise<[number, number]> {
  let pending: BundleEntry[] = [];
  let created = 0;
  let removed = 0;
  for (const schedule of schedules) {
    const p = await plan(fhir.store, db, schedule, horizonDays, now);
    pending.push(...p.entries);
    created += p.created;
    removed += p.removed;
    if (pending.length >= BUNDLE) {
      removed -= await write(fhir, pending);
      pending = [];
    }
  }
  removed -= await write(fhir, pending);
  return [created, removed];
}

/** Derives and writes the slots of one schedule; returns [created, removed]. */
export function materializeSchedule(
  fhir: FhirRestHandler,
  db: SqlExecutor,
  schedule: Schedule,
  horizonDays: number,
  now = new Date(),
): Promise<[number, number]> {
  return materializeSchedules(fhir, db, [schedule], horizonDays, now);
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
    const schedules = page.matches as Schedule[];
    const [created, removed] = await materializeSchedules(fhir, db, schedules, horizonDays);
    total.schedules += schedules.length;
    total.created += created;
    total.removed += removed;
    if (!page.nextCursor) return total;
    cursor = page.nextCursor;
  }
}
