/** Booking rules an operator sets (environment), with the defaults Moroccan clinics told us are usual. */
export interface SchedulingSettings {
  /** A patient cancels or moves online until this many hours before the start. */
  cancelCutoffHours: number;
  /** No booking of a slot starting sooner than this. */
  minNoticeMinutes: number;
  /** How long a freed slot is held for the first person on the waiting list. */
  waitlistHoldMinutes: number;
  /** How far ahead Slots are kept as resources (derived from the templates every night). */
  horizonDays: number;
  /**
   * Group commit of bookings (group-commit.ts): groups written at the same time, each holding a
   * database connection, and bookings in one group at most.
   */
  bookingGroups: { concurrency: number; max: number };
}

export function readSchedulingSettings(env: NodeJS.ProcessEnv = process.env): SchedulingSettings {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
    return v;
  };
  return {
    cancelCutoffHours: n('SAHTI_CANCEL_CUTOFF_HOURS', 12),
    minNoticeMinutes: n('SAHTI_BOOKING_NOTICE_MINUTES', 30),
    waitlistHoldMinutes: n('SAHTI_WAITLIST_HOLD_MINUTES', 30),
    horizonDays: n('SAHTI_SLOT_HORIZON_DAYS', 28),
    bookingGroups: {
      concurrency: Math.max(1, Math.floor(n('SAHTI_BOOKING_GROUP_CONCURRENCY', 1))),
      max: Math.max(1, Math.floor(n('SAHTI_BOOKING_GROUP_MAX', 64))),
    },
  };
}
