/**
 * When a recurring job runs next. Pure. Intervals are aligned on the epoch (not on when a process
 * started), so every process computes the same occurrences and each one runs once.
 */
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  readonly spec: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

/** Cron expressions read in Morocco's time, so "0 8 * * *" is 8:00 in Rabat all year. */
export const SCHEDULE_TIME_ZONE = 'Africa/Casablanca';

const EVERY = /^every\s+(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|h)$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `every 30 seconds`, `every 5 minutes`, `every 2 hours`, or a cron expression; throws if neither. */
export function parseSchedule(spec: string, timeZone = SCHEDULE_TIME_ZONE): Schedule {
  const text = spec.trim();
  const every = EVERY.exec(text);
  if (every) {
    const period = Number(every[1]) * UNIT_MS[every[2][0].toLowerCase()];
    if (!Number.isSafeInteger(period) || period < 1000) {
      throw new Error(`schedule "${spec}": the period must be at least 1 second`);
    }
    return { spec: text, next: (after) => new Date((Math.floor(after.getTime() / period) + 1) * period) };
  }
  try {
    CronExpressionParser.parse(text, { tz: timeZone, strict: false });
  } catch (err) {
    throw new Error(
      `schedule "${spec}" is neither "every N seconds|minutes|hours" nor a cron expression: ${(err as Error).message}`,
    );
  }
  return {
    spec: text,
    next: (after) =>
      CronExpressionParser.parse(text, { tz: timeZone, strict: false, currentDate: after }).next().toDate(),
  };
}
