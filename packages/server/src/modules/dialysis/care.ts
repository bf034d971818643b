/**
 * During and after the stay, at the destination: check-in, each session's record as FHIR resources
 * in the patient's shared record — a Procedure (haemodialysis, duration, incidents), Observations
 * (weight and blood pressure before and after, ultrafiltration volume), MedicationAdministrations —
 * written as the clinician (their role and care relationship are checked by the write guard), so
 * the home centre sees them in the patient's record; and the end-of-stay letter (a Composition),
 * which closes the stay and starts the follow-up window of the centre's access.
 */
import type {
  Appointment,
  Composition,
  MedicationAdministration,
  Observation,
  Patient,
  Practitioner,
  Procedure,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { badRequest, notFound, type SqlExecutor } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { ACTIVE } from '../scheduling/booking.ts';
import { zoneOffsetMinutes } from '../scheduling/calendar.ts';
import { escapeXml } from '../summary/ips.ts';
import { appointmentsOf } from './decide.ts';
import { audited, type DialysisDeps } from './deps.ts';
import type { CentreRow } from './search.ts';
import {
  conflict,
  forbidden,
  readResource,
  requireRole,
  roleIn,
  type StayRow,
  saveRow,
  stateOf,
  stayRow,
  withState,
} from './stay-store.ts';
import { accessDeps, centre, notifyPatient } from './stays.ts';
import {
  BODY_WEIGHT,
  BP_PANEL,
  DIALYSIS_SYSTEM,
  DIASTOLIC,
  haemodialysisConcept,
  SESSION_CODES,
  SESSION_ID_SYSTEM,
  STAY_LETTER,
  SYSTOLIC,
  UCUM,
} from './terms.ts';

const CLINICIANS = ['doctor', 'nurse'];
const HOURS = 3_600_000;

async function sessionOf(deps: DialysisDeps, principal: Principal, id: string, appointmentId: string) {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'destination') throw forbidden('Sessions are recorded by the destination centre');
  if (!['confirmed', 'in-progress'].includes(stay.state))
    throw conflict(`The stay is ${stay.state}`, 'state');
  const appointment = /^[A-Za-z0-9\-.]{1,64}$/.test(appointmentId)
    ? await readResource<Appointment>(deps.ctx.db, deps.ctx.store, 'Appointment', appointmentId)
    : undefined;
  if (!appointment?.basedOn?.some((b) => b.reference === `ServiceRequest/${stay.id}`))
    notFound('No such session in this stay');
  // from the day before (a night shift is checked in the evening before), not earlier
  if (Date.parse(appointment!.start as string) - Date.now() > 36 * HOURS)
    throw conflict('This session is more than a day away', 'too-early');
  return { stay, appointment: appointment as Appointment };
}

async function markStarted(deps: DialysisDeps, tx: SqlExecutor, stay: StayRow): Promise<void> {
  if (stay.state === 'in-progress') return;
  await deps.ctx.store.modifyWithin(tx, 'ServiceRequest', stay.id, (current) =>
    current && stateOf(current as never) === 'confirmed'
      ? withState(current as never, 'in-progress')
      : undefined,
  );
  await saveRow(tx, { ...stay, state: 'in-progress' });
}

export async function checkIn(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  appointmentId: string,
): Promise<void> {
  const { stay, appointment } = await sessionOf(deps, principal, id, appointmentId);
  if (appointment.status !== 'booked') throw conflict(`The session is ${appointment.status}`, 'state');
  await deps.ctx.db.transaction(async (tx) => {
    await deps.ctx.store.modifyWithin(tx, 'Appointment', appointment.id as string, (current) => ({
      ...(current as Appointment),
      status: 'arrived',
    }));
    await markStarted(deps, tx, stay);
  });
  audited(
    deps,
    principal,
    'update',
    'Appointment',
    [`Appointment/${appointment.id}`],
    stay.patient_id,
    'guest dialysis check-in',
  );
}

export interface SessionInput {
  preWeightKg?: unknown;
  postWeightKg?: unknown;
  preBp?: unknown;
  postBp?: unknown;
  ultrafiltrationMl?: unknown;
  durationMinutes?: unknown;
  incidents?: unknown;
  medicines?: unknown;
}

