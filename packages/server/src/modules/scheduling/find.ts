/**
 * Availability: free slots across practitioners, filtered by specialty, mode, place (any name of a
 * commune, province or region, in French or Arabic, or a usual shorthand), language and dates —
 * soonest first. Reads the projections, one statement; `$find` returns FHIR Slots with what they
 * point to, the directory search one card per practitioner with their next free times.
 */

import type { SqlExecutor } from '@sahti/fhir';
import { placeQuery } from './places.ts';
import { escapeLikeValue } from './sql.ts';
import { LANGUAGES, MODES, type Mode, SPECIALTIES } from './terms.ts';

export interface AvailabilityQuery {
  /** A specialty key (`cardiology`) or its SNOMED CT code. */
  specialty?: string;
  mode?: Mode;
  place?: string;
  language?: string;
  practitioner?: string;
  from: Date;
  to: Date;
}

export interface FreeSlot {
  slotId: string;
  start: string;
  end: string;
  scheduleId: string;
  practitioner: string | null;
  role: string | null;
  location: string | null;
  mode: Mode;
  fee: number | null;
}

export interface QueryProblem {
  field: string;
  message: string;
}

/** Reads and checks query parameters (a 400 lists what is wrong, field by field). */
/** Free times shown are those still bookable online: from now + the notice the booking rule asks for. */
export function bookableFrom<Q extends { from: Date }>(q: Q, minNoticeMinutes: number, now = Date.now()): Q {
  const earliest = new Date(now + minNoticeMinutes * 60_000);
  return q.from < earliest ? { ...q, from: earliest } : q;
}

