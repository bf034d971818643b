/**
 * The trip search: centres able to take the whole stay at the patient's rhythm, nearest to where
 * they stay, in their language. Centres come from dial_centre (ranked by distance in SQL), their free
 * guest chairs from the scheduling projection (sched_slot joined to dial_chair, one statement per
 * batch of centres, the nearest `MAX_CENTRES_READ` at most), and the plan of sessions from
 * rhythm.ts. Centres whose chairs never work the days the stay needs (dial_chair.weekdays) are passed
 * over before any slot is read. Centres that need more notice than the stay leaves are listed last, without a plan.
 */
import type { SqlExecutor } from '@sahti/fhir';
import { addDays, localToInstant, type Weekday, zoneOffsetMinutes } from '../scheduling/calendar.ts';
import { readSchedulingSettings } from '../scheduling/settings.ts';
import type { Destination } from './places.ts';
import { couldKeepRhythm, type PlannedSession, planStay } from './rhythm.ts';
import { type ChairKind, type Shift, shiftOfHour } from './terms.ts';

export interface TripQuery {
  destination: Destination;
  arrival: string;
  departure: string;
  homeDays: Weekday[];
  shift?: Shift;
  language?: string;
  chairKind: ChairKind;
  limit: number;
  today: string;
}

export interface CentreRow {
  service_id: string;
  organization: string;
  location: string | null;
  name: string;
  city: string | null;
  country: string;
  lat: number | null;
  lon: number | null;
  languages: string[];
  coverages: string[];
  price: string | null;
  currency: string | null;
  serology_days: number;
  labs_days: number;
  notice_days: number;
}

export interface TripResult {
  service: string;
  organization: string;
  location: string | null;
  name: string;
  city: string | null;
  country: string;
  abroad: boolean;
  distanceKm?: number;
  languages: string[];
  coverages: string[];
  price?: { value: number; currency: string };
  rules: { serologyWindowDays: number; labsWindowDays: number; minNoticeDays: number };
  /** Too little notice for this centre: no plan offered. */
  noticeTooShort: boolean;
  sessions: (PlannedSession & { start: string })[];
}

export const CENTRE_COLUMNS =
  'service_id, organization, location, name, city, country, lat, lon, languages, coverages, price::text AS price, currency, serology_days, labs_days, notice_days';

export function resultOf(c: CentreRow, distance: number | undefined, notice: boolean): TripResult {
  return {
    service: `HealthcareService/${c.service_id}`,
    organization: c.organization,
    location: c.location,
    name: c.name,
    city: c.city,
    country: c.country,
    abroad: c.country !== 'MA',
    ...(distance !== undefined ? { distanceKm: Math.round(distance) } : {}),
    languages: c.languages,
    coverages: c.coverages,
    ...(c.price !== null ? { price: { value: Number(c.price), currency: c.currency ?? 'MAD' } } : {}),
    rules: { serologyWindowDays: c.serology_days, labsWindowDays: c.labs_days, minNoticeDays: c.notice_days },
    noticeTooShort: notice,
    sessions: [],
  };
}

/** Free guest chairs by local day and shift, for a batch of centres: service → date → shift → start. */
export async function freeCapacity(
  db: SqlExecutor,
  services: string[],
  kind: ChairKind,
  arrival: string,
  departure: string,
): Promise<Map<string, Map<string, Map<Shift, string>>>> {
  const from = new Date(Math.max(earliestBookable().getTime(), localToInstant(arrival, '00:00').getTime()));
  const to = localToInstant(addDays(departure, 1), '00:00');
  // The time range is written as (schedule_id, start_at) bounds so that it can only be read from the
  // per-chair index: without statistics (PGlite is never analysed) the planner otherwise walked the
  // whole range of every chair's slots once per chair — 2.4 s instead of 36 ms for 40 centres.
  // Starts come back as sorted epoch minutes, one row per centre: parsing a timestamp per slot row
  // (hundreds per centre over two weeks) cost more than the query itself.
  const rows = await db.query<{ service_id: string; minutes: number[] }>(
    `SELECT service_id, array_agg(minute ORDER BY minute) AS minutes FROM (
       SELECT DISTINCT ch.service_id, (extract(epoch FROM s.start_at)::bigint / 60)::int AS minute
         FROM dial_chair ch
         JOIN sched_slot s ON s.schedule_id = ch.schedule_id
          AND (s.schedule_id, s.start_at) >= (ch.schedule_id, $3::timestamptz)
          AND (s.schedule_id, s.start_at) < (ch.schedule_id, $4::timestamptz)
        WHERE ch.service_id = ANY($1::text[]) AND ch.kind = $2::text AND s.status = 'free') free
      GROUP BY service_id`,
    [services, kind, from.toISOString(), to.toISOString()],
  );
  const out = new Map<string, Map<string, Map<Shift, string>>>();
  const dates = new Map<number, string>();
  for (const row of rows.rows) {
    const byDate = new Map<string, Map<Shift, string>>();
    for (const minute of row.minutes) {
      // local day and hour from the zone's offset (cached by minute): no Date formatting per slot
      const local = minute + zoneOffsetMinutes(new Date(minute * 60_000));
      const day = Math.floor(local / 1440);
      let date = dates.get(day);
      if (date === undefined) {
        date = new Date(day * 86_400_000).toISOString().slice(0, 10);
        dates.set(day, date);
      }
      const byShift = byDate.get(date) ?? new Map<Shift, string>();
      const shift = shiftOfHour(Math.floor((local - day * 1440) / 60));
      // ascending minutes: the first start seen for a shift is its earliest
      if (!byShift.has(shift)) byShift.set(shift, new Date(minute * 60_000).toISOString());
      byDate.set(date, byShift);
    }
    out.set(row.service_id, byDate);
  }
  return out;
}

