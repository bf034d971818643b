/**
 * The destination decides and the patient confirms. Accepting books the whole series at once or
 * not at all: one transaction locks the request, creates one Appointment per session naming its
 * chair × shift Slot — the scheduling write hook takes each Slot (409 when one is no longer free:
 * a chair is never double-booked, whatever the concurrency) — closes the Task and opens the
 * 'dialysis-stay' care relationship of the centre for the stay's dates plus follow-up. Declining
 * tells the patient why; cancelling frees the chairs and ends the relationship.
 */
import type { Appointment, Consent, Patient, ServiceRequest, Slot, Task } from '@medplum/fhirtypes';
import { badRequest, notFound, type SqlExecutor } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { ACTIVE, OWN_NOTICES_TAG } from '../scheduling/booking.ts';
import { addDays, localDate, localToInstant } from '../scheduling/calendar.ts';
import { audited, type DialysisDeps } from './deps.ts';
import { loadTravelNeeds } from './record.ts';
import { homeSessionsAround, keepsRhythm, ordinal } from './rhythm.ts';
import { earliestBookable } from './search.ts';
import {
  conflict,
  forbidden,
  readResource,
  requireRole,
  roleIn,
  type StayRow,
  type StayState,
  saveRow,
  stateOf,
  stayRow,
  withState,
} from './stay-store.ts';
import { accessDeps, centre, notifyPatient } from './stays.ts';
import { DECLINE_REASONS, type DeclineReason, EXT, GUEST_REQUEST, haemodialysisConcept } from './terms.ts';

export const CONFIRM_JOB = 'dialysis.confirm-deadline';
export const SESSION_REMINDER_JOB = 'dialysis.session-reminder';
const DECIDERS = ['dialysis-coordinator', 'doctor'];

/** The chairs free for each day of a stay, for the coordinator's assignment. */
export async function capacityFor(deps: DialysisDeps, principal: Principal, id: string) {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'destination') throw forbidden('Only the destination centre assigns chairs');
  const profile = await loadTravelNeeds(deps.ctx.store, stay.patient_id);
  const kind = profile.needsIsolation ? 'isolation' : 'standard';
  const from = localToInstant(stay.arrival, '00:00');
  const to = localToInstant(addDays(stay.departure, 1), '00:00');
  const rows = await deps.ctx.db.query<{
    slot_id: string;
    start_at: Date;
    end_at: Date;
    label: string;
    kind: string;
  }>(
    `SELECT s.slot_id, s.start_at, s.end_at, ch.label, ch.kind FROM dial_chair ch JOIN sched_slot s ON s.schedule_id = ch.schedule_id
      WHERE ch.service_id = $1::text AND ch.kind = $2::text AND s.status = 'free'
        AND s.start_at >= GREATEST($3::timestamptz, $5::timestamptz) AND s.start_at < $4::timestamptz
      ORDER BY s.start_at, ch.label`,
    [stay.service_id, kind, from.toISOString(), to.toISOString(), earliestBookable().toISOString()],
  );
  return {
    chairKind: kind,
    slots: rows.rows.map((r) => ({
      slot: `Slot/${r.slot_id}`,
      start: new Date(r.start_at).toISOString(),
      end: new Date(r.end_at).toISOString(),
      date: localDate(new Date(r.start_at)),
      chair: r.label,
    })),
  };
}

async function appointmentsOf(deps: DialysisDeps, tx: SqlExecutor, stayId: string): Promise<Appointment[]> {
  const found = (await deps.ctx.store.searchWithin(tx, 'Appointment', [
    ['based-on', `ServiceRequest/${stayId}`],
  ])) as Appointment[];
  return found.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
}

export { appointmentsOf };

/** Moves the stay (request, index row) to a new state inside the transaction, refusing if it moved meanwhile. */
async function transition(
  deps: DialysisDeps,
  tx: SqlExecutor,
  stay: StayRow,
  from: readonly StayState[],
  to: StayState,
): Promise<ServiceRequest> {
  let saved: ServiceRequest | undefined;
  await deps.ctx.store.modifyWithin(tx, 'ServiceRequest', stay.id, (current) => {
    const sr = current as ServiceRequest | undefined;
    if (!sr) notFound('This dialysis stay does not exist');
    if (!from.includes(stateOf(sr as ServiceRequest)))
      throw conflict(`The stay is ${stateOf(sr as ServiceRequest)}: reload it`, 'state');
    saved = withState(sr as ServiceRequest, to);
    return saved;
  });
  await saveRow(tx, { ...stay, state: to });
  return saved as ServiceRequest;
}

