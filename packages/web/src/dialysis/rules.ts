/**
 * The dialysis screens' pure rules: what is wrong with a trip search or a session record (each
 * problem names its field and the message that says how to fix it), the chair proposed for each
 * session the patient asked for, and how a stay's state reads. Pure: unit-tested beside.
 */
import type { Shift, StayState } from './api.ts';

export interface Problem {
  field: string;
  key: string;
}

export interface TripValues {
  destination: string;
  arrival: string;
  departure: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY = 86_400_000;

export function tripProblems(v: TripValues, today: string): Problem[] {
  const out: Problem[] = [];
  if (v.destination.trim().length < 2) out.push({ field: 'destination', key: 'trip.errors.destination' });
  if (!DATE.test(v.arrival) || v.arrival < today) out.push({ field: 'arrival', key: 'trip.errors.arrival' });
  if (!DATE.test(v.departure) || v.departure < v.arrival)
    out.push({ field: 'departure', key: 'trip.errors.departure' });
  else if (DATE.test(v.arrival) && (Date.parse(v.departure) - Date.parse(v.arrival)) / DAY > 60)
    out.push({ field: 'departure', key: 'trip.errors.tooLong' });
  return out;
}

export interface SessionValues {
  preWeightKg: string;
  postWeightKg: string;
  preSystolic: string;
  preDiastolic: string;
  postSystolic: string;
  postDiastolic: string;
  ultrafiltrationMl: string;
  durationMinutes: string;
  incidents: string;
  medicines: string;
}

const between = (value: string, min: number, max: number) => {
  const n = Number(value.replace(',', '.'));
  return value.trim() !== '' && Number.isFinite(n) && n >= min && n <= max;
};

export function sessionProblems(v: SessionValues): Problem[] {
  const checks: [keyof SessionValues, number, number][] = [
    ['preWeightKg', 20, 300],
    ['postWeightKg', 20, 300],
    ['preSystolic', 40, 300],
    ['preDiastolic', 20, 200],
    ['postSystolic', 40, 300],
    ['postDiastolic', 20, 200],
    ['ultrafiltrationMl', 0, 10_000],
    ['durationMinutes', 30, 600],
  ];
  return checks
    .filter(([field, min, max]) => !between(v[field], min, max))
    .map(([field]) => ({ field, key: `session.errors.${field}` }));
}

const num = (s: string) => Number(s.replace(',', '.'));

/** The record the API takes; incidents and medicines one per line ("name — dose"). */
export function sessionBody(v: SessionValues) {
  const lines = (s: string) =>
    s
      .split('\n')
      .map((x) => x.trim())
      .filter(Boolean);
  return {
    preWeightKg: num(v.preWeightKg),
    postWeightKg: num(v.postWeightKg),
    preBp: { systolic: num(v.preSystolic), diastolic: num(v.preDiastolic) },
    postBp: { systolic: num(v.postSystolic), diastolic: num(v.postDiastolic) },
    ultrafiltrationMl: num(v.ultrafiltrationMl),
    durationMinutes: num(v.durationMinutes),
    incidents: lines(v.incidents),
    medicines: lines(v.medicines).map((l) => {
      const [name, dose] = l.split(/\s+[—-]\s+/, 2);
      return { name: name ?? l, ...(dose ? { dose } : {}) };
    }),
  };
}

/** The shift of a local start time (as the server decides it). */
export function shiftOfTime(hhmm: string): Shift {
  const hour = Number(hhmm.slice(0, 2));
  return hour < 10 ? 'morning' : hour < 15 ? 'midday' : 'afternoon';
}

export interface FreeChair {
  slot: string;
  date: string;
  start: string;
  chair: string;
}

/**
 * A chair and shift for each session the patient asked for: the same day, their shift when a chair
 * is free then, else the first free one that day; a session without a free chair stays empty.
 */
export function proposeChairs(
  wanted: { date?: string; shift?: Shift }[],
  free: FreeChair[],
  localTime: (iso: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of wanted) {
    if (!w.date) continue;
    const sameDay = free.filter((f) => f.date === w.date);
    const best = sameDay.find((f) => shiftOfTime(localTime(f.start)) === w.shift) ?? sameDay[0];
    if (best) out[w.date] = best.slot;
  }
  return out;
}

/** Hours before its start from which a session can be checked in and recorded (the server's rule, care.ts). */
export const SESSION_AHEAD_HOURS = 36;

/** Whether a session is near enough to be checked in and recorded now: later ones offer no button. */
export function sessionIsDue(start: string | undefined, now: number = Date.now()): boolean {
  return !!start && Date.parse(start) - now <= SESSION_AHEAD_HOURS * 3_600_000;
}

/** Tag colour of a state. */
export function stateKind(state: StayState): 'info' | 'warning' | 'success' | 'grey' {
  if (state === 'accepted') return 'warning';
  if (state === 'confirmed' || state === 'in-progress' || state === 'completed') return 'success';
  if (state === 'declined' || state === 'cancelled') return 'grey';
  return 'info';
}
