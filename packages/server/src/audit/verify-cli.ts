/**
 * `npm run audit:verify [-- --anchor <seq>:<hash> | --anchor-file <file>] [--json]`: checks the whole
 * hash chain of the configured database (DATABASE_URL, or the embedded one under SAHTI_DATA_DIR) and
 * exits 1 when it is broken. With an anchor file (default SAHTI_AUDIT_ANCHOR_FILE), its last signed
 * anchor must verify with the platform's key and its row must still be in the chain, unchanged.
 * The embedded database is single-process: stop the server before verifying it.
 */
import { parseArgs } from 'node:util';
import { secretKeyFrom } from '../auth/config.ts';
import { SigningKeys } from '../auth/keys.ts';
import { openDatabase } from '../db/index.ts';
import { readConfig } from '../kernel/config.ts';
import { lastAnchorIn, verifyAnchor } from './anchor.ts';
import { verifyAuditChain } from './verify.ts';

const { values } = parseArgs({
  options: { anchor: { type: 'string' }, 'anchor-file': { type: 'string' }, json: { type: 'boolean' } },
});
const anchorFile = values['anchor-file'] ?? process.env.SAHTI_AUDIT_ANCHOR_FILE;
let anchor: { seq: number; hash: string } | undefined;
if (values.anchor) {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(values.anchor);
  if (!match) {
    console.error('--anchor must be <seq>:<64 hex characters>, as printed by a previous run');
    process.exit(2);
  }
  anchor = { seq: Number(match[1]), hash: match[2] };
}

const config = readConfig();
const db = await openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir || undefined,
  embeddedSharedBuffers: config.embeddedSharedBuffers,
});
try {
  process.exitCode = await verify();
} finally {
  await db.close();
}

async function verify(): Promise<number> {
  if (!anchor && anchorFile) {
    try {
      const keys = new SigningKeys(db, secretKeyFrom(process.env));
      const signed = await verifyAnchor(await lastAnchorIn(anchorFile), keys);
      anchor = { seq: signed.seq, hash: signed.hash };
      if (!values.json) console.log(`anchor from ${anchorFile}: seq ${signed.seq}, signed ${signed.at}`);
    } catch (err) {
      console.log(`audit anchor REFUSED (${anchorFile}): ${(err as Error).message}`);
      return 1;
    }
  }
  const started = performance.now();
  const report = await verifyAuditChain(db, anchor ? { anchor } : {});
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.json) console.log(JSON.stringify(report));
  else if (report.ok) {
    const head = report.head
      ? `; head ${report.head.seq}:${report.head.hash} (keep it as the next --anchor)`
      : '';
    console.log(`audit trail intact: ${report.checked} events checked in ${seconds} s${head}`);
  } else {
    console.log(`audit trail BROKEN (first broken seq ${report.firstBrokenSeq}): ${report.reason}`);
    console.log(`(${report.checked} events before it check out)`);
  }
  return report.ok ? 0 : 1;
}