/** The destination's access for a stay: from the arrival day to the end of the follow-up after departure. */
export const stayAccessWindow = (stay: Pick<StayRow, 'arrival' | 'departure'>, followUpDays: number) => ({
  start: localToInstant(stay.arrival, '00:00'),
  end: localToInstant(addDays(stay.departure, followUpDays + 1), '00:00'),
});

export async function accept(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  input: { sessions?: unknown },
): Promise<{ appointments: string[] }> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'destination') throw forbidden('Only the destination centre accepts a stay');
  requireRole(principal, DECIDERS, 'accept a dialysis stay');
  if (stay.state !== 'sent') throw conflict(`The stay is ${stay.state}`, 'state');
  const sessions = Array.isArray(input.sessions) ? input.sessions : [];
  if (sessions.length === 0 || sessions.length > 40)
    badRequest('Give one chair and shift (a Slot) for each session', ['sessions']);
  const profile = await loadTravelNeeds(deps.ctx.store, stay.patient_id);
  const slots: { slot: Slot; label: string }[] = [];
  for (const [i, s] of sessions.entries()) {
    const ref = String((s as { slot?: unknown })?.slot ?? '').replace(/^Slot\//, '');
    const slot = /^[A-Za-z0-9\-.]{1,64}$/.test(ref)
      ? await readResource<Slot>(deps.ctx.db, deps.ctx.store, 'Slot', ref)
      : undefined;
    const chair = slot
      ? (
          await deps.ctx.db.query<{ label: string; kind: string }>(
            'SELECT label, kind FROM dial_chair WHERE schedule_id = $1::text AND service_id = $2::text',
            [slot.schedule.reference?.split('/')[1] ?? '', stay.service_id],
          )
        ).rows[0]
      : undefined;
    if (!slot || !chair) badRequest(`Session ${i + 1}: not a chair of this centre`, [`sessions[${i}].slot`]);
    if (profile.needsIsolation && chair!.kind !== 'isolation')
      badRequest(`Session ${i + 1}: this patient is HBs antigen positive and needs an isolation chair`, [
        `sessions[${i}].slot`,
      ]);
    const date = localDate(new Date((slot as Slot).start));
    if (date < stay.arrival || date > stay.departure)
      badRequest(`Session ${i + 1} falls outside the stay`, [`sessions[${i}].slot`]);
    slots.push({ slot: slot as Slot, label: chair!.label });
  }
  const dates = slots.map((s) => ordinal(localDate(new Date(s.slot.start)))).sort((a, b) => a - b);
  if (new Set(dates).size !== dates.length) badRequest('One session a day', ['sessions']);
  const home = homeSessionsAround(stay.arrival, stay.departure, profile.homeDays);
  if (!keepsRhythm([...home.before, ...dates, ...home.after]))
    badRequest(
      'These sessions leave a gap longer than three days, or fewer than three sessions in a week, with the patient’s sessions at home',
      ['sessions'],
    );
  const c = await centre(deps, stay.service_id);
  const confirmBy = new Date(Date.now() + deps.settings.confirmHours * 3_600_000);
  const created = await deps.ctx.db.transaction(async (tx) => {
    await transition(deps, tx, stay, ['sent'], 'accepted');
    const ids: string[] = [];
    for (const { slot, label } of slots.sort((a, b) => a.slot.start.localeCompare(b.slot.start))) {
      const appointment: Appointment = {
        resourceType: 'Appointment',
        meta: { tag: [OWN_NOTICES_TAG, { system: GUEST_REQUEST.system, code: GUEST_REQUEST.code }] },
        status: 'proposed',
        serviceType: [haemodialysisConcept()],
        description: `Hémodialyse — ${label}`,
        start: slot.start,
        end: slot.end,
        created: new Date().toISOString(),
        slot: [{ reference: `Slot/${slot.id}` }],
        basedOn: [{ reference: `ServiceRequest/${stay.id}` }],
        extension: [{ url: EXT.chairLabel, valueString: label }],
        participant: [
          {
            actor: { reference: `Patient/${stay.patient_id}` },
            required: 'required',
            status: 'needs-action',
          },
          {
            actor: { reference: `HealthcareService/${stay.service_id}`, display: c?.name },
            required: 'required',
            status: 'accepted',
          },
          ...(c?.location ? [{ actor: { reference: c.location }, status: 'accepted' as const }] : []),
        ],
      };
      ids.push((await deps.ctx.store.createWithin(tx, appointment)).resource.id as string);
    }
    if (stay.task_id)
      await deps.ctx.store.modifyWithin(tx, 'Task', stay.task_id, (current) => ({
        ...(current as Task),
        status: 'completed',
        businessStatus: { text: 'accepted' },
        lastModified: new Date().toISOString(),
        output: ids.map((a) => ({
          type: { text: 'session' },
          valueReference: { reference: `Appointment/${a}` },
        })),
      }));
    await deps.ctx.access.relations.grant(tx, {
      patientId: stay.patient_id,
      actor: stay.organization,
      source: 'dialysis-stay',
      basis: `ServiceRequest/${stay.id}`,
      grantedBy: principal.fhirUser ?? `account:${principal.id}`,
      reason: 'guest dialysis stay accepted',
      ...stayAccessWindow(stay, deps.settings.followUpDays),
    });
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-stay-accepted', {
      centre: c?.name ?? '',
      arrival: stay.arrival,
      departure: stay.departure,
      sessions: String(ids.length),
      confirmBy: confirmBy.toISOString(),
    });
    await deps.ctx.jobs.enqueue(
      tx,
      CONFIRM_JOB,
      { stay: stay.id },
      { runAt: confirmBy, key: `dialysis-confirm-${stay.id}` },
    );
    return ids;
  });
  audited(
    deps,
    principal,
    'create',
    'Appointment',
    created.map((a) => `Appointment/${a}`),
    stay.patient_id,
    'guest dialysis stay accepted',
  );
  return { appointments: created };
}

