/** The guest-dialysis endpoints (packages/server/src/modules/dialysis/routes.ts) and what they answer. */
import type { Bundle } from '@medplum/fhirtypes';
import { request } from '../api/http.ts';

export type Shift = 'morning' | 'midday' | 'afternoon';
export type StayState =
  | 'draft'
  | 'sent'
  | 'accepted'
  | 'confirmed'
  | 'in-progress'
  | 'completed'
  | 'declined'
  | 'cancelled';

export interface Place {
  label: { fr: string; ar: string };
  country: string;
  city: string;
}

export interface TripResult {
  service: string;
  name: string;
  city: string | null;
  country: string;
  abroad: boolean;
  distanceKm?: number;
  languages: string[];
  coverages: string[];
  price?: { value: number; currency: string };
  rules: { serologyWindowDays: number; labsWindowDays: number; minNoticeDays: number };
  noticeTooShort: boolean;
  sessions: { date: string; shift: Shift; start: string }[];
}

export interface TripAnswer {
  destination: Place;
  chairKind: 'standard' | 'isolation';
  homeDays: string[];
  shift?: Shift;
  results: TripResult[];
}

export interface ReadinessItem {
  key: string;
  status: 'ok' | 'missing' | 'expired' | 'expires-before-stay' | 'incomplete';
  blocking: boolean;
  date?: string;
  validUntil?: string;
  missing?: string[];
  redoFrom?: string;
  message: string;
}

export interface StaySummary {
  id: string;
  state: StayState;
  arrival: string;
  departure: string;
  abroad: boolean;
  createdAt: string;
  patient: { reference: string; name: string; birthDate?: string; gender?: string };
  centre: {
    service: string;
    organization: string;
    name: string;
    city?: string | null;
    country?: string;
    languages?: string[];
    price?: { value: number; currency: string };
  };
}

export interface SessionView {
  appointment: string;
  start: string;
  end: string;
  status: string;
  chair?: string;
  record?: {
    procedure: string;
    preWeightKg?: number;
    postWeightKg?: number;
    preBp?: string;
    postBp?: string;
    ultrafiltrationMl?: number;
    incidents: string[];
    recordedBy?: string;
  };
}

export interface StayView extends StaySummary {
  role: 'patient' | 'destination' | 'home';
  wanted: { date?: string; shift?: Shift }[];
  approval?: { by?: { reference?: string; display?: string }; date?: string; note?: string };
  readiness?: ReadinessItem[];
  noticeOk?: boolean;
  decline?: { reason?: string; text?: string };
  sessions: SessionView[];
  letter?: { id: string; date: string; author?: string; sections: { title?: string; html?: string }[] };
  hasSummary: boolean;
  /** At the destination: the patient withdrew their consent to share; checks and summary hidden. */
  sharingWithdrawn?: boolean;
}

export interface StayLists {
  mine: StaySummary[];
  incoming: StaySummary[];
  followed: StaySummary[];
}

const base = '/api/dialysis';
const id = (stay: string) => `${base}/stays/${encodeURIComponent(stay)}`;

export const places = async (q: string, signal?: AbortSignal) =>
  (await request<{ places: Place[] }>('GET', `${base}/places?q=${encodeURIComponent(q)}`, { signal })).body
    .places;

export const searchTrip = async (
  q: { destination: string; arrival: string; departure: string; language?: string },
  signal?: AbortSignal,
) => {
  const params = new URLSearchParams({
    destination: q.destination,
    arrival: q.arrival,
    departure: q.departure,
  });
  if (q.language) params.set('language', q.language);
  return (await request<TripAnswer>('GET', `${base}/search?${params}`, { signal })).body;
};

export const stays = async (signal?: AbortSignal) =>
  (await request<StayLists>('GET', `${base}/stays`, { signal })).body;
export const stay = async (stayId: string, signal?: AbortSignal) =>
  (await request<StayView>('GET', id(stayId), { signal })).body;
export const summary = async (stayId: string, signal?: AbortSignal) =>
  (await request<Bundle>('GET', `${id(stayId)}/summary`, { signal })).body;
export const capacity = async (stayId: string, signal?: AbortSignal) =>
  (
    await request<{
      chairKind: string;
      slots: { slot: string; start: string; end: string; date: string; chair: string }[];
    }>('GET', `${id(stayId)}/capacity`, { signal })
  ).body;

export const createStay = async (body: {
  service: string;
  arrival: string;
  departure: string;
  sessions: { date: string; shift: Shift }[];
}) => (await request<StayView>('POST', `${base}/stays`, { body })).body;

export const act = async (stayId: string, action: string, body: unknown = {}) =>
  (await request<StayView>('POST', `${id(stayId)}/${action}`, { body })).body;

export const sessionAction = async (
  stayId: string,
  appointment: string,
  action: 'check-in' | 'record',
  body: unknown = {},
) =>
  (
    await request<unknown>('POST', `${id(stayId)}/sessions/${encodeURIComponent(appointment)}/${action}`, {
      body,
    })
  ).body;

export const addResult = async (body: { test: string; date: string; result: string; lab?: string }) =>
  (await request<unknown>('POST', `${base}/results`, { body })).body;

/** What a stay's answers are made of: writes and live events of these types refresh them. */
export const STAY_TYPES = [
  'ServiceRequest',
  'Task',
  'Appointment',
  'Observation',
  'Procedure',
  'Composition',
  'Consent',
];
