/**
 * Reading the trail, newest first, in keyset pages: a patient's "who accessed my record" and the
 * administrators' search. The cursor carries the last row's (recorded, seq), so pages neither skip
 * nor repeat events while new ones are appended.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { badRequest, type SqlExecutor, SqlParams } from '@sahti/fhir';
import type { AuditAction } from './codes.ts';

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

export async function searchAuditEvents(db: SqlExecutor, search: AuditSearch): Promise<AuditPage> {
  const count = Math.min(Math.max(Math.trunc(search.count ?? DEFAULT_AUDIT_COUNT), 1), MAX_AUDIT_COUNT);
  const params = new SqlParams();
  const where: string[] = [];
  if (search.patient !== undefined) {
    const id = search.patient.startsWith('Patient/')
      ? search.patient.slice('Patient/'.length)
      : search.patient;
    where.push(`patient_id = ${params.add(id, 'text')}`);
  }
  if (search.agent !== undefined) where.push(`actor = ${params.add(search.agent, 'text')}`);
  if (search.notAgent !== undefined) where.push(`actor <> ${params.add(search.notAgent, 'text')}`);
  if (search.since !== undefined)
    where.push(`recorded >= ${params.add(checkInstant(search.since), 'timestamptz')}`);
  if (search.before !== undefined)
    where.push(`recorded < ${params.add(checkInstant(search.before), 'timestamptz')}`);
  if (search.action !== undefined) where.push(`action = ${params.add(search.action, 'text')}`);
  if (search.outcome !== undefined) where.push(`outcome = ${params.add(search.outcome, 'text')}`);
  if (search.cursor !== undefined) {
    const after = decodeCursor(search.cursor);
    where.push(
      `(recorded, seq) < (${params.add(after.recorded, 'timestamptz')}, ${params.add(after.seq, 'bigint')})`,
    );
  }
  const result = await db.query<{ seq: number | string; recorded: Date | string; content: AuditEvent }>(
    `SELECT seq, recorded, content FROM audit_trail
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY recorded DESC, seq DESC LIMIT ${params.add(count + 1, 'int')}`,
    params.values,
  );
  const rows = result.rows.slice(0, count);
  const last = rows.at(-1);
  return {
    events: rows.map((r) => withId(r.content, r.seq)),
    ...(result.rows.length > count && last
      ? { nextCursor: encodeCursor(last.recorded, Number(last.seq)) }
      : {}),
  };
}

/** One event by its id (= its seq), or undefined. */
export async function readAuditEvent(db: SqlExecutor, id: string): Promise<AuditEvent | undefined> {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined;
  const result = await db.query<{ seq: number | string; content: AuditEvent }>(
    'SELECT seq, content FROM audit_trail WHERE seq = $1::bigint',
    [id],
  );
  const row = result.rows[0];
  return row ? withId(row.content, row.seq) : undefined;
}

/**
 * The content (merged with its context by the audit_trail view: stored-form.ts) has no id: an
 * AuditEvent's id is its seq.
 */
function withId(content: AuditEvent | string, seq: number | string): AuditEvent {
  const event: AuditEvent = typeof content === 'string' ? JSON.parse(content) : content;
  const { resourceType, ...rest } = event;
  return { resourceType, id: String(seq), ...rest };
}

function encodeCursor(recorded: Date | string, seq: number): string {
  const iso = (recorded instanceof Date ? recorded : new Date(recorded)).toISOString();
  return Buffer.from(`${iso}|${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { recorded: string; seq: number } {
  const [recorded, seq] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!recorded || !seq || !/^[0-9]{1,18}$/.test(seq) || Number.isNaN(Date.parse(recorded))) {
    badRequest('Invalid _cursor: use the next link of the previous page');
  }
  return { recorded, seq: Number(seq) };
}

function checkInstant(value: string): string {
  if (Number.isNaN(Date.parse(value))) badRequest(`Invalid date "${value}": use e.g. 2026-01-31T08:00:00Z`);
  return value;
}
