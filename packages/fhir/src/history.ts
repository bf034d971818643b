/** `_history` at instance, type and system level, newest first, keyset-paged like search. */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { parseRange } from './dates.ts';
import { badRequest } from './outcome.ts';
import type { SqlExecutor } from './sql.ts';

export interface HistoryRequest {
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
}

export interface HistoryPage {
  entries: BundleEntry[];
  total?: number;
  nextCursor?: string;
}

export async function readHistory(
  db: SqlExecutor,
  req: HistoryRequest,
  baseUrl: string,
): Promise<HistoryPage> {
  const params: unknown[] = [];
  const add = (v: unknown, cast: string): string => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  const where: string[] = [];
  if (req.type) where.push(`resource_type = ${add(req.type, 'text')}`);
  if (req.id) where.push(`id = ${add(req.id, 'text')}`);
  if (req.since) {
    const range = parseRange(req.since);
    if (!range || !req.since.includes('T'))
      badRequest('_since must be an instant, e.g. 2024-01-01T00:00:00Z');
    where.push(`last_updated >= ${add(range!.low, 'timestamptz')}`);
  }
  if (req.cursor) {
    const [time, type, id, version] = decode(req.cursor);
    where.push(
      `(last_updated, resource_type, id, version_id) < (${add(time, 'timestamptz')}, ${add(type, 'text')}, ${add(id, 'text')}, ${add(version, 'bigint')})`,
    );
  }
  const sql = `SELECT resource_type, id, version_id, to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated,
      deleted, method, content::text AS content FROM resource_history
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY last_updated DESC, resource_type DESC, id DESC, version_id DESC LIMIT ${req.count + 1}`;
  const rows = (await db.query<HistoryRow>(sql, params)).rows;
  const page = rows.slice(0, req.count);
  const entries = page.map((row) => historyEntry(row, baseUrl));
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > req.count && last
      ? Buffer.from(
          JSON.stringify([last.last_updated, last.resource_type, last.id, last.version_id]),
        ).toString('base64url')
      : undefined;
  return { entries, nextCursor, total: !req.cursor && !nextCursor ? entries.length : undefined };
}

function decode(cursor: string): [string, string, string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 4 && value.every((v) => typeof v === 'string'))
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
  return {
    fullUrl: `${baseUrl}/${url}`,
    ...(row.content && !row.deleted ? { resource: JSON.parse(row.content) as Resource } : {}),
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
