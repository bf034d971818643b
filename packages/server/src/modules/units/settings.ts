/** What an operator sets for the mobile-unit service (environment; README and docs/api.md list them). */
export interface UnitsSettings {
  /** Longest `exact` plan an administrator may ask for, seconds. */
  exactMaxSeconds: number;
  /** Average speed of a unit's vehicle on rural roads, km/h (travel time between stops). */
  speedKmh: number;
  /** Road distance ÷ great-circle distance, for travel times. */
  detourFactor: number;
  /** Local hour at which villagers of tomorrow's stops get their SMS. */
  noticeHour: number;
  /** Working days of a tour (mon…sun). */
  workDays: string[];
  /** A day at a stop, local HH:MM. */
  dayStart: string;
  dayEnd: string;
  /** Longest sync bundle, entries. */
  syncMaxEntries: number;
  /** Largest attachment of a field record (photo, ECG PDF) once decoded, bytes. */
  attachmentMaxBytes: number;
}

export function readUnitsSettings(env: NodeJS.ProcessEnv = process.env): UnitsSettings {
  const n = (name: string, fallback: number, min = 0) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return v;
  };
  const time = (name: string, fallback: string) => {
    const v = env[name] ?? fallback;
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(v)) throw new Error(`${name} is HH:MM`);
    return v;
  };
  const days = (env.SAHTI_UNITS_WORK_DAYS ?? 'mon,tue,wed,thu,fri').split(',').map((d) => d.trim());
  if (days.some((d) => !['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].includes(d)))
    throw new Error('SAHTI_UNITS_WORK_DAYS is a list of mon,tue,wed,thu,fri,sat,sun');
  return {
    exactMaxSeconds: n('SAHTI_UNITS_EXACT_MAX_SECONDS', 120, 1),
    speedKmh: n('SAHTI_UNITS_SPEED_KMH', 40, 1),
    detourFactor: n('SAHTI_UNITS_DETOUR_FACTOR', 1.4, 1),
    noticeHour: n('SAHTI_UNITS_NOTICE_HOUR', 18),
    workDays: days,
    dayStart: time('SAHTI_UNITS_DAY_START', '09:00'),
    dayEnd: time('SAHTI_UNITS_DAY_END', '16:00'),
    syncMaxEntries: n('SAHTI_UNITS_SYNC_MAX_ENTRIES', 20_000, 1),
    attachmentMaxBytes: n('SAHTI_UNITS_ATTACHMENT_MAX_BYTES', 2 * 1024 * 1024, 1024),
  };
}
