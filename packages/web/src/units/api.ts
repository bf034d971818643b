/** The mobile-unit and hub endpoints the web app calls (packages/server/src/modules/units, hub). */
import type { Element, HumanName } from '@medplum/fhirtypes';
import { request } from '../api/http.ts';

export interface UnitSummary {
  id: string;
  /** In French (Organization.name). */
  name: string;
  /** Organization._name: the name's translations (read with unitName). */
  _name?: Element;
  base?: { commune?: string; name?: string; nameFr?: string; nameAr?: string; lat?: number; lon?: number };
}

export const myUnits = async (signal?: AbortSignal) =>
  (await request<{ units: UnitSummary[] }>('GET', '/api/units', { signal })).body.units;

export type TeamRole = 'gp' | 'nurse' | 'assistant';

export interface TourDay {
  week: number;
  day: string;
  /** The stop's commune code. */
  stop: string;
  name: string;
  km: number;
  minutesFromBase: number;
  minutesFromPrevious: number;
  nameFr?: string;
  nameAr?: string;
}

export interface TourStop {
  schedule: string;
  commune: string;
  name: string;
  visits: number;
  population: number;
  kmFromBase: number;
  days: string[][];
  nameFr?: string;
  nameAr?: string;
}

export interface UnitDevice {
  id: string;
  kind?: string;
  serial?: string;
  model?: string;
  status?: string;
}

export interface EquipmentCheck {
  id: string;
  authored?: string;
  author?: string;
  items: { device: string; present?: boolean; working?: boolean }[];
}

/** GET /api/units/:id: the unit, its base, team, equipment and published tour. */
export interface UnitDetail extends UnitSummary {
  roster: { role: TeamRole; practitioner: string; name: string; names: HumanName[]; roleId: string }[];
  gaps: { role: TeamRole; missing: number }[];
  devices: UnitDevice[];
  weeklyTour: { weeks: number; cycleStart?: string; stops: TourStop[]; days: TourDay[] };
  lastCheck?: EquipmentCheck;
}

export const unitDetail = async (id: string, signal?: AbortSignal) =>
  (await request<UnitDetail>('GET', `/api/units/${encodeURIComponent(id)}`, { signal })).body;

/** What the unit screens read, for the data layer's refreshes. */
export const UNIT_TYPES = [
  'Organization',
  'Location',
  'PractitionerRole',
  'Practitioner',
  'Device',
  'Schedule',
  'QuestionnaireResponse',
];

export interface FieldDay {
  unit: { id: string; name: string; _name?: Element };
  date: string;
  /** Today's stop; `_display` carries its name's translations (the commune in Arabic). */
  stop: { reference?: string; display?: string; _display?: Element } | null;
  /** The tour's next day after today and its stop (null when none within four weeks). */
  next: { date: string; stop: { reference?: string; display?: string; _display?: Element } | null } | null;
  devices: { id: string; kind?: string; serial?: string }[];
  patients: Record<string, unknown>[];
  /** Facilities to refer patients to, nearest first. */
  facilities: ReferralFacility[];
  /** The medicines a prescription may name. */
  medicines: { code: string; display: string }[];
}

export interface ReferralFacility {
  organization: string;
  location: string;
  name: string;
  description?: string;
  km: number;
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