const number = (v: unknown, min: number, max: number, field: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    badRequest(`${field} is a number between ${min} and ${max}`, [field]);
  return v as number;
};
const bp = (v: unknown, field: string): { systolic: number; diastolic: number } => {
  const x = (v ?? {}) as { systolic?: unknown; diastolic?: unknown };
  return {
    systolic: number(x.systolic, 40, 300, `${field}.systolic`),
    diastolic: number(x.diastolic, 20, 200, `${field}.diastolic`),
  };
};

export interface SessionMedicine {
  name: string;
  dose?: string;
}

/** A session's checked values (see recordSession for their bounds). */
export interface SessionValues {
  pre: number;
  post: number;
  preBp: { systolic: number; diastolic: number };
  postBp: { systolic: number; diastolic: number };
  uf: number;
  minutes: number;
  incidents: string[];
  medicines: SessionMedicine[];
}

/**
 * The resources of one session's record, pure: the Procedure, then (once it has an id) the
 * Observations and MedicationAdministrations that are part of it. The service writes them as the
 * clinician; the demo writes its past sessions with the same shapes.
 */
export function sessionRecord(args: {
  stay: Pick<StayRow, 'id' | 'patient_id' | 'organization'>;
  appointment: Appointment;
  centre: Pick<CentreRow, 'name' | 'location'> | undefined;
  performer: Reference<Practitioner>;
  start: Date;
  values: SessionValues;
}): { procedure: Procedure; parts: (procedureId: string) => Resource[] } {
  const { stay, appointment, centre: c, performer, values: v } = args;
  const patient = { reference: `Patient/${stay.patient_id}` };
  const end = new Date(args.start.getTime() + v.minutes * 60_000);
  const period = { start: args.start.toISOString(), end: end.toISOString() };
  const basedOn = [{ reference: `ServiceRequest/${stay.id}` }];
  const local = (code: string, display: string) => ({ system: DIALYSIS_SYSTEM, code, display });
  const vitalSigns = [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
    },
  ];
  const weight = (code: string, display: string, kg: number): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    basedOn,
    category: vitalSigns,
    code: { coding: [BODY_WEIGHT, local(code, display)], text: display },
    subject: patient,
    effectiveDateTime: code === SESSION_CODES.preWeight ? period.start : period.end,
    performer: [performer],
    valueQuantity: { value: kg, unit: 'kg', system: UCUM, code: 'kg' },
  });
  const pressure = (
    code: string,
    display: string,
    bp: { systolic: number; diastolic: number },
  ): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    basedOn,
    category: vitalSigns,
    code: { coding: [BP_PANEL, local(code, display)], text: display },
    subject: patient,
    effectiveDateTime: code === SESSION_CODES.preBp ? period.start : period.end,
    performer: [performer],
    component: [
      {
        code: { coding: [SYSTOLIC] },
        valueQuantity: { value: bp.systolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      },
      {
        code: { coding: [DIASTOLIC] },
        valueQuantity: { value: bp.diastolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      },
    ],
  });
  const procedure: Procedure = {
    resourceType: 'Procedure',
    identifier: [{ system: SESSION_ID_SYSTEM, value: appointment.id as string }],
    status: 'completed',
    basedOn,
    code: haemodialysisConcept(),
    subject: patient,
    performedPeriod: period,
    performer: [{ actor: performer, onBehalfOf: { reference: stay.organization, display: c?.name } }],
    ...(c?.location ? { location: { reference: c.location, display: c.name } } : {}),
    ...(v.incidents.length > 0
      ? {
          complication: v.incidents.map((text) => ({
            coding: [local(SESSION_CODES.incident, 'Session incident')],
            text,
          })),
        }
      : {}),
    note: [{ text: `Séance de dialyse en vacances — ${c?.name ?? ''} (${v.minutes} min)` }],
  };
  const parts = (procedureId: string): Resource[] => {
    const partOf = [{ reference: `Procedure/${procedureId}` }];
    return [
      { ...weight(SESSION_CODES.preWeight, 'Pre-dialysis weight', v.pre), partOf },
      { ...weight(SESSION_CODES.postWeight, 'Post-dialysis weight', v.post), partOf },
      { ...pressure(SESSION_CODES.preBp, 'Pre-dialysis blood pressure', v.preBp), partOf },
      { ...pressure(SESSION_CODES.postBp, 'Post-dialysis blood pressure', v.postBp), partOf },
      {
        resourceType: 'Observation',
        status: 'final',
        basedOn,
        partOf,
        code: {
          coding: [local(SESSION_CODES.ultrafiltration, 'Ultrafiltration volume')],
          text: 'Ultrafiltration volume',
        },
        subject: patient,
        effectiveDateTime: period.end,
        performer: [performer],
        valueQuantity: { value: v.uf, unit: 'mL', system: UCUM, code: 'mL' },
      } as Observation,
      ...v.medicines.map(
        (m): MedicationAdministration => ({
          resourceType: 'MedicationAdministration',
          status: 'completed',
          medicationCodeableConcept: { text: m.name },
          subject: patient,
          effectivePeriod: period,
          performer: [{ actor: performer }],
          partOf,
          ...(typeof m.dose === 'string' && m.dose ? { note: [{ text: m.dose.slice(0, 200) }] } : {}),
        }),
      ),
    ];
  };
  return { procedure, parts };
}

