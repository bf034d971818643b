/**
 * Walks the whole audit trail in seq order, a page at a time, and recomputes every link of the
 * chain: seq gapless from 1, prev_hash equal to the previous row's hash, hash equal to SHA-256 of
 * the event as stored (its row's own part merged with its shared context: stored-form.ts, read
 * through the audit_trail view), and the query columns (patient_id, actor, action, outcome) still those its
 * content gives — so nobody can hide an access from "who accessed my record" by editing a column.
 *
 * What a chain cannot show on its own: rows cut off the END (there is no later row to break). Keep
 * the head ({ seq, hash }) somewhere else now and then (logs, a notary) and pass it as `anchor`.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { SqlExecutor } from '@sahti/fhir';
import { canonicalJson, chainHash, GENESIS, instant } from './chain.ts';
import { auditColumns } from './event.ts';

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
  actor: string;
  action: string;
  outcome: string;
  /** Null when the row names a context that is not stored. */
  content: AuditEvent | string | null;
  prev_hash: string;
  hash: string;
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
      `SELECT seq, recorded, patient_id, actor, action, outcome, content, prev_hash, hash
       FROM audit_trail WHERE seq >= $1::bigint ORDER BY seq LIMIT $2::int`,
      [expectedSeq, pageSize],
    );
    for (const row of page.rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq)
        return broken(expectedSeq, `seq ${expectedSeq} is missing (next row is ${seq})`);
      if (row.prev_hash !== prevHash) {
        return broken(seq, `prev_hash of seq ${seq} is not the hash of seq ${seq - 1}`);
      }
      if (row.content === null) return broken(seq, `seq ${seq} was altered: its context is missing`);
      const content: AuditEvent = typeof row.content === 'string' ? JSON.parse(row.content) : row.content;
      const hash = chainHash(prevHash, canonicalJson(content), seq, instant(row.recorded));
      if (hash !== row.hash)
        return broken(seq, `seq ${seq} was altered: its hash does not match its content`);
      const columns = auditColumns(content);
      for (const key of ['patient_id', 'actor', 'action', 'outcome'] as const) {
        if (columns[key] !== row[key]) {
          return broken(seq, `seq ${seq} was altered: column ${key} does not match its content`);
        }
      }
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
