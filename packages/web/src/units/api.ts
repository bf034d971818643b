/** The mobile-unit and hub endpoints the web app calls (packages/server/src/modules/units, hub). */
import { request } from '../api/http.ts';

export interface UnitSummary {
  id: string;
  name: string;
}

export const myUnits = async () => (await request<{ units: UnitSummary[] }>('GET', '/api/units')).body.units;

export interface FieldDay {
  unit: { id: string; name: string };
  date: string;
  stop: { reference?: string; display?: string } | null;
  devices: { id: string; kind?: string; serial?: string }[];
  patients: Record<string, unknown>[];
}

export const fieldDay = async (unit: string) =>
  (await request<FieldDay>('GET', `/api/units/${encodeURIComponent(unit)}/field-day`)).body;

export interface HubAnswers {
  answers: {
    task: Record<string, unknown> & { id: string; status: string; for?: { reference?: string } };
    outputs: Record<string, unknown>[];
  }[];
  now: string;
}

export const hubAnswers = async (unit: string, since?: string) =>
  (
    await request<HubAnswers>(
      'GET',
      `/api/hub/answers?unit=${encodeURIComponent(unit)}${since ? `&since=${encodeURIComponent(since)}` : ''}`,
    )
  ).body;
