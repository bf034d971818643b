/**
 * The records service as the web app calls it (packages/server/src/modules/records): recording and
 * signing a visit, the terminology behind the form, the PNI schedule of a child, the patient's copy
 * and emergency card, and the emergency card's public view.
 */
import type { VisitRequest } from '@sahti/contracts';
import { request } from '../api/http.ts';

export interface VitalSignDefinition {
  key: string;
  loinc: string;
  display: string;
  unit: string;
  plausible: [number, number];
  usual?: [number, number];
  decimals: number;
}

export interface PniDose {
  ageDays: number;
  ageLabel: string;
  antigen: string;
  dose: number;
  vaccine: string;
  cvx: string;
}

export interface Terminology {
  vitals: VitalSignDefinition[];
  pni: PniDose[];
  modes: string[];
}

export interface DoseStatus extends PniDose {
  state: 'done' | 'due' | 'late' | 'upcoming';
  dueDate: string;
  given?: string;
}

export interface Medicine {
  code: string;
  name: string;
  inn: string;
  display: string;
}

export async function terminology(signal?: AbortSignal): Promise<Terminology> {
  return (await request<Terminology>('GET', '/api/records/terminology', { signal })).body;
}

export async function recordVisit(
  visit: VisitRequest,
): Promise<{ encounter: string; composition?: string; written: string[] }> {
  return (
    await request<{ encounter: string; composition?: string; written: string[] }>(
      'POST',
      '/api/records/visits',
      { body: visit },
    )
  ).body;
}

export async function signVisit(
  encounterId: string,
  note?: string,
): Promise<{ encounter: string; composition: string }> {
  return (
    await request<{ encounter: string; composition: string }>(
      'POST',
      `/api/records/visits/${encodeURIComponent(encounterId)}/sign`,
      { body: note ? { note } : {} },
    )
  ).body;
}

export async function immunisationStatus(patientId: string, signal?: AbortSignal): Promise<DoseStatus[]> {
  return (
    await request<DoseStatus[]>(
      'GET',
      `/api/records/immunisations?patient=Patient/${encodeURIComponent(patientId)}`,
      { signal },
    )
  ).body;
}

export async function findMedicines(q: string, signal?: AbortSignal): Promise<Medicine[]> {
  return (
    await request<Medicine[]>('GET', `/api/prescriptions/medicines?q=${encodeURIComponent(q)}`, { signal })
  ).body;
}

export const copyUrl = (patientId: string, lang: 'fr' | 'ar') =>
  `/api/records/copy.pdf?patient=Patient/${encodeURIComponent(patientId)}&lang=${lang}`;
export const emergencyCardUrl = (patientId: string, lang: 'fr' | 'ar') =>
  `/api/records/emergency-card.pdf?patient=Patient/${encodeURIComponent(patientId)}&lang=${lang}`;

export async function newEmergencyLink(patientId: string): Promise<{ url: string; expiresAt: string }> {
  return (
    await request<{ url: string; expiresAt: string }>('POST', '/api/records/emergency-links', {
      body: { patient: `Patient/${patientId}` },
    })
  ).body;
}

export async function withdrawEmergencyLinks(patientId: string): Promise<{ withdrawn: number }> {
  return (
    await request<{ withdrawn: number }>(
      'DELETE',
      `/api/records/emergency-links?patient=Patient/${encodeURIComponent(patientId)}`,
    )
  ).body;
}

export interface EmergencyView {
  status: 'valid';
  issuedAt: string;
  expiresAt: string;
  summary: {
    name: string;
    arabicName?: string;
    birthDate?: string;
    bloodGroup?: string;
    allergies: { text: string; high: boolean; reaction?: string }[];
    medicines: { text: string; dosage?: string }[];
    problems: { text: string; code?: string }[];
    emergencyContact?: { name: string; relationship?: string; phone?: string };
  };
}

export async function emergencyView(token: string, signal?: AbortSignal): Promise<EmergencyView> {
  return (
    await request<EmergencyView>('GET', `/api/records/emergency/${encodeURIComponent(token)}`, { signal })
  ).body;
}

export interface EmergencyPreview {
  patient: string;
  name: string;
  arabicName?: string;
  birthDate?: string;
  age?: number;
  gender?: string;
}

export async function previewEmergency(identifier: string): Promise<EmergencyPreview> {
  return (await request<EmergencyPreview>('POST', '/api/break-glass/preview', { body: { identifier } })).body;
}

export async function breakGlassByIdentifier(identifier: string, reason: string) {
  return (
    await request<{ patient: string; expiresAt: string }>('POST', '/api/break-glass', {
      body: { identifier, reason },
    })
  ).body;
}
