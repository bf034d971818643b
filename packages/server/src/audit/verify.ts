/**
 * Walks the whole audit trail in seq order, a page at a time, and recomputes every link of the
 * chain: seq gapless from 1, prev_hash equal to the previous row's hash, hash equal to SHA-256 of
 * the event as stored (its row's own part merged with its shared context: stored-form.ts; each
 * page's contexts read once), and the query columns (patient_id, patients, actor, action, outcome)
 * still those its content gives, and the rows of audit_patient exactly the patients an event
 * of several names (migration 1105) — so nobody can hide an access from "who accessed my record" by
 * editing a column or removing a patient's row.
 *
 * What a chain cannot show on its own: rows cut off the END (there is no later row to break). Keep
 * the head ({ seq, hash }) somewhere else now and then (logs, a notary) and pass it as `anchor`.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { SqlExecutor } from '@sahti/fhir';
import { canonicalJson, chainHash, GENESIS, instant } from './chain.ts';
import { auditColumns } from './event.ts';
import { parsedJson } from './stored-form.ts';

export interface AuditChainReport {
  ok: boolean;
  checked: number;
  /** The first seq that is missing or whose row does not check out. */
  firstBrokenSeq?: number;
  reason?: string;
  /** The last row checked: the head to keep as the next anchor. */
  head?: { seq: number; hash: string };
}

export interface VerifyOptions {
  pageSize?: number;
  /** A head recorded earlier: its row must still be there with the same hash. */
  anchor?: { seq: number; hash: string };
}

interface StoredRow {
  seq: number | string;
  recorded: Date | string;
  patient_id: string | null;
  /** The number of patients of an event naming several (migration 1105), else null. */
  patients: number | null;
  actor: string;
  action: string;
  outcome: string;
  /** The whole event (rows written before migration 1104), or its own part. */
  content: AuditEvent | string;
  /** The digest of its context in audit_context; null for a row that holds the whole event. */
  context: string | null;
  prev_hash: string;
  hash: string;
}

/** The patients' rows of a page of events (seq first to last), as seq → `k patient recorded` lines. */
async function patientRowsOf(db: SqlExecutor, first: number, last: number): Promise<Map<number, string[]>> {
  const result = await db.query<{
    seq: number | string;
    k: number;
    patient_id: string;
    recorded: Date | string;
  }>(
    `SELECT seq, k, patient_id, recorded FROM audit_patient
     WHERE seq BETWEEN $1::bigint AND $2::bigint ORDER BY seq, k`,
    [first, last],
  );
  const found = new Map<number, string[]>();
  for (const row of result.rows) {
    const seq = Number(row.seq);
    const list = found.get(seq) ?? [];
    list.push(`${row.k} ${row.patient_id} ${instant(row.recorded)}`);
    found.set(seq, list);
  }
  return found;
}

/** The contexts a page of rows names, by digest (one query per page). */
async function contextsOf(db: SqlExecutor, rows: StoredRow[]): Promise<Map<string, object>> {
  const digests = [...new Set(rows.flatMap((row) => (row.context === null ? [] : [row.context])))];
  const found = new Map<string, object>();
  if (digests.length === 0) return found;
  const result = await db.query<{ digest: string; content: object | string }>(
    'SELECT digest, content FROM audit_context WHERE digest = ANY($1::text[])',
    [digests],
  );
  for (const row of result.rows) found.set(row.digest, parsedJson(row.content));
  return found;
}

export async function verifyAuditChain(
  db: SqlExecutor,
  options: VerifyOptions = {},
): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 5000;
  let expectedSeq = 1;
  let prevHash = GENESIS;
  let checked = 0;
  const broken = (seq: number, reason: string): AuditChainReport => ({
    ok: false,
    checked,
    firstBrokenSeq: seq,
    reason,
  });
  for (;;) {
    const page = await db.query<StoredRow>(
      `SELECT seq, recorded, patient_id, patients, actor, action, outcome, content, context, prev_hash, hash
       FROM audit_event WHERE seq >= $1::bigint ORDER BY seq LIMIT $2::int`,
      [expectedSeq, pageSize],
    );
    const contexts = await contextsOf(db, page.rows);
    const last = page.rows.at(-1);
    const patientRows = last ? await patientRowsOf(db, expectedSeq, Number(last.seq)) : new Map();
    for (const row of page.rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq)
        return broken(expectedSeq, `seq ${expectedSeq} is missing (next row is ${seq})`);
      if (row.prev_hash !== prevHash) {
        return broken(seq, `prev_hash of seq ${seq} is not the hash of seq ${seq - 1}`);
      }
      const context = row.context === null ? {} : contexts.get(row.context);
      if (!context) return broken(seq, `seq ${seq} was altered: its context is missing`);
      const content: AuditEvent = { ...context, ...parsedJson(row.content) };
      const hash = chainHash(prevHash, canonicalJson(content), seq, instant(row.recorded));
      if (hash !== row.hash)
        return broken(seq, `seq ${seq} was altered: its hash does not match its content`);
      const columns = auditColumns(content);
      for (const key of ['patient_id', 'actor', 'action', 'outcome'] as const) {
        if (columns[key] !== row[key]) {
          return broken(seq, `seq ${seq} was altered: column ${key} does not match its content`);
        }
      }
      const several = columns.patients.length > 1 ? columns.patients : [];
      if ((row.patients === null ? 0 : Number(row.patients)) !== several.length)
        return broken(seq, `seq ${seq} was altered: column patients does not match its content`);
      const expected = several.map((patient, k) => `${k + 1} ${patient} ${instant(row.recorded)}`);
      if ((patientRows.get(seq) ?? []).join('\n') !== expected.join('\n'))
        return broken(seq, `seq ${seq} was altered: its patients' rows do not match its content`);
      checked += 1;
      expectedSeq = seq + 1;
      prevHash = hash;
    }
    if (page.rows.length < pageSize) break;
  }
  const head = checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : undefined;
  const anchor = options.anchor;
  if (anchor) {
    if (!head || head.seq < anchor.seq) {
      return broken(head ? head.seq + 1 : 1, `the trail ends before the anchor at seq ${anchor.seq}`);
    }
    const row = await db.query<{ hash: string }>('SELECT hash FROM audit_event WHERE seq = $1::bigint', [
      anchor.seq,
    ]);
    if (row.rows[0]?.hash !== anchor.hash)
      return broken(anchor.seq, `seq ${anchor.seq} differs from the anchor`);
  }
  return { ok: true, checked, ...(head ? { head } : {}) };
}
