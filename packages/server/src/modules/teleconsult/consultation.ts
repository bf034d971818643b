/**
 * What makes an Appointment a teleconsultation and who takes part in it: the contract with the
 * booking service is an Appointment whose `appointmentType.coding` holds consultation-mode `video`,
 * with one Patient and one or more Practitioners as participants. Pure.
 */
import type { Appointment } from '@medplum/fhirtypes';
import type { Principal } from '../../kernel/principal.ts';

export const MODE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';
/** Statuses in which the consultation can still take place. */
const OPEN = new Set(['booked', 'arrived', 'checked-in']);

export type Side = 'patient' | 'practitioner';

export interface Consultation {
  appointmentId: string;
  patientId: string;
  /** `Practitioner/…` references (not declined). */
  practitioners: string[];
  mode: 'video' | 'in-person' | undefined;
  status: Appointment['status'];
  start?: string;
  end?: string;
}

export function consultationOf(appointment: Appointment): Consultation | undefined {
  const actors = (appointment.participant ?? [])
    .filter((p) => p.status !== 'declined')
    .map((p) => p.actor?.reference ?? '');
  const patient = actors.find((r) => r.startsWith('Patient/'));
  if (!patient || !appointment.id) return undefined;
  const code = appointment.appointmentType?.coding?.find((c) => c.system === MODE_SYSTEM)?.code;
  return {
    appointmentId: appointment.id,
    patientId: patient.slice('Patient/'.length),
    practitioners: actors.filter((r) => r.startsWith('Practitioner/')),
    mode: code === 'video' || code === 'in-person' ? code : undefined,
    status: appointment.status,
    start: appointment.start,
    end: appointment.end,
  };
}

/** The caller's side in this consultation, or undefined when they are not one of its two parties. */
export function sideOf(principal: Principal | undefined, c: Consultation): Side | undefined {
  const me = principal?.fhirUser;
  if (!principal || !me || principal.kind === 'system') return undefined;
  if (principal.kind === 'patient' && me === `Patient/${c.patientId}`) return 'patient';
  if (principal.kind === 'staff' && c.practitioners.includes(me)) return 'practitioner';
  return undefined;
}

export type Refusal = { status: number; code: 'not-found' | 'forbidden' | 'business-rule'; text: string };

/** Whether the video consultation can be joined now (by either side). */
export function joinRefusal(
  c: Consultation,
  now: number,
  window: { earlyMinutes: number; lateMinutes: number },
): Refusal | undefined {
  if (c.mode !== 'video')
    return { status: 409, code: 'business-rule', text: 'This appointment is not a video consultation' };
  if (!OPEN.has(c.status))
    return {
      status: 409,
      code: 'business-rule',
      text: `This consultation is ${c.status}: it cannot be joined`,
    };
  const start = c.start ? Date.parse(c.start) : Number.NaN;
  const end = c.end ? Date.parse(c.end) : start;
  if (Number.isFinite(start) && now < start - window.earlyMinutes * 60_000)
    return {
      status: 409,
      code: 'business-rule',
      text: `Too early: the waiting room opens ${window.earlyMinutes} minutes before ${c.start}`,
    };
  if (Number.isFinite(end) && now > end + window.lateMinutes * 60_000)
    return { status: 409, code: 'business-rule', text: 'This consultation is over' };
  return undefined;
}