export async function decline(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  input: { reason?: unknown; text?: unknown },
): Promise<void> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'destination') throw forbidden('Only the destination centre declines a stay');
  requireRole(principal, DECIDERS, 'decline a dialysis stay');
  const reason = String(input.reason ?? '') as DeclineReason;
  if (!DECLINE_REASONS.includes(reason))
    badRequest(`The reason is one of ${DECLINE_REASONS.join(', ')}`, ['reason']);
  if (input.text !== undefined && (typeof input.text !== 'string' || input.text.length > 1000))
    badRequest('The explanation is a short text', ['text']);
  const text = typeof input.text === 'string' ? input.text.trim() : '';
  const c = await centre(deps, stay.service_id);
  await deps.ctx.db.transaction(async (tx) => {
    await transition(deps, tx, stay, ['sent'], 'declined');
    if (stay.task_id)
      await deps.ctx.store.modifyWithin(tx, 'Task', stay.task_id, (current) => ({
        ...(current as Task),
        status: 'rejected',
        statusReason: { coding: [{ system: GUEST_REQUEST.system, code: reason }], ...(text ? { text } : {}) },
        lastModified: new Date().toISOString(),
      }));
    await withdrawConsent(deps, tx, stay);
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-stay-declined', {
      centre: c?.name ?? '',
      arrival: stay.arrival,
      departure: stay.departure,
      reason: text || reason,
    });
  });
  audited(
    deps,
    principal,
    'update',
    'Task',
    [`Task/${stay.task_id}`],
    stay.patient_id,
    `guest dialysis stay declined: ${reason}`,
  );
}

async function withdrawConsent(deps: DialysisDeps, tx: SqlExecutor, stay: StayRow): Promise<void> {
  if (!stay.consent_id) return;
  await deps.ctx.store.modifyWithin(tx, 'Consent', stay.consent_id, (current) =>
    current && (current as Consent).status === 'active'
      ? { ...(current as Consent), status: 'inactive' }
      : undefined,
  );
}

