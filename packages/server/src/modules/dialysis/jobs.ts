/**
 * The module's jobs: guest chairs' slots derived further ahead than consultations (the nightly
 * run of scheduling keeps its own horizon), the reminder before a document of a sent request
 * expires, the reminder the day before the first session, and the confirmation deadline.
 */
import type { Patient, Schedule } from '@medplum/fhirtypes';
import { materializeSchedules } from '../scheduling/materialize.ts';
import { chairWeekdays } from './centres.ts';
import { confirmDeadline } from './decide.ts';
import type { DialysisDeps } from './deps.ts';
import { readResource, stayRow } from './stay-store.ts';
import { centre, checksFor, notifyPatient } from './stays.ts';

export const CHAIRS_JOB = 'dialysis.materialize-chairs';

const DOCUMENTS: Record<string, string> = {
  'serology-hbv': 'sérologie hépatite B / hepatitis B serology',
  'serology-hcv': 'sérologie hépatite C / hepatitis C serology',
  'serology-hiv': 'sérologie VIH / HIV serology',
  labs: 'bilan biologique / laboratory results',
  ecg: 'ECG',
};

/** Every guest chair's Schedule, slots derived `horizonDays` ahead; a chair projected before its
 * weekdays were kept gets them now. */
export async function materializeChairs(
  deps: DialysisDeps,
  days = deps.settings.horizonDays,
): Promise<number> {
  const chairs = (
    await deps.ctx.db.query<{ schedule_id: string; unknown_days: boolean }>(
      'SELECT schedule_id, weekdays IS NULL AS unknown_days FROM dial_chair',
    )
  ).rows;
  const ids = chairs.map((r) => r.schedule_id);
  const withoutDays = new Set(chairs.filter((r) => r.unknown_days).map((r) => r.schedule_id));
  let created = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const page = await deps.ctx.store.search('Schedule', [
      ['_id', ids.slice(i, i + 100).join(',')],
      ['_count', '100'],
    ]);
    const schedules = page.matches as Schedule[];
    const [made] = await materializeSchedules(deps.ctx.fhir, deps.ctx.db, schedules, days);
    created += made;
    for (const schedule of schedules.filter((s) => s.id && withoutDays.has(s.id)))
      await deps.ctx.db.query('UPDATE dial_chair SET weekdays = $2::text[] WHERE schedule_id = $1::text', [
        schedule.id,
        chairWeekdays(schedule) ?? null,
      ]);
  }
  return created;
}

/** Sent only if the document is still the one that expires (no newer result since) and the stay still on. */
export async function expiryReminder(
  deps: DialysisDeps,
  payload: { stay: string; item: string; ref?: string; validUntil: string },
): Promise<void> {
  const stay = await stayRow(deps.ctx.db, payload.stay);
  if (!stay || !['sent', 'accepted', 'confirmed'].includes(stay.state)) return;
  const { items } = await checksFor(deps, stay);
  const item = items.find((i) => i.key === payload.item);
  if (!item || item.ref !== payload.ref || item.validUntil !== payload.validUntil) return;
  const c = await centre(deps, stay.service_id);
  await deps.ctx.db.transaction(async (tx) => {
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-document-expiring', {
      document: DOCUMENTS[payload.item] ?? payload.item,
      expires: payload.validUntil,
      centre: c?.name ?? '',
      arrival: stay.arrival,
    });
  });
}

export async function sessionReminder(
  deps: DialysisDeps,
  payload: { stay: string; start: string },
): Promise<void> {
  const stay = await stayRow(deps.ctx.db, payload.stay);
  if (stay?.state !== 'confirmed') return;
  const c = await centre(deps, stay.service_id);
  await deps.ctx.db.transaction(async (tx) => {
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-session-reminder', {
      centre: c?.name ?? '',
      start: payload.start,
    });
  });
}

export function registerJobs(deps: DialysisDeps): void {
  const { jobs, log } = deps.ctx;
  jobs.register(CHAIRS_JOB, async () => {
    const created = await materializeChairs(deps);
    log.info(`guest dialysis chairs: ${created} slots derived`);
  });
  jobs.schedule(CHAIRS_JOB, '45 2 * * *');
  jobs.register(
    'dialysis.expiry-reminder',
    (p: { stay: string; item: string; ref?: string; validUntil: string }) => expiryReminder(deps, p),
  );
  jobs.register('dialysis.session-reminder', (p: { stay: string; start: string }) =>
    sessionReminder(deps, p),
  );
  jobs.register('dialysis.confirm-deadline', (p: { stay: string }) => confirmDeadline(deps, p));
}
