/** `_history` at instance, type and system level, newest first, keyset-paged like search. */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { parseRange } from './dates.ts';
import { badRequest } from './outcome.ts';
import { unpackContent } from './packed.ts';
import { type AccessScope, versionScopeCondition } from './scope.ts';
import { SqlParams } from './search/sql-params.ts';
import type { SqlExecutor } from './sql.ts';

/**
 * A version's content, over a `resource_history` row aliased `h` joined with CURRENT_OF_VERSION,
 * read by versionContent(): a superseded version keeps its content in its history row, packed
 * (packed.ts; as JSON when written before, or by the write's fallback); the current one's is in
 * `resource` only (write.ts), joined when `h` is the current version.
 */
export const VERSION_CONTENT_COLUMNS = 'COALESCE(h.content, cur.content)::text AS content, h.packed';
export const CURRENT_OF_VERSION =
  'LEFT JOIN resource cur ON cur.resource_type = h.resource_type AND cur.id = h.id AND cur.version_id = h.version_id';

export function versionContent(row: { content: string | null; packed: Uint8Array | null }): string | null {
  return row.packed ? unpackContent(row.packed) : row.content;
}

export interface HistoryRequest {
  /** Only versions the caller may see, each judged by the patients it belonged to. */
  scope?: AccessScope;
  type?: string;
  id?: string;
  count: number;
  since?: string;
  cursor?: string;
}

interface HistoryRow {
  resource_type: string;
  id: string;
  version_id: string;
  last_updated: string;
  deleted: boolean;
  method: string;
  content: string | null;
  packed: Uint8Array | null;
  patients: string[];
}

export interface HistoryPage {
  entries: BundleEntry[];
  total?: number;
  nextCursor?: string;
  /** Patients whose versions are on this page (for the audit trail). */
  patients: string[];
}

export async function readHistory(
  db: SqlExecutor,
  req: HistoryRequest,
  baseUrl: string,
): Promise<HistoryPage> {
  const p = new SqlParams();
  const where: string[] = [];
  if (req.type) where.push(`h.resource_type = ${p.add(req.type, 'text')}`);
  if (req.id) where.push(`h.id = ${p.add(req.id, 'text')}`);
  if (req.since) {
    const range = parseRange(req.since);
    if (!range || !req.since.includes('T'))
      badRequest('_since must be an instant, e.g. 2024-01-01T00:00:00Z');
    where.push(`h.last_updated >= ${p.add(range!.low, 'timestamptz')}`);
  }
  if (req.cursor) {
    const [time, type, id, version] = decode(req.cursor);
    where.push(
      `(h.last_updated, h.resource_type, h.id, h.version_id) < (${p.add(time, 'timestamptz')}, ${p.add(type, 'text')}, ${p.add(id, 'text')}, ${p.add(version, 'bigint')})`,
    );
  }
  const scoped = versionScopeCondition(req.scope, 'h', p);
  if (scoped) where.push(scoped);
  const sql = `SELECT h.resource_type, h.id, h.version_id::text AS version_id,
      to_char(h.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated,
      h.deleted, h.method, ${VERSION_CONTENT_COLUMNS}, h.patients FROM resource_history h ${CURRENT_OF_VERSION}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY h.last_updated DESC, h.resource_type DESC, h.id DESC, h.version_id DESC LIMIT ${req.count + 1}`;
  const rows = (await db.query<HistoryRow>(sql, p.values)).rows;
  const page = rows.slice(0, req.count);
  const entries = page.map((row) => historyEntry(row, baseUrl));
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > req.count && last
      ? Buffer.from(
          JSON.stringify([last.last_updated, last.resource_type, last.id, last.version_id]),
        ).toString('base64url')
      : undefined;
  const patients = [...new Set(page.flatMap((row) => row.patients))];
  return {
    entries,
    nextCursor,
    total: !req.cursor && !nextCursor ? entries.length : undefined,
    patients,
  };
}

function decode(cursor: string): [string, string, string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 4 &&
      value.every((v) => typeof v === 'string') &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value[0]) &&
      Number.isFinite(Date.parse(value[0])) &&
      /^[A-Z][A-Za-z]+$/.test(value[1]) &&
      /^[A-Za-z0-9\-.]{1,64}$/.test(value[2]) &&
      /^\d{1,15}$/.test(value[3])
    )
      return value as [string, string, string, string];
  } catch {
    // fall through
  }
  return badRequest('Invalid _cursor for _history');
}

function historyEntry(row: HistoryRow, baseUrl: string): BundleEntry {
  const url = `${row.resource_type}/${row.id}`;
  const status = row.deleted ? '204' : row.version_id === '1' ? '201' : '200';
  const method = row.deleted ? 'DELETE' : row.version_id === '1' && row.method === 'POST' ? 'POST' : 'PUT';
  const content = row.deleted ? null : versionContent(row);
  return {
    fullUrl: `${baseUrl}/${url}`,
    ...(content ? { resource: JSON.parse(content) as Resource } : {}),
    request: { method: method as 'POST', url: method === 'POST' ? row.resource_type : url },
    response: { status, etag: `W/"${row.version_id}"`, lastModified: row.last_updated },
  };
}

export function historyBundle(page: HistoryPage, selfUrl: string, nextUrl?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link: [{ relation: 'self', url: selfUrl }, ...(nextUrl ? [{ relation: 'next', url: nextUrl }] : [])],
    entry: page.entries,
  };
}
