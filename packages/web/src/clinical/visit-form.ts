/**
 * The visit form's values and rules, pure: what the clinician typed → the problems to show next to
 * each field (keys of the `clinical` messages) → the request the records service takes.
 */
import type { VisitRequest } from '@sahti/contracts';
import type { VitalSignDefinition } from './api.ts';

export type Mode = 'in-person' | 'home' | 'mobile-unit' | 'video';

export interface DiagnosisRow {
  /** The ICD-10 code picked from the list (empty until then). */
  code: string;
  /** Its title as the list showed it, and the language of that title. */
  display?: string;
  displayLanguage?: string;
  /** The clinician's own words for the patient (optional: the code has a title). */
  text: string;
  status: 'active' | 'resolved';
}
export interface AllergyRow {
  substance: string;
  reaction: string;
  high: boolean;
}
export interface MedicationRow {
  code: string;
  display: string;
  dosage: string;
}
export interface ImmunizationRow {
  /** `ANTIGEN|dose` of the PNI schedule. */
  dose: string;
  date: string;
}
export interface OrderRow {
  kind: 'lab' | 'imaging' | 'referral';
  text: string;
  performer: string;
  performerName: string;
}

export interface VisitValues {
  mode: Mode;
  reason: string;
  /** As typed (a decimal comma is fine). */
  vitals: Record<string, string>;
  diagnoses: DiagnosisRow[];
  allergies: AllergyRow[];
  medications: MedicationRow[];
  immunizations: ImmunizationRow[];
  orders: OrderRow[];
  note: string;
}

export const EMPTY_VISIT: VisitValues = {
  mode: 'in-person',
  reason: '',
  vitals: {},
  diagnoses: [],
  allergies: [],
  medications: [],
  immunizations: [],
  orders: [],
  note: '',
};

export interface VisitProblem {
  /** The id of the field (`vital-systolic`, `diagnosis-0-code`, `note`). */
  field: string;
  key: string;
  params?: Record<string, string | number>;
}

/** "37,5" and "37.5" alike; undefined when empty, NaN when not a number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  if (!t) return undefined;
  return /^-?[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : Number.NaN;
}

export function visitProblems(
  v: VisitValues,
  vitals: VitalSignDefinition[],
  signing: boolean,
): VisitProblem[] {
  const problems: VisitProblem[] = [];
  for (const sign of vitals) {
    const value = parseNumber(v.vitals[sign.key] ?? '');
    if (value === undefined) continue;
    if (Number.isNaN(value)) problems.push({ field: `vital-${sign.key}`, key: 'errors.vitalNumber' });
    else if (value < sign.plausible[0] || value > sign.plausible[1])
      problems.push({
        field: `vital-${sign.key}`,
        key: 'errors.vitalRange',
        params: { low: sign.plausible[0], high: sign.plausible[1] },
      });
  }
  v.diagnoses.forEach((d, i) => {
    // the code comes from the list; the server checks it is one of ICD-10
    if (!d.code.trim()) problems.push({ field: `diagnosis-${i}-code`, key: 'errors.icd10' });
  });
  v.allergies.forEach((a, i) => {
    if (!a.substance.trim()) problems.push({ field: `allergy-${i}-substance`, key: 'errors.substance' });
  });
  v.medications.forEach((m, i) => {
    if (!m.dosage.trim()) problems.push({ field: `medication-${i}-dosage`, key: 'errors.dosage' });
  });
  v.immunizations.forEach((m, i) => {
    if (!m.dose) problems.push({ field: `immunization-${i}-dose`, key: 'errors.vaccine' });
  });
  v.orders.forEach((o, i) => {
    if (!o.text.trim()) problems.push({ field: `order-${i}-text`, key: 'errors.orderText' });
    if (o.kind === 'referral' && !o.performer)
      problems.push({ field: `order-${i}-performer`, key: 'errors.referralTo' });
  });
  if (signing && !v.note.trim()) problems.push({ field: 'note', key: 'errors.noteToSign' });
  return problems;
}

/** The request for the records service (only what was filled in). */
export function visitRequest(patientId: string, v: VisitValues, sign: boolean): VisitRequest {
  const vitals: Record<string, number> = {};
  for (const [key, text] of Object.entries(v.vitals)) {
    const value = parseNumber(text);
    if (value !== undefined && !Number.isNaN(value)) vitals[key] = value;
  }
  return {
    patient: `Patient/${patientId}`,
    mode: v.mode,
    ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
    ...(Object.keys(vitals).length ? { vitals } : {}),
    ...(v.diagnoses.length
      ? {
          diagnoses: v.diagnoses.map((d) => ({
            code: d.code.trim().toUpperCase(),
            ...(d.text.trim() ? { text: d.text.trim() } : {}),
            status: d.status,
          })),
        }
      : {}),
    ...(v.allergies.length
      ? {
          allergies: v.allergies.map((a) => ({
            substance: a.substance.trim(),
            ...(a.reaction.trim() ? { reaction: a.reaction.trim() } : {}),
            criticality: a.high ? ('high' as const) : ('low' as const),
          })),
        }
      : {}),
    ...(v.medications.length
      ? { medications: v.medications.map((m) => ({ code: m.code, dosage: m.dosage.trim() })) }
      : {}),
    ...(v.immunizations.length
      ? {
          immunizations: v.immunizations.map((m) => {
            const [antigen, dose] = m.dose.split('|');
            return { antigen, dose: Number(dose), ...(m.date ? { date: m.date } : {}) };
          }),
        }
      : {}),
    ...(v.orders.length
      ? {
          orders: v.orders.map((o) => ({
            kind: o.kind,
            text: o.text.trim(),
            ...(o.performer ? { performer: o.performer } : {}),
          })),
        }
      : {}),
    ...(v.note.trim() ? { note: v.note.trim() } : {}),
    sign,
  };
}

/** A server refusal's element (`vitals.systolic`, `diagnoses[0].code`) → the form's field id. */
export function fieldOfServerPath(path: string): string | undefined {
  const vital = /^vitals\.(\w+)$/.exec(path);
  if (vital) return `vital-${vital[1]}`;
  const row = /^(diagnoses|allergies|medications|immunizations|orders)\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (row) {
    const prefix = {
      diagnoses: 'diagnosis',
      allergies: 'allergy',
      medications: 'medication',
      immunizations: 'immunization',
      orders: 'order',
    }[row[1] as 'diagnoses'];
    return `${prefix}-${row[2]}-${row[3] ?? 'dose'}`;
  }
  if (path === 'note') return 'note';
  return undefined;
}
