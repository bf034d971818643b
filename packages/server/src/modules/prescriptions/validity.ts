/**
 * How long a prescription may be dispensed. The prescriber chooses it (1–365 days, the operator's
 * default otherwise); it is written in each MedicationRequest's `dispenseRequest.validityPeriod`
 * and signed with the rest (canonical.ts), so a changed date breaks the signature. Prescriptions
 * signed before validity periods existed have none in their signed content: they run from their
 * signed issue time for the default. Pure, but for the setting read from the environment.
 */
import type { MedicationRequest, Period } from '@medplum/fhirtypes';

export const MAX_VALIDITY_DAYS = 365;

/**
 * The operator's default: `SAHTI_PRESCRIPTION_VALIDITY_DAYS` (90 unless set) — a platform setting
 * to match the pharmacies' practice, not a figure taken from law.
 */
export function defaultValidityDays(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.SAHTI_PRESCRIPTION_VALIDITY_DAYS ?? 90);
  if (!Number.isInteger(v) || v < 1 || v > MAX_VALIDITY_DAYS)
    throw new Error(
      `SAHTI_PRESCRIPTION_VALIDITY_DAYS must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}`,
    );
  return v;
}

/** Why a requested validity is refused (undefined: absent or fine). */
export function validityDaysProblem(days: unknown): string | undefined {
  if (days === undefined) return undefined;
  if (!Number.isInteger(days) || (days as number) < 1 || (days as number) > MAX_VALIDITY_DAYS)
    return `validityDays: a number of days from 1 to ${MAX_VALIDITY_DAYS}`;
  return undefined;
}

/** From `start` for `days` days: the end is the same time of day, `days` later. */
export function validityPeriod(start: string, days: number): Period {
  return { start, end: new Date(Date.parse(start) + days * 86_400_000).toISOString() };
}

/** Why a validity period written on a draft is refused (undefined: absent or fine). */
export function periodProblem(period: Period | undefined): string | undefined {
  if (period === undefined) return undefined;
  const start = Date.parse(period.start ?? '');
  const end = Date.parse(period.end ?? '');
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start)
    return 'dispenseRequest.validityPeriod: a start and a later end';
  if (end - start > MAX_VALIDITY_DAYS * 86_400_000)
    return `dispenseRequest.validityPeriod: at most ${MAX_VALIDITY_DAYS} days`;
  return undefined;
}

/** The end of a prescription's validity: the signed period's, else its signed issue time + the default. */
export function validUntil(requests: MedicationRequest[], issued: string, defaultDays: number): string {
  const end = requests[0]?.dispenseRequest?.validityPeriod?.end;
  return end ?? (validityPeriod(issued, defaultDays).end as string);
}

export const isExpired = (until: string, now = Date.now()): boolean => now >= Date.parse(until);