export function availabilityQuery(params: {
  get(name: string): string | undefined;
}): AvailabilityQuery | QueryProblem[] {
  const problems: QueryProblem[] = [];
  const q: AvailabilityQuery = { from: new Date(), to: new Date(Date.now() + 30 * 86_400_000) };
  const specialty = params.get('specialty');
  if (specialty) {
    const s = SPECIALTIES.find(
      (x) => x.key === specialty || x.code === specialty || specialty.endsWith(`|${x.code}`),
    );
    if (!s) problems.push({ field: 'specialty', message: `Unknown specialty "${specialty.slice(0, 40)}"` });
    else q.specialty = s.code;
  }
  const mode = params.get('mode');
  if (mode) {
    if (!MODES.includes(mode as Mode))
      problems.push({ field: 'mode', message: 'mode is in-person or video' });
    else q.mode = mode as Mode;
  }
  const place = params.get('place')?.trim();
  if (place) {
    if (place.length > 80) problems.push({ field: 'place', message: 'The place is too long' });
    else q.place = placeQuery(place);
  }
  const language = params.get('language');
  if (language) {
    if (!LANGUAGES.some((l) => l.code === language))
      problems.push({ field: 'language', message: `Unknown language "${language.slice(0, 20)}"` });
    else q.language = language;
  }
  const practitioner = params.get('practitioner');
  if (practitioner) {
    if (!/^(Practitioner\/)?[A-Za-z0-9\-.]{1,64}$/.test(practitioner))
      problems.push({ field: 'practitioner', message: 'practitioner is Practitioner/<id>' });
    else
      q.practitioner = practitioner.startsWith('Practitioner/')
        ? practitioner
        : `Practitioner/${practitioner}`;
  }
  for (const [field, key] of [
    ['start', 'from'],
    ['end', 'to'],
  ] as const) {
    const value = params.get(field);
    if (!value) continue;
    const t = Date.parse(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
      problems.push({ field, message: `${field} is a date or an instant (2027-01-15)` });
    else q[key] = new Date(t);
  }
  if (q.from < new Date()) q.from = new Date();
  if (q.to.getTime() - q.from.getTime() > 120 * 86_400_000)
    problems.push({ field: 'end', message: 'Search at most 120 days at a time' });
  if (q.to <= q.from) problems.push({ field: 'end', message: 'end comes after start' });
  return problems.length > 0 ? problems : q;
}

function filters(q: AvailabilityQuery, values: unknown[]): string[] {
  const add = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  // a bookable practitioner's schedules only: a dialysis chair's schedule has none (modules/dialysis)
  const where = ['sc.active', 'sc.practitioner IS NOT NULL'];
  if (q.specialty) where.push(`${add(q.specialty)}::text = ANY(sc.specialties)`);
  if (q.mode) where.push(`sc.mode = ${add(q.mode)}::text`);
  if (q.language) where.push(`${add(q.language)}::text = ANY(sc.languages)`);
  if (q.practitioner) where.push(`sc.practitioner = ${add(q.practitioner)}::text`);
  if (q.place)
    where.push(
      `EXISTS (SELECT 1 FROM unnest(sc.place_keys) k WHERE k LIKE ${add(`${escapeLikeValue(q.place)}%`)}::text)`,
    );
  return where;
}

/**
 * Up to this many matching schedules, the soonest free slots are found schedule by schedule: each
 * one's first free slot (one probe of the per-schedule index), the `limit` schedules that start
 * soonest — the only ones that can hold the `limit` soonest slots — and their own first `limit`
 * slots, merged. Bounded by the schedules matched, whatever the dates hold. Beyond it, matches are
 * dense and walking all free slots in time order finds `limit` of them within a few index pages.
 * (Walking for a rare specialty in a small town read every free slot of the period: 560 ms at
 * 2,000 practitioners × 60 days, the old p99 of `$find`.)
 */
const PROBED_SCHEDULES = 1000;

/** Free slots, soonest first. */
export async function freeSlots(db: SqlExecutor, q: AvailabilityQuery, limit: number): Promise<FreeSlot[]> {
  const values: unknown[] = [q.from.toISOString(), q.to.toISOString()];
  const where = filters(q, values).join(' AND ');
  const n = Math.min(Math.max(limit, 1), 500);
  const free = `s.status = 'free' AND s.start_at >= $1::timestamptz AND s.start_at < $2::timestamptz`;
  const columns =
    's.slot_id, s.start_at, s.end_at, sc.schedule_id, sc.practitioner, sc.role, sc.location, sc.mode, sc.fee::text AS fee';
  const rows = await db.query<{
    slot_id: string;
    start_at: Date | string;
    end_at: Date | string;
    schedule_id: string;
    practitioner: string | null;
    role: string | null;
    location: string | null;
    mode: Mode;
    fee: string | null;
  }>(
    // one statement, two plans; the count decides which runs (a one-time filter), the other is skipped
    `WITH matching AS MATERIALIZED (SELECT sc.schedule_id FROM sched_schedule sc WHERE ${where}),
          probed AS (SELECT count(*) <= ${PROBED_SCHEDULES} AS yes FROM (SELECT 1 FROM matching LIMIT ${PROBED_SCHEDULES + 1}) x),
          soonest AS (SELECT m.schedule_id FROM matching m
                        CROSS JOIN LATERAL (SELECT s.start_at, s.slot_id FROM sched_slot s
                                             WHERE s.schedule_id = m.schedule_id AND ${free}
                                             ORDER BY s.start_at, s.slot_id LIMIT 1) f
                       WHERE (SELECT yes FROM probed)
                       ORDER BY f.start_at, f.slot_id LIMIT ${n})
     SELECT * FROM (
       (SELECT ${columns} FROM soonest m
          JOIN sched_schedule sc ON sc.schedule_id = m.schedule_id
          CROSS JOIN LATERAL (SELECT s.slot_id, s.start_at, s.end_at FROM sched_slot s
                               WHERE s.schedule_id = m.schedule_id AND ${free}
                               ORDER BY s.start_at, s.slot_id LIMIT ${n}) s)
       UNION ALL
       (SELECT ${columns} FROM sched_schedule sc JOIN sched_slot s ON s.schedule_id = sc.schedule_id
         WHERE NOT (SELECT yes FROM probed) AND ${free} AND ${where}
         ORDER BY s.start_at, s.slot_id LIMIT ${n})
     ) found ORDER BY start_at, slot_id LIMIT ${n}`,
    values,
  );
  return rows.rows.map((r) => ({
    slotId: r.slot_id,
    start: new Date(r.start_at).toISOString(),
    end: new Date(r.end_at).toISOString(),
    scheduleId: r.schedule_id,
    practitioner: r.practitioner,
    role: r.role,
    location: r.location,
    mode: r.mode,
    fee: r.fee === null ? null : Number(r.fee),
  }));
}

export interface PractitionerAvailability {
  scheduleId: string;
  practitioner: string | null;
  role: string | null;
  location: string | null;
  mode: Mode;
  fee: number | null;
  languages: string[];
  specialties: string[];
  /** The next free slots (up to `perPractitioner`). */
  next: { slotId: string; start: string; end: string }[];
}

/** One line per schedule that matches, with its next free slots; the soonest first, then the others. */
export async function availabilityByPractitioner(
  db: SqlExecutor,
  q: AvailabilityQuery,
  options: { limit: number; perPractitioner: number },
): Promise<PractitionerAvailability[]> {
  const values: unknown[] = [q.from.toISOString(), q.to.toISOString()];
  const where = filters(q, values);
  const free = `s.status = 'free' AND s.start_at >= $1::timestamptz AND s.start_at < $2::timestamptz`;
  const rows = await db.query<{
    schedule_id: string;
    practitioner: string | null;
    role: string | null;
    location: string | null;
    mode: Mode;
    fee: string | null;
    languages: string[];
    specialties: string[];
    next: { slot_id: string; start_at: string; end_at: string }[] | null;
  }>(
    // the soonest first: each schedule's first free time (one index probe) orders and limits the
    // cards in the database; only the cards shown get their next few times
    `SELECT c.*,
            (SELECT json_agg(json_build_object('slot_id', f.slot_id, 'start_at', f.start_at, 'end_at', f.end_at) ORDER BY f.start_at)
               FROM (SELECT s.slot_id, s.start_at, s.end_at FROM sched_slot s
                      WHERE s.schedule_id = c.schedule_id AND ${free}
                      ORDER BY s.start_at LIMIT ${Math.min(Math.max(options.perPractitioner, 1), 20)}) f) AS next
       FROM (SELECT sc.schedule_id, sc.practitioner, sc.role, sc.location, sc.mode, sc.fee::text AS fee, sc.languages, sc.specialties,
                    (SELECT s.start_at FROM sched_slot s WHERE s.schedule_id = sc.schedule_id AND ${free}
                      ORDER BY s.start_at LIMIT 1) AS first
               FROM sched_schedule sc WHERE ${where.join(' AND ')}
              ORDER BY first NULLS LAST, sc.schedule_id LIMIT ${Math.min(Math.max(options.limit, 1), 100)}) c
      ORDER BY c.first NULLS LAST, c.schedule_id`,
    values,
  );
  const cards = rows.rows.map((r) => ({
    scheduleId: r.schedule_id,
    practitioner: r.practitioner,
    role: r.role,
    location: r.location,
    mode: r.mode,
    fee: r.fee === null ? null : Number(r.fee),
    languages: r.languages,
    specialties: r.specialties,
    next: (typeof r.next === 'string' ? JSON.parse(r.next) : (r.next ?? [])).map(
      (s: { slot_id: string; start_at: string; end_at: string }) => ({
        slotId: s.slot_id,
        start: new Date(s.start_at).toISOString(),
        end: new Date(s.end_at).toISOString(),
      }),
    ),
  }));
  return cards;
}
