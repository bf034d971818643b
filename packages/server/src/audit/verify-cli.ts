/**
 * `npm run audit:verify [-- --anchor <seq>:<hash>] [--json]`: checks the whole hash chain of the
 * configured database (DATABASE_URL, or the embedded one under SAHTI_DATA_DIR) and exits 1 when it
 * is broken. The embedded database is single-process: stop the server before verifying it.
 */
import { parseArgs } from 'node:util';
import { readConfig } from '../config.ts';
import { openDatabase } from '../db/index.ts';
import { verifyAuditChain } from './verify.ts';

const { values } = parseArgs({ options: { anchor: { type: 'string' }, json: { type: 'boolean' } } });
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
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir || undefined });
try {
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
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await db.close();
}
