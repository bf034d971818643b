/**
 * Slots are derived from each Schedule's weekly template: every night (and when a template changes)
 * the coming `horizonDays` are written as Slot resources with ids made of the schedule and the start
 * (so a run twice writes nothing twice), and free future slots the template no longer gives are
 * removed. Busy or held slots are never touched: a booked patient keeps their slot. A slot is read
 * free before it is deleted, and booked or held meanwhile by a write that commits in between: each
 * deletion names the version read (If-Match), so such a slot is kept; a slot read missing may have
 * been created (and booked) meanwhile by another derivation of the schedule: each creation is only
 * a creation (If-None-Match *), so such a slot is left as it is (see `write`).
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
    // created only if still missing: another derivation may have made it (and a patient booked it)
    entries.push({ resource: slot, request: { method: 'PUT', url: `Slot/${sid}`, ifNoneMatch: '*' } });
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
 * how many creations and deletions did not happen. A bundle is all or nothing, and each entry has a
 * precondition: a creation that the slot does not exist yet (If-None-Match *), a deletion that it is
 * still the free version read (If-Match). When one fails (412: another derivation of the same
 * schedule created the slot, or a booking or a hold wrote it, between `plan` and here; 409: that
 * other derivation was still writing it — its insert not yet committed, ours hit the unique key)
 * the bundle is written again as a batch, where each entry is judged alone: that slot is left as it
 * is, the rest are written. The race is rare, so the usual run stays one statement per bundle.
 */
async function write(
  fhir: FhirRestHandler,
  entries: BundleEntry[],
): Promise<{ existed: number; kept: number }> {
  let existed = 0;
  let kept = 0;
  for (let i = 0; i < entries.length; i += BUNDLE) {
    const chunk = entries.slice(i, i + BUNDLE);
    const res = await post(fhir, 'transaction', chunk);
    if (res.status === 200) continue;
    if (res.status !== 412 && res.status !== 409) throw refused(res);
    const each = await post(fhir, 'batch', chunk);
    if (each.status !== 200) throw refused(each);
    ((each.body as Bundle).entry ?? []).forEach((e, k) => {
      const status = e.response?.status ?? '';
      if (status.startsWith('412') || status.startsWith('409')) {
        if (chunk[k].request?.method === 'DELETE') kept++;
        else existed++;
      } else if (!status.startsWith('2'))
        throw refused({ status: Number.parseInt(status, 10) || 500, body: e.response?.outcome });
    });
  }
  return { existed, kept };
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
      const { existed, kept } = await write(fhir, pending);
      created -= existed;
      removed -= kept;
      pending = [];
    }
  }
  const { existed, kept } = await write(fhir, pending);
  return [created - existed, removed - kept];
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
