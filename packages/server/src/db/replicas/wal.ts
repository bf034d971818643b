/**
 * Positions in PostgreSQL's write-ahead log (LSNs, printed `16/B374D848`) as numbers, and the one
 * subtlety of comparing a primary's position with what a standby has replayed.
 */

/** `16/B374D848` → 0x16B374D848. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: "${text}"`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** How WAL pages are laid out on this server (`wal_block_size`, `wal_segment_size`). */
export interface WalLayout {
  blockSize: number;
  segmentSize: number;
}

export const DEFAULT_WAL_LAYOUT: WalLayout = { blockSize: 8192, segmentSize: 16 * 1024 * 1024 };

/** Page headers on 64-bit builds: the long one opens each segment, the short one every other page. */
const SHORT_PAGE_HEADER = 24n;
const LONG_PAGE_HEADER = 40n;

/**
 * The end of the WAL that `pg_current_wal_insert_lsn()` covers. The insert position of a primary
 * whose last record ended exactly on a page boundary is reported *after* the next page's header
 * (where the next record will go), while a standby that replayed that last record reports the
 * boundary itself — an idle primary would then look forever ahead of a standby that holds all of
 * it. No record ends inside a page header, so the boundary is the same position for our purpose.
 */
export function walEnd(insertLsn: bigint, layout: WalLayout = DEFAULT_WAL_LAYOUT): bigint {
  if (insertLsn % BigInt(layout.segmentSize) === LONG_PAGE_HEADER) return insertLsn - LONG_PAGE_HEADER;
  if (insertLsn % BigInt(layout.blockSize) === SHORT_PAGE_HEADER) return insertLsn - SHORT_PAGE_HEADER;
  return insertLsn;
}