export async function confirm(deps: DialysisDeps, principal: Principal, id: string): Promise<void> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'patient') throw forbidden('The patient confirms their stay');
  if (stay.state !== 'accepted') throw conflict(`The stay is ${stay.state}`, 'state');
  const c = await centre(deps, stay.service_id);
  await deps.ctx.db.transaction(async (tx) => {
    await transition(deps, tx, stay, ['accepted'], 'confirmed');
    const appointments = (await appointmentsOf(deps, tx, stay.id)).filter((a) => a.status === 'proposed');
    for (const a of appointments)
      await deps.ctx.store.modifyWithin(tx, 'Appointment', a.id as string, (current) => {
        const x = current as Appointment;
        return {
          ...x,
          status: 'booked',
          participant: x.participant.map((p) =>
            p.actor?.reference === `Patient/${stay.patient_id}` ? { ...p, status: 'accepted' as const } : p,
          ),
        };
      });
    const first = appointments[0]?.start;
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-stay-confirmed', {
      centre: c?.name ?? '',
      arrival: stay.arrival,
      departure: stay.departure,
      first: first ?? stay.arrival,
    });
    if (first && Date.parse(first) - 24 * 3_600_000 > Date.now())
      await deps.ctx.jobs.enqueue(
        tx,
        SESSION_REMINDER_JOB,
        { stay: stay.id, start: first },
        { runAt: new Date(Date.parse(first) - 24 * 3_600_000), key: `dialysis-session-${stay.id}-${first}` },
      );
  });
  audited(deps, principal, 'update', 'Appointment', [], stay.patient_id, 'guest dialysis stay confirmed');
}

/** Cancels a stay before it begins: chairs freed, relationship ended, consent withdrawn. */
export async function cancel(
  deps: DialysisDeps,
  principal: Principal | undefined,
  id: string,
  reason: unknown,
): Promise<void> {
  const row = await stayRow(deps.ctx.db, id);
  const { stay, role } = principal
    ? await roleIn(accessDeps(deps), principal, row)
    : { stay: row as StayRow, role: 'platform' as const };
  if (role === 'home') throw forbidden('The patient or the destination centre cancels a stay');
  if (role === 'destination' && principal) requireRole(principal, DECIDERS, 'cancel a dialysis stay');
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))
    badRequest('The reason is a short text', ['reason']);
  const from: StayState[] = ['draft', 'sent', 'accepted', 'confirmed'];
  if (!from.includes(stay.state))
    throw conflict(`The stay is ${stay.state}: it can no longer be cancelled`, 'state');
  const c = await centre(deps, stay.service_id);
  await deps.ctx.db.transaction(async (tx) => {
    await transition(deps, tx, stay, from, 'cancelled');
    for (const a of await appointmentsOf(deps, tx, stay.id)) {
      if (!ACTIVE.has(a.status)) continue;
      await deps.ctx.store.modifyWithin(tx, 'Appointment', a.id as string, (current) => ({
        ...(current as Appointment),
        status: 'cancelled',
        ...(typeof reason === 'string' && reason.trim()
          ? { cancelationReason: { text: reason.trim() } }
          : {}),
      }));
    }
    if (stay.task_id && stay.state === 'sent')
      await deps.ctx.store.modifyWithin(tx, 'Task', stay.task_id, (current) => ({
        ...(current as Task),
        status: 'cancelled',
      }));
    await deps.ctx.access.relations.end(tx, `ServiceRequest/${stay.id}`, 'guest dialysis stay cancelled');
    await withdrawConsent(deps, tx, stay);
    if (stay.state !== 'draft') {
      const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
      await notifyPatient(tx, patient, 'dialysis-stay-cancelled', {
        centre: c?.name ?? '',
        arrival: stay.arrival,
        departure: stay.departure,
      });
    }
  });
  if (principal)
    audited(
      deps,
      principal,
      'update',
      'ServiceRequest',
      [`ServiceRequest/${stay.id}`],
      stay.patient_id,
      'guest dialysis stay cancelled',
    );
}

/** The job at the confirmation deadline: an accepted stay the patient did not confirm gives its chairs back. */
export async function confirmDeadline(deps: DialysisDeps, payload: { stay: string }): Promise<void> {
  const stay = await stayRow(deps.ctx.db, payload.stay);
  if (stay?.state !== 'accepted') return;
  await cancel(deps, undefined, stay.id, 'not confirmed in time');
}
