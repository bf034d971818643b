/**
 * `Patient/$everything`: the patient, every resource in their compartment, and the resources those
 * point to (practitioners, organisations, medications…), paged by a cursor.
 */
import type { Resource } from '@medplum/fhirtypes';
import { parseRange } from './dates.ts';
import { badRequest } from './outcome.ts';
import { type AccessScope, scopeCondition } from './scope.ts';
import { parsedWhenRead, type StoredMatch } from './search/run.ts';
import { SqlParams } from './search/sql-params.ts';
import type { SqlExecutor } from './sql.ts';

export interface EverythingPage {
  /** The page's resources, parsed when first read (the HTTP answer can do with `stored`). */
  readonly resources: Resource[];
  /** The same, as stored: type, id and JSON text. */
  stored: StoredMatch[];
  nextCursor?: string;
}

export async function patientEverything(
  db: SqlExecutor,
  patientId: string,
  options: { count: number; cursor?: string; since?: string; scope?: AccessScope },
): Promise<EverythingPage> {
  const p = new SqlParams();
  const patient = p.add(patientId, 'text');
  const conditions = ['NOT r.deleted'];
  if (options.since) {
    const since = parseRange(options.since);
    if (!since || !options.since.includes('T'))
      badRequest('_since must be an instant, e.g. 2024-01-01T00:00:00Z');
    conditions.push(`r.last_updated >= ${p.add(since!.low, 'timestamptz')}`);
  }
  if (options.cursor) {
    const [type, id] = decode(options.cursor);
    conditions.push(`(r.resource_type, r.id) > (${p.add(type, 'text')}, ${p.add(id, 'text')})`);
  }
  const scope = scopeCondition(options.scope, 'r', p);
  if (scope) conditions.push(scope);
  // the compartment, then what the compartment references outside itself
  const sql = `WITH members AS (
      SELECT resource_type, id FROM compartment WHERE patient_id = ${patient}
    ), referenced AS (
      SELECT DISTINCT s.target_type AS resource_type, s.target_id AS id FROM members m
      JOIN sp_reference s ON s.resource_type = m.resource_type AND s.id = m.id
      WHERE s.target_type IS NOT NULL AND s.target_type <> 'Patient'
    ), everything AS (SELECT * FROM members UNION SELECT * FROM referenced)
    SELECT r.resource_type, r.id, r.content::text AS content FROM everything e
    JOIN resource r ON r.resource_type = e.resource_type AND r.id = e.id
    WHERE ${conditions.join(' AND ')}
    ORDER BY r.resource_type, r.id LIMIT ${options.count + 1}`;
  const rows = (await db.query<{ resource_type: string; id: string; content: string }>(sql, p.values)).rows;
  const page = rows.slice(0, options.count);
  const last = page[page.length - 1];
  const stored = page.map((r) => ({ resourceType: r.resource_type, id: r.id, text: r.content }));
  const resources = parsedWhenRead(stored);
  return {
    get resources() {
      return resources();
    },
    stored,
    nextCursor:
      rows.length > options.count && last
        ? Buffer.from(JSON.stringify([last.resource_type, last.id])).toString('base64url')
        : undefined,
  };
}

function decode(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      /^[A-Z][A-Za-z]+$/.test(v[0]) &&
      /^[A-Za-z0-9\-.]{1,64}$/.test(v[1])
    ) {
      return v as [string, string];
    }
  } catch {
    // fall through
  }
  return badRequest('Invalid _cursor for $everything');
}