export async function recordSession(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  appointmentId: string,
  input: SessionInput,
): Promise<{ resources: string[] }> {
  requireRole(principal, CLINICIANS, 'record a dialysis session');
  const { stay, appointment } = await sessionOf(deps, principal, id, appointmentId);
  if (!['booked', 'arrived', 'checked-in'].includes(appointment.status))
    throw conflict(`The session is ${appointment.status}`, 'state');
  const pre = number(input.preWeightKg, 20, 300, 'preWeightKg');
  const post = number(input.postWeightKg, 20, 300, 'postWeightKg');
  const preBp = bp(input.preBp, 'preBp');
  const postBp = bp(input.postBp, 'postBp');
  const uf = number(input.ultrafiltrationMl, 0, 10_000, 'ultrafiltrationMl');
  const minutes = number(input.durationMinutes, 30, 600, 'durationMinutes');
  const incidents = Array.isArray(input.incidents) ? input.incidents : [];
  if (incidents.length > 20 || incidents.some((x) => typeof x !== 'string' || x.length > 300))
    badRequest('Incidents are short texts', ['incidents']);
  const medicines = Array.isArray(input.medicines) ? input.medicines : [];
  if (
    medicines.length > 20 ||
    medicines.some(
      (m) =>
        typeof (m as { name?: unknown })?.name !== 'string' ||
        String((m as { name: string }).name).length > 200,
    )
  )
    badRequest('Each medicine given has a name (and a dose)', ['medicines']);
  const start = new Date(Math.min(Date.parse(appointment.start as string), Date.now()));
  const c = await centre(deps, stay.service_id);
  const { procedure, parts } = sessionRecord({
    stay,
    appointment,
    centre: c,
    performer: { reference: principal.fhirUser as string, display: principal.display },
    start,
    values: {
      pre,
      post,
      preBp,
      postBp,
      uf,
      minutes,
      incidents: incidents as string[],
      medicines: medicines as SessionMedicine[],
    },
  });
  const writer = deps.ctx.store.as(await deps.ctx.access.resolve(principal));
  const written = await deps.ctx.db.transaction(async (tx) => {
    const saved = (await writer.createWithin(tx, procedure)).resource as Procedure;
    const resources = parts(saved.id as string);
    const ids = [`Procedure/${saved.id}`];
    for (const r of resources) {
      const s = (await writer.createWithin(tx, r)).resource;
      ids.push(`${s.resourceType}/${s.id}`);
    }
    await deps.ctx.store.modifyWithin(tx, 'Appointment', appointment.id as string, (current) => ({
      ...(current as Appointment),
      status: 'fulfilled',
    }));
    await markStarted(deps, tx, stay);
    return ids;
  });
  audited(
    deps,
    principal,
    'create',
    'Procedure',
    written,
    stay.patient_id,
    'guest dialysis session recorded',
  );
  return { resources: written };
}

/** How each session ended, in the letter (the ones still booked are cancelled as the letter closes the stay). */
const SESSION_OUTCOME: Record<string, string> = {
  fulfilled: 'réalisée',
  arrived: 'patient arrivé, non saisie',
  noshow: 'patient absent',
};

/**
 * The end-of-stay letter, pure: the sessions (as they stand), how the stay went, recommendations;
 * it names its stay (event.detail), so a later stay at the same centre does not show it.
 */
