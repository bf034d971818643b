/**
 * Anchors of the audit chain: the head (seq, hash) signed with the platform's key (ES256 JWS) and
 * exported where the database cannot reach — appended to a file an operator ships elsewhere
 * (SAHTI_AUDIT_ANCHOR_FILE) and written as a log line. A chain cut at its end leaves no broken
 * link; a kept anchor shows it: `npm run audit:verify` checks the chain still holds the last
 * anchor's row with the same hash, and that the anchor was signed by this platform.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SqlExecutor } from '@sahti/fhir';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { SigningKeys } from '../auth/keys.ts';

export interface AuditAnchor {
  seq: number;
  hash: string;
  /** ISO instant the anchor was made. */
  at: string;
  /** The JWS (compact) over {seq, hash, at}, signed with the platform key. */
  jws: string;
}

const TYPE = 'sahti-audit-anchor+jws';

/** Signs the current head; undefined when the trail is still empty. */
export async function makeAnchor(db: SqlExecutor, keys: SigningKeys): Promise<AuditAnchor | undefined> {
  const head = (
    await db.query<{ head_seq: string; hash: string }>(
      'SELECT seq::text AS head_seq, hash FROM audit_event ORDER BY audit_event.seq DESC LIMIT 1',
    )
  ).rows[0];
  if (!head) return undefined;
  const payload = { seq: Number(head.head_seq), hash: head.hash, at: new Date().toISOString() };
  const { kid, key } = await keys.current();
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid, typ: TYPE })
    .sign(key);
  await db.query(
    'INSERT INTO audit_anchor (seq, hash, anchored_at, jws) VALUES ($1::bigint, $2::text, $3::timestamptz, $4::text)',
    [payload.seq, payload.hash, payload.at, jws],
  );
  return { ...payload, jws };
}

/** Appends the anchor as one JSON line (the file is the operator's to copy off the machine). */
export async function exportAnchor(anchor: AuditAnchor, file: string | undefined): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(anchor)}\n`, { mode: 0o600 });
}

/** The last anchor of a file written by exportAnchor (blank lines ignored). */
export async function lastAnchorIn(file: string): Promise<AuditAnchor> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  if (lines.length === 0) throw new Error(`${file} holds no anchor`);
  return JSON.parse(lines[lines.length - 1]) as AuditAnchor;
}

/** Checks an anchor's signature with the platform's public keys; returns what it signs. */
export async function verifyAnchor(
  anchor: AuditAnchor,
  keys: SigningKeys,
): Promise<{ seq: number; hash: string; at: string }> {
  const header = decodeProtectedHeader(anchor.jws);
  if (header.typ !== TYPE) throw new Error('not an audit anchor');
  const key = await keys.verificationKey(header.kid);
  if (!key) throw new Error(`the anchor was signed with an unknown key (${header.kid ?? 'no kid'})`);
  const { payload } = await compactVerify(anchor.jws, key);
  const signed = JSON.parse(new TextDecoder().decode(payload)) as { seq: number; hash: string; at: string };
  if (signed.seq !== anchor.seq || signed.hash !== anchor.hash)
    throw new Error('the anchor line does not match its signature');
  return signed;
}
