/** Guest dialysis settings an operator sets (environment); defaults in docs/api.md. */
export interface DialysisSettings {
  /** How far ahead guest chairs' slots are kept (derived every night). */
  horizonDays: number;
  /** Days after the stay the destination keeps access (letters, late results). */
  followUpDays: number;
  /** Days before a document expires that the patient is reminded. */
  reminderDays: number;
  /** Hours the patient has to confirm an accepted stay before the chairs are given back. */
  confirmHours: number;
}

export function readDialysisSettings(env: NodeJS.ProcessEnv = process.env): DialysisSettings {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
    return v;
  };
  return {
    horizonDays: n('SAHTI_DIALYSIS_HORIZON_DAYS', 90),
    followUpDays: n('SAHTI_DIALYSIS_FOLLOW_UP_DAYS', 7),
    reminderDays: n('SAHTI_DIALYSIS_REMINDER_DAYS', 14),
    confirmHours: n('SAHTI_DIALYSIS_CONFIRM_HOURS', 72),
  };
}
