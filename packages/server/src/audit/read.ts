/**
 * Reading the trail, newest first, in keyset pages: a patient's "who accessed my record" and the
 * administrators' search. The cursor carries the last event's (recorded, seq, k), so pages neither
 * skip nor repeat events while new ones are appended. An access to several patients is stored once and
 * read as one event per patient (migration 1105, event.ts eventOfPatient): its events share the seq,
 * `k` tells them apart, and their ids are `<seq>-<k>`; any other event's id is its seq.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { badRequest, type SqlExecutor, SqlParams } from '@sahti/fhir';
import type { AuditAction } from './codes.ts';
import { eventOfPatient } from './event.ts';
import { parsedJson } from './stored-form.ts';

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export interface AuditSearch {
  /** Bare id or `Patient/x`. */
  patient?: string;
  /** The actor column: `Practitioner/12`, `Patient/7`, `account:<id>` or `client:<client_id>`. */
  agent?: string;
  /** Leaves out this actor's events (a patient's own, in their access log). */
  notAgent?: string;
  /** Recorded at or after this instant. */
  since?: string;
  /** Recorded before this instant. */
  before?: string;
  action?: AuditAction;
  /** '0' success, '4' minor failure, '8' serious failure. */
  outcome?: string;
  count?: number;
  cursor?: string;
}

export const DEFAULT_AUDIT_COUNT = 50;
export const MAX_AUDIT_COUNT = 1000;

export function listAccessesToPatient(
  db: SqlExecutor,
  patientId: string,
  page: { count?: number; cursor?: string; othersOnly?: boolean } = {},
): Promise<AuditPage> {
  const { othersOnly, ...rest } = page;
  const id = patientId.startsWith('Patient/') ? patientId.slice('Patient/'.length) : patientId;
  return searchAuditEvents(db, {
    ...rest,
    patient: id,
    ...(othersOnly ? { notAgent: `Patient/${id}` } : {}),
  });
}

/**
 * One page of events, in two steps: which events (seq, k) — thin rows, each range read by an index
 * in the order asked, never a merged content — then the page's contents, each event's own. A
 * patient's events are their rows of either kind (an access to them alone, or their row of an
 * access to several), one range of each index merged; the other searches read the trail's rows and
 * expand each access to several into its patients' events, k from last to first.
 */
export async function searchAuditEvents(db: SqlExecutor, search: AuditSearch): Promise<AuditPage> {
  const count = Math.min(Math.max(Math.trunc(search.count ?? DEFAULT_AUDIT_COUNT), 1), MAX_AUDIT_COUNT);
  const params = new SqlParams();
  const where: string[] = [];
  if (search.agent !== undefined) where.push(`e.actor = ${params.add(search.agent, 'text')}`);
  if (search.notAgent !== undefined) where.push(`e.actor <> ${params.add(search.notAgent, 'text')}`);
  if (search.action !== undefined) where.push(`e.action = ${params.add(search.action, 'text')}`);
  if (search.outcome !== undefined) where.push(`e.outcome = ${params.add(search.outcome, 'text')}`);
  const after = search.cursor === undefined ? undefined : decodeCursor(search.cursor);
  const afterAt = after ? params.add(after.recorded, 'timestamptz') : '';
  const afterSeq = after ? params.add(after.seq, 'bigint') : '';
  // the instant is each branch's own column, so that each range is read by its index in order
  const range = (table: string): string[] => [
    ...(search.since !== undefined
      ? [`${table}.recorded >= ${params.add(checkInstant(search.since), 'timestamptz')}`]
      : []),
    ...(search.before !== undefined
      ? [`${table}.recorded < ${params.add(checkInstant(search.before), 'timestamptz')}`]
      : []),
    ...(after ? [`(${table}.recorded, ${table}.seq) <= (${afterAt}, ${afterSeq})`] : []),
  ];
  // one more than the page, and with a cursor one more again: the cursor's own row comes back (and,
  // for an access to several, its events already given)
  const limit = params.add(count + (after ? 2 : 1), 'int');
  const and = (conditions: string[]) => (conditions.length ? ` AND ${conditions.join(' AND ')}` : '');
  let rows: Thin[];
  if (search.patient !== undefined) {
    const id = search.patient.startsWith('Patient/')
      ? search.patient.slice('Patient/'.length)
      : search.patient;
    const patient = params.add(id, 'text');
    const result = await db.query<Thin>(
      `(SELECT e.seq, 0 AS k, e.recorded, 0 AS patients FROM audit_event e
        WHERE e.patient_id = ${patient}${and([...where, ...range('e')])}
        ORDER BY e.recorded DESC, e.seq DESC LIMIT ${limit})
       UNION ALL
       (SELECT p.seq, p.k, p.recorded, 0 AS patients FROM audit_patient p JOIN audit_event e ON e.seq = p.seq
        WHERE p.patient_id = ${patient}${and([...where, ...range('p')])}
        ORDER BY p.recorded DESC, p.seq DESC LIMIT ${limit})
       ORDER BY recorded DESC, seq DESC LIMIT ${limit}`,
      params.values,
    );
    rows = result.rows;
  } else {
    const result = await db.query<Thin>(
      `SELECT e.seq, 0 AS k, e.recorded, coalesce(e.patients, 0) AS patients FROM audit_event e
       WHERE true${and([...where, ...range('e')])}
       ORDER BY e.recorded DESC, e.seq DESC LIMIT ${limit}`,
      params.values,
    );
    rows = result.rows.flatMap((row) =>
      row.patients > 0
        ? Array.from({ length: row.patients }, (_, i) => ({ ...row, k: row.patients - i }))
        : [row],
    );
  }
  // the cursor's event and those before it in its access were on the last page
  if (after) rows = rows.filter((r) => Number(r.seq) !== after.seq || (after.k > 0 && r.k < after.k));
  const page = rows.slice(0, count);
  const last = page.at(-1);
  return {
    events: await eventsOf(db, page),
    ...(rows.length > count && last ? { nextCursor: encodeCursor(last) } : {}),
  };
}

