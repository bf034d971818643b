/** The teleconsultation and prescription endpoints (packages/server/src/modules/teleconsult, prescriptions). */
import { request } from '../api/http.ts';

export interface ConsultationState {
  appointment: string;
  side: 'patient' | 'practitioner';
  status: string;
  mode?: string;
  start?: string;
  end?: string;
  patient: { reference: string; name?: string };
  practitioners: { reference: string; name?: string }[];
  joinable: boolean;
  consent: boolean;
  encounter?: {
    id: string;
    status: string;
    period?: { start?: string; end?: string };
    modes: { mode: string; start: string; by: string }[];
    incidents: { code: string; at: string; by: string }[];
  };
  satisfaction: boolean;
  documents: { id: string; title: string; contentType: string; size: number; author: string; date: string }[];
  chat: { id?: string; from: string; text: string; sent?: string }[];
}

export interface IceConfiguration {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  expiresAt?: string;
}

const base = (appointment: string) => `/api/teleconsult/${encodeURIComponent(appointment)}`;

export const consultation = async (appointment: string, signal?: AbortSignal) =>
  (await request<ConsultationState>('GET', base(appointment), { signal })).body;

export const iceServers = async (appointment: string) =>
  (await request<IceConfiguration>('GET', `${base(appointment)}/ice`)).body;

export const checkIn = async (appointment: string) =>
  (
    await request<{ encounter: string }>('POST', `${base(appointment)}/check-in`, {
      body: { remote: true, record: true, agree: true },
    })
  ).body;

export const endConsultation = async (appointment: string) =>
  (await request<{ encounter?: string }>('POST', `${base(appointment)}/end`, { body: {} })).body;

export const sendSurvey = async (
  appointment: string,
  answers: { overall: number; quality: number; recommend: boolean; comment?: string },
) => (await request<{ id: string }>('POST', `${base(appointment)}/satisfaction`, { body: answers })).body;

export const documentUrl = (appointment: string, id: string) =>
  `${base(appointment)}/documents/${encodeURIComponent(id)}`;

/** Sends a file as it is; the server decides what it is from its bytes. */
export async function uploadDocument(
  appointment: string,
  file: File,
  csrf: string | undefined,
): Promise<void> {
  const res = await fetch(`${base(appointment)}/documents?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/octet-stream', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: file,
  });
  if (!res.ok) throw new Error(`upload refused (${res.status})`);
}

export const signalUrl = (appointment: string) =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base(appointment)}/signal`;

export const lobbyUrl = () =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/teleconsult/lobby`;

// ---- prescriptions

export interface Medicine {
  code: string;
  name: string;
  inn: string;
  display: string;
}

export interface PrescriptionSummary {
  id: string;
  issued: string;
  prescriber: { reference: string; name?: string };
  status: 'active' | 'dispensed' | 'revoked' | 'expired';
  /** The end of the period in which a pharmacy may dispense it. */
  validUntil?: string;
  items: { medication?: string; dosage?: string; quantity?: number; durationDays?: number }[];
  code?: string;
  verifyUrl?: string;
}

export const findMedicines = async (q: string, signal?: AbortSignal) =>
  (await request<Medicine[]>('GET', `/api/prescriptions/medicines?q=${encodeURIComponent(q)}`, { signal }))
    .body;

export const prescriptionsOf = async (patient: string, signal?: AbortSignal) =>
  (
    await request<PrescriptionSummary[]>('GET', `/api/prescriptions?patient=${encodeURIComponent(patient)}`, {
      signal,
    })
  ).body;

export const createPrescription = async (body: {
  patient: string;
  encounter?: string;
  items: { code: string; dosage: string; quantity: number; durationDays: number }[];
  note?: string;
  validityDays?: number;
}) =>
  (await request<{ id: string; code: string; verifyUrl: string }>('POST', '/api/prescriptions', { body }))
    .body;

export const pdfUrl = (id: string, lang: 'fr' | 'ar') =>
  `/api/prescriptions/${encodeURIComponent(id)}/pdf?lang=${lang}`;
