/**
 * The patient's booking endpoints (packages/server/src/modules/scheduling/routes.ts): the public
 * directory and free times, booking, cancelling, moving, and the waiting list.
 */
import type { Appointment } from '@medplum/fhirtypes';
import { request } from '../api/http.ts';

export type Mode = 'in-person' | 'video';

export interface Label {
  fr: string;
  ar: string;
  en: string;
}
export interface Terms {
  specialties: ({ key: string; code: string } & Label)[];
  languages: ({ code: string } & Label)[];
}

export interface FreeTime {
  slotId: string;
  start: string;
  end: string;
}

/** One practitioner's schedule as the directory shows it. */
export interface PractitionerCard {
  scheduleId: string;
  practitioner: string | null;
  name?: string;
  nameAr?: string;
  gender?: string;
  specialties: string[];
  languages: string[];
  mode: Mode;
  fee: number | null;
  place?: { name?: string; city?: string; province?: string };
  organization?: string;
  /** The next free times (three at most). */
  next: FreeTime[];
}

export interface WaitlistEntry {
  id: string;
  schedule_id: string;
  earliest: string;
  latest: string;
  created_at: string;
  offered_slot: string | null;
  offered_until: string | null;
  offered_start: string | null;
  offered_end: string | null;
  closed_at: string | null;
  close_reason: string | null;
}

const enc = encodeURIComponent;
const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
};

export const terms = async (signal?: AbortSignal) =>
  (await request<Terms>('GET', '/api/scheduling/terms', { signal })).body;

export const searchDirectory = async (
  params: { specialty?: string; place?: string; language?: string; mode?: string; _count?: number },
  signal?: AbortSignal,
) =>
  (
    await request<{ results: PractitionerCard[] }>('GET', `/api/scheduling/search${query(params)}`, {
      signal,
    })
  ).body.results;

export const scheduleCard = async (schedule: string, signal?: AbortSignal) =>
  (await request<PractitionerCard>('GET', `/api/scheduling/schedules/${enc(schedule)}`, { signal })).body;

export const freeTimes = async (schedule: string, start: string, end: string, signal?: AbortSignal) =>
  (
    await request<{ slots: FreeTime[] }>(
      'GET',
      `/api/scheduling/schedules/${enc(schedule)}/slots${query({ start, end })}`,
      { signal },
    )
  ).body.slots;

export const book = async (slot: string, reason?: string) =>
  (
    await request<Appointment>('POST', '/api/scheduling/book', {
      body: { slot: `Slot/${slot}`, ...(reason ? { reason } : {}) },
    })
  ).body;

export const cancelAppointment = async (id: string) =>
  (await request<Appointment>('POST', `/api/scheduling/appointments/${enc(id)}/cancel`, { body: {} })).body;

export const moveAppointment = async (id: string, slot: string) =>
  (
    await request<Appointment>('POST', `/api/scheduling/appointments/${enc(id)}/reschedule`, {
      body: { slot: `Slot/${slot}` },
    })
  ).body;

export const waitlist = async (signal?: AbortSignal) =>
  (await request<{ entries: WaitlistEntry[] }>('GET', '/api/scheduling/waitlist', { signal })).body.entries;

export const joinWaitlist = async (schedule: string, earliest: string, latest: string) =>
  (
    await request<{ id: string }>('POST', '/api/scheduling/waitlist', {
      body: { schedule, earliest, latest },
    })
  ).body;

export const leaveWaitlist = async (id: string) => {
  await request('DELETE', `/api/scheduling/waitlist/${enc(id)}`);
};