export function stayLetter(args: {
  stay: Pick<StayRow, 'id' | 'patient_id' | 'organization'>;
  centre: Pick<CentreRow, 'name'> | undefined;
  author: Reference<Practitioner>;
  date: Date;
  appointments: Appointment[];
  summary: string;
  recommendations: string;
}): Composition {
  const { stay, centre: c, appointments, recommendations } = args;
  const para = (s: string) =>
    `<div xmlns="http://www.w3.org/1999/xhtml"><p>${escapeXml(s).replace(/\n/g, '<br/>')}</p></div>`;
  return {
    resourceType: 'Composition',
    status: 'final',
    type: { coding: [STAY_LETTER], text: 'Lettre de fin de séjour de dialyse' },
    subject: { reference: `Patient/${stay.patient_id}` },
    date: args.date.toISOString(),
    author: [args.author],
    custodian: { reference: stay.organization, display: c?.name },
    title: `Fin de séjour de dialyse — ${c?.name ?? ''}`,
    event: [{ detail: [{ reference: `ServiceRequest/${stay.id}` }] }],
    section: [
      {
        title: 'Séances',
        text: {
          status: 'generated',
          div: para(
            appointments
              .map((a) => `${clinicTime(a.start)} — ${SESSION_OUTCOME[a.status] ?? 'annulée'}`)
              .join('\n') || '—',
          ),
        },
        entry: appointments.map((a) => ({ reference: `Appointment/${a.id}` })),
      },
      { title: 'Déroulement', text: { status: 'generated', div: para(args.summary) } },
      ...(recommendations
        ? [{ title: 'Recommandations', text: { status: 'generated' as const, div: para(recommendations) } }]
        : []),
    ],
  };
}

/** The end-of-stay letter: the stay is completed, sessions left are cancelled, follow-up starts. */
export async function complete(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  input: { summary?: unknown; recommendations?: unknown },
): Promise<{ letter: string }> {
  requireRole(principal, CLINICIANS, 'write the end-of-stay letter');
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'destination') throw forbidden('The destination centre writes the end-of-stay letter');
  if (!['confirmed', 'in-progress'].includes(stay.state))
    throw conflict(`The stay is ${stay.state}`, 'state');
  const text = (v: unknown, field: string) => {
    if (typeof v !== 'string' || !v.trim() || v.length > 5000)
      badRequest('Write a few lines (5000 characters at most)', [field]);
    return (v as string).trim();
  };
  const summary = text(input.summary, 'summary');
  const recommendations =
    input.recommendations === undefined || input.recommendations === ''
      ? ''
      : text(input.recommendations, 'recommendations');
  const c = await centre(deps, stay.service_id);
  const writer = deps.ctx.store.as(await deps.ctx.access.resolve(principal));
  const letter = await deps.ctx.db.transaction(async (tx) => {
    const appointments = await appointmentsOf(deps, tx, stay.id);
    const composition = stayLetter({
      stay,
      centre: c,
      author: { reference: principal.fhirUser as string, display: principal.display },
      date: new Date(),
      appointments,
      summary,
      recommendations,
    });
    const saved = (await writer.createWithin(tx, composition)).resource as Composition;
    for (const a of appointments) {
      if (!ACTIVE.has(a.status) || a.status === 'fulfilled' || a.status === 'arrived') continue;
      await deps.ctx.store.modifyWithin(tx, 'Appointment', a.id as string, (current) => ({
        ...(current as Appointment),
        status: 'cancelled',
        cancelationReason: { text: 'stay ended' },
      }));
    }
    await deps.ctx.store.modifyWithin(tx, 'ServiceRequest', stay.id, (current) =>
      withState(current as never, 'completed'),
    );
    await saveRow(tx, { ...stay, state: 'completed' });
    await deps.ctx.access.relations.end(tx, `ServiceRequest/${stay.id}`, 'guest dialysis stay completed', {
      at: new Date(Date.now() + deps.settings.followUpDays * 24 * HOURS),
    });
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', stay.patient_id);
    await notifyPatient(tx, patient, 'dialysis-stay-completed', { centre: c?.name ?? '' });
    return saved.id as string;
  });
  audited(
    deps,
    principal,
    'create',
    'Composition',
    [`Composition/${letter}`],
    stay.patient_id,
    'guest dialysis end-of-stay letter',
  );
  return { letter };
}

/** A session's start as the centre's wall clock reads it (`2027-03-02 08:00`), not as UTC. */
function clinicTime(start: string | undefined): string {
  if (!start) return '';
  const instant = new Date(start);
  return new Date(instant.getTime() + zoneOffsetMinutes(instant) * 60_000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
}
