/**
 * What the destination needs before the request leaves, checked against the centre's own rules:
 * hepatitis B, hepatitis C and HIV serology within its window, the dialysis prescription complete,
 * the vascular access, the medication list, allergies, recent labs, an ECG within 12 months and the
 * home nephrologist's approval. Each item says what is wrong and what to bring; missing or expired
 * items block the sending, items that will be too old by the arrival warn and get a reminder. Pure.
 */
import type { SerologyKey } from './terms.ts';

export interface DatedFact {
  /** When the sample was taken or the exam done (YYYY-MM-DD or an instant). */
  date: string;
  ref: string;
}

export interface PrescriptionFacts {
  ref: string;
  durationMinutes?: number;
  bloodFlow?: number;
  dialyser?: string;
  dialysate?: string;
  anticoagulation?: string;
  dryWeightKg?: number;
}

export interface PatientFacts {
  serology: Partial<Record<SerologyKey, DatedFact & { positive: boolean; byPatient: boolean }>>;
  ecg?: DatedFact;
  /** The latest laboratory result of any kind. */
  latestLab?: DatedFact;
  prescription?: PrescriptionFacts;
  access?: DatedFact & { kind: string };
  medications: number;
  /** Allergies recorded, or an explicit "no known allergy". */
  allergiesRecorded: boolean;
  approval?: { by: string; date: string };
}

export interface CentreRules {
  serologyWindowDays: number;
  labsWindowDays: number;
  /** Days a guest must ask ahead of the arrival. */
  minNoticeDays: number;
}

export const ECG_WINDOW_DAYS = 365;

export type ReadinessKey =
  | `serology-${SerologyKey}`
  | 'prescription'
  | 'vascular-access'
  | 'medications'
  | 'allergies'
  | 'labs'
  | 'ecg'
  | 'approval';

export interface ReadinessItem {
  key: ReadinessKey;
  status: 'ok' | 'missing' | 'expired' | 'expires-before-stay' | 'incomplete';
  /** Blocks the sending (missing, expired, incomplete). */
  blocking: boolean;
  date?: string;
  /** The last day it is still accepted by this centre. */
  validUntil?: string;
  /** Fields of the prescription still missing. */
  missing?: string[];
  /** The earliest day a new test counts for the whole stay. */
  redoFrom?: string;
  ref?: string;
  /** What to do, in plain English (the screens say it in the patient's language from `key` and `status`). */
  message: string;
}

const DAY = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
const plus = (date: string, days: number) =>
  new Date(Date.parse(`${day(date)}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

const LABEL: Record<SerologyKey, string> = {
  hbv: 'hepatitis B (HBs antigen)',
  hcv: 'hepatitis C (antibodies)',
  hiv: 'HIV',
};

/** A dated document judged against a window: ok, too old already, or too old by the arrival. */
function dated(
  key: ReadinessKey,
  what: string,
  fact: DatedFact | undefined,
  windowDays: number,
  today: string,
  arrival: string,
): ReadinessItem {
  if (!fact)
    return {
      key,
      status: 'missing',
      blocking: true,
      message: `No ${what} on record: bring a result from the last ${windowDays} days`,
    };
  const validUntil = plus(fact.date, windowDays);
  const redoFrom = plus(arrival, -windowDays);
  const base = { key, date: day(fact.date), validUntil, ref: fact.ref };
  if (validUntil < today)
    return {
      ...base,
      status: 'expired',
      blocking: true,
      redoFrom,
      message: `The ${what} of ${day(fact.date)} is too old (the centre accepts ${windowDays} days): do a new one and add the result`,
    };
  if (validUntil < arrival)
    return {
      ...base,
      status: 'expires-before-stay',
      blocking: false,
      redoFrom,
      message: `The ${what} of ${day(fact.date)} will be too old on arrival: do a new one from ${redoFrom}; you will be reminded`,
    };
  return { ...base, status: 'ok', blocking: false, message: `${what}: ${day(fact.date)}` };
}

export const PRESCRIPTION_FIELDS = [
  'durationMinutes',
  'bloodFlow',
  'dialyser',
  'dialysate',
  'anticoagulation',
  'dryWeightKg',
] as const;

export function readiness(
  facts: PatientFacts,
  rules: CentreRules,
  stay: { today: string; arrival: string },
): ReadinessItem[] {
  const { today, arrival } = stay;
  const items: ReadinessItem[] = [];
  for (const key of ['hbv', 'hcv', 'hiv'] as const)
    items.push(
      dated(
        `serology-${key}`,
        `${LABEL[key]} serology`,
        facts.serology[key],
        rules.serologyWindowDays,
        today,
        arrival,
      ),
    );
  const p = facts.prescription;
  const missing = p ? PRESCRIPTION_FIELDS.filter((f) => p[f] === undefined || p[f] === '') : [];
  items.push(
    !p
      ? {
          key: 'prescription',
          status: 'missing',
          blocking: true,
          message: 'No dialysis prescription on record: ask your nephrologist to record it',
        }
      : missing.length > 0
        ? {
            key: 'prescription',
            status: 'incomplete',
            blocking: true,
            missing: [...missing],
            ref: p.ref,
            message: `The dialysis prescription lacks ${missing.join(', ')}: ask your nephrologist to complete it`,
          }
        : {
            key: 'prescription',
            status: 'ok',
            blocking: false,
            ref: p.ref,
            message: 'Dialysis prescription',
          },
  );
  items.push(
    facts.access
      ? {
          key: 'vascular-access',
          status: 'ok',
          blocking: false,
          ref: facts.access.ref,
          date: day(facts.access.date),
          message: `Vascular access: ${facts.access.kind}`,
        }
      : {
          key: 'vascular-access',
          status: 'missing',
          blocking: true,
          message: 'Your vascular access is not recorded: ask your dialysis centre to record it',
        },
  );
  items.push(
    facts.medications > 0
      ? {
          key: 'medications',
          status: 'ok',
          blocking: false,
          message: `${facts.medications} medicines listed`,
        }
      : {
          key: 'medications',
          status: 'missing',
          blocking: true,
          message: 'No medication list: ask your nephrologist to record your current medicines',
        },
  );
  items.push(
    facts.allergiesRecorded
      ? { key: 'allergies', status: 'ok', blocking: false, message: 'Allergies recorded' }
      : {
          key: 'allergies',
          status: 'missing',
          blocking: true,
          message: 'Allergies are not recorded (not even "no known allergy"): ask your nephrologist',
        },
  );
  items.push(dated('labs', 'laboratory results', facts.latestLab, rules.labsWindowDays, today, arrival));
  items.push(dated('ecg', 'ECG', facts.ecg, ECG_WINDOW_DAYS, today, arrival));
  items.push(
    facts.approval
      ? {
          key: 'approval',
          status: 'ok',
          blocking: false,
          date: day(facts.approval.date),
          message: `Approved by ${facts.approval.by}`,
        }
      : {
          key: 'approval',
          status: 'missing',
          blocking: true,
          message: 'Your home nephrologist has not approved this stay yet: they see it in their list',
        },
  );
  return items;
}

/** Whether a request may leave now. */
export const isReady = (items: readonly ReadinessItem[]): boolean => items.every((i) => !i.blocking);

/** Whether the arrival leaves the centre the notice it asks for. */
export function noticeIsEnough(rules: CentreRules, today: string, arrival: string): boolean {
  return plus(today, rules.minNoticeDays) <= arrival;
}