/** The weekdays a centre's chairs of the kind asked for may work (dial_chair.weekdays, a superset of
 * their slots' days), from one array per chair; null when a chair's are not known yet (then every
 * day is possible), none when it has no chair of the kind. */
export function chairWeekdays(chairs: (Weekday[] | null)[] | null): Set<Weekday> | null {
  const out = new Set<Weekday>();
  for (const days of chairs ?? []) {
    if (days === null) return null;
    for (const day of days) out.add(day);
  }
  return out;
}

/** Centres read per query: a first batch sized to the page asked for (most nearby centres have a
 * plan, so it usually suffices — each centre costs a two-week scan of its chairs), then larger ones. */
const FIRST_BATCH_PER_RESULT = 2;
const BATCH = 40;
/** The nearest centres read at most: beyond them a centre is hours from where the patient stays, and
 * a search that finds no plan must not read every chair of the network to say so. */
export const MAX_CENTRES_READ = 120;

/** The earliest start scheduling's booking rule still lets anyone book (its minimum notice, and a margin). */
export function earliestBookable(): Date {
  return new Date(Date.now() + (readSchedulingSettings().minNoticeMinutes + 5) * 60_000);
}

export async function searchTrip(db: SqlExecutor, q: TripQuery): Promise<TripResult[]> {
  const d = q.destination;
  // ranked in SQL (same town first, then by great-circle distance, then by name) so that only the
  // centres the search may read travel to the server: 120 rows instead of the whole network
  const candidates = (
    await db.query<CentreRow & { distance_km: number | null; chair_days: (Weekday[] | null)[] | null }>(
      `WITH ranked AS (SELECT ${CENTRE_COLUMNS},
              lower(coalesce(city, '')) = lower($3::text) AS same_city,
              CASE WHEN $1::float8 IS NULL OR lat IS NULL OR lon IS NULL THEN NULL
                   ELSE 2 * 6371 * asin(sqrt(
                     power(sin(radians(lat - $1::float8) / 2), 2)
                     + cos(radians($1::float8)) * cos(radians(lat)) * power(sin(radians(lon - $2::float8) / 2), 2)))
              END AS distance_km
         FROM dial_centre
        WHERE active AND country = $4::text AND ($5::text IS NULL OR $5::text = ANY(languages))
        ORDER BY same_city DESC, distance_km ASC NULLS LAST, name
        LIMIT $6::int)
       SELECT ranked.*,
              (SELECT json_agg(ch.weekdays) FROM dial_chair ch
                WHERE ch.service_id = ranked.service_id AND ch.kind = $7::text) AS chair_days
         FROM ranked
        ORDER BY same_city DESC, distance_km ASC NULLS LAST, name`,
      [d.lat ?? null, d.lon ?? null, d.city, d.country, q.language ?? null, MAX_CENTRES_READ, q.chairKind],
    )
  ).rows.map((c) => ({ c, distance: c.distance_km ?? undefined, days: chairWeekdays(c.chair_days) }));
  // centres whose chairs never work the days the stay needs are passed over before reading a slot:
  // without this a search that finds no plan read the two weeks of every chair of 120 centres. Few
  // centres differ in their days (a handful of weekly patterns), so each set is planned once.
  const keepsRhythmOn = new Map<string, boolean>();
  const couldKeep = (days: Set<Weekday> | null): boolean => {
    const key = days === null ? 'any' : [...days].sort().join();
    let ok = keepsRhythmOn.get(key);
    if (ok === undefined) {
      ok = couldKeepRhythm(q, days);
      keepsRhythmOn.set(key, ok);
    }
    return ok;
  };
  const noticeOk = (c: CentreRow) => addDays(q.today, c.notice_days) <= q.arrival;
  const feasible = candidates.filter(({ c, days }) => !noticeOk(c) || couldKeep(days));
  const results: TripResult[] = [];
  const late: TripResult[] = [];
  for (let i = 0; i < feasible.length && results.length < q.limit; ) {
    const size = i === 0 ? Math.min(BATCH, Math.max(4, q.limit * FIRST_BATCH_PER_RESULT)) : BATCH;
    const batch = feasible.slice(i, i + size);
    i += size;
    const capacity = await freeCapacity(
      db,
      batch.filter((x) => noticeOk(x.c)).map((x) => x.c.service_id),
      q.chairKind,
      q.arrival,
      q.departure,
    );
    for (const { c, distance } of batch) {
      if (!noticeOk(c)) {
        late.push(resultOf(c, distance, true));
        continue;
      }
      const days = capacity.get(c.service_id) ?? new Map<string, Map<Shift, string>>();
      const plan = planStay({
        arrival: q.arrival,
        departure: q.departure,
        homeDays: q.homeDays,
        ...(q.shift ? { preferredShift: q.shift } : {}),
        capacity: new Map([...days].map(([date, shifts]) => [date, [...shifts.keys()]])),
      });
      if (!plan.ok) continue;
      results.push({
        ...resultOf(c, distance, false),
        sessions: plan.sessions.map((s) => ({ ...s, start: days.get(s.date)?.get(s.shift) as string })),
      });
      if (results.length >= q.limit) break;
    }
  }
  return [...results, ...late.slice(0, Math.max(0, q.limit - results.length))];
}