/** An event of the trail, before its content is read: its access's seq, and k > 0 for one patient's of several. */
interface Thin {
  seq: number | string;
  k: number;
  recorded: Date | string;
  /** The trail row's patients, when it names several. */
  patients: number;
}

/**
 * The events, in the order given: an access's row merged with its context, and for one patient's
 * event of an access to several (k > 0), that patient's own (event.ts eventOfPatient). Read by
 * primary key, each access once however many of its events the page holds; merged here, as
 * verification does, not as jsonb.
 */
async function eventsOf(db: SqlExecutor, events: Thin[]): Promise<AuditEvent[]> {
  if (events.length === 0) return [];
  // each access once, however many of its patients' events the page holds
  const seqs = [...new Set(events.map((e) => String(e.seq)))];
  const accesses = await db.query<{
    seq: number | string;
    content: AuditEvent | string;
    context: object | string | null;
  }>(
    `SELECT e.seq, e.content, c.content AS context FROM audit_event e
     LEFT JOIN audit_context c ON c.digest = e.context WHERE e.seq = ANY($1::bigint[])`,
    [seqs],
  );
  const whole = new Map<string, AuditEvent>();
  for (const row of accesses.rows)
    whole.set(String(row.seq), { ...parsedJson(row.context ?? {}), ...parsedJson(row.content) });
  const ofSeveral = events.filter((e) => e.k > 0);
  const patients = new Map<string, string>();
  if (ofSeveral.length > 0) {
    const rows = await db.query<{ seq: number | string; k: number; patient_id: string }>(
      `SELECT p.seq, p.k, p.patient_id FROM unnest($1::bigint[], $2::smallint[]) AS x(seq, k)
       JOIN audit_patient p ON p.seq = x.seq AND p.k = x.k`,
      [ofSeveral.map((e) => e.seq), ofSeveral.map((e) => e.k)],
    );
    for (const row of rows.rows) patients.set(`${row.seq}-${row.k}`, row.patient_id);
  }
  return events.flatMap((e) => {
    const event = whole.get(String(e.seq));
    const id = e.k > 0 ? `${e.seq}-${e.k}` : String(e.seq);
    const patient = patients.get(id);
    if (!event || (e.k > 0 && patient === undefined)) return [];
    const { resourceType, ...rest } = patient === undefined ? event : eventOfPatient(event, patient);
    return [{ resourceType, id, ...rest }];
  });
}

/** One event by its id (`<seq>`, or `<seq>-<k>` for one patient's event of an access to several), or undefined. */
export async function readAuditEvent(db: SqlExecutor, id: string): Promise<AuditEvent | undefined> {
  const match = /^([1-9][0-9]{0,17})(?:-([1-9][0-9]{0,3}))?$/.exec(id);
  if (!match) return undefined;
  const k = Number(match[2] ?? 0);
  if (k === 0) {
    // an access to several patients has no event of its own: only each patient's
    const several = await db.query<{ patients: number | null }>(
      'SELECT patients FROM audit_event WHERE seq = $1::bigint',
      [match[1]],
    );
    if (several.rows[0]?.patients) return undefined;
  }
  return (await eventsOf(db, [{ seq: match[1], k, recorded: '', patients: 0 }]))[0];
}

function encodeCursor(row: Thin): string {
  const iso = (row.recorded instanceof Date ? row.recorded : new Date(row.recorded)).toISOString();
  return Buffer.from(`${iso}|${row.seq}|${row.k}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { recorded: string; seq: number; k: number } {
  const [recorded, seq, k = '0'] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (
    !recorded ||
    !seq ||
    !/^[0-9]{1,18}$/.test(seq) ||
    !/^[0-9]{1,4}$/.test(k) ||
    Number.isNaN(Date.parse(recorded))
  ) {
    badRequest('Invalid _cursor: use the next link of the previous page');
  }
  return { recorded, seq: Number(seq), k: Number(k) };
}

function checkInstant(value: string): string {
  if (Number.isNaN(Date.parse(value))) badRequest(`Invalid date "${value}": use e.g. 2026-01-31T08:00:00Z`);
  return value;
}
