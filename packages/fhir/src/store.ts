/**
 * The repository every module uses: FHIR interactions over PostgreSQL, with version history,
 * optimistic locking and the search index kept in the same statement as the resource.
 */
import type { Resource } from '@medplum/fhirtypes';
import { isResourceType } from './definitions.ts';
import { badRequest, FhirError, fail, notFound } from './outcome.ts';
import { applyJsonPatch } from './patch.ts';
import { ID_PATTERN } from './references.ts';
import { parseSearch, type QueryParams } from './search/parse.ts';
import { type AccessScope, runSearch, type SearchResult } from './search/run.ts';
import { SqlParams } from './search/sql-params.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';
import { noteWrites } from './statistics.ts';
import { assertValid, type ResourceRule } from './validate.ts';
import {
  type CurrentVersion,
  deletionVersion,
  lockCurrent,
  newId,
  nowInstant,
  stampedVersion,
} from './versions.ts';
import { writeVersions } from './write.ts';

export interface WriteResult {
  resource: Resource;
  /** 201 for a new resource, 200 for a new version or an existing match. */
  status: 200 | 201;
}

/**
 * Checked inside each write's transaction with the new version (absent for a delete) and the
 * current one (absent for a create); throws a FhirError to refuse.
 */
export type WriteGuard = (
  tx: SqlExecutor,
  next: Resource | undefined,
  previous: Resource | undefined,
) => Promise<void>;

/** What one caller may see and change: supplied per request by the access layer. */
export interface StoreAccess {
  scope?: AccessScope;
  guard?: WriteGuard;
}

export interface StoreOptions {
  baseUrl: string;
  /** Deployment rules checked on every write, beside R4 validation. */
  rules?: ResourceRule[];
  access?: StoreAccess;
}

export class FhirStore {
  readonly db: SqlClient;
  /** Set once the server knows its public address. */
  baseUrl: string;

  readonly rules: ResourceRule[];
  readonly access: StoreAccess;

  constructor(db: SqlClient, options: StoreOptions) {
    this.db = db;
    this.baseUrl = options.baseUrl;
    this.rules = options.rules ?? [];
    this.access = options.access ?? {};
  }

  /** The same store seen by one caller: their scope on reads, their guard on writes. */
  as(access: StoreAccess): FhirStore {
    return new FhirStore(this.db, { baseUrl: this.baseUrl, rules: this.rules, access });
  }

  /** Whether the caller's scope lets them see this resource (true when unscoped). */
  async isVisible(type: string, id: string): Promise<boolean> {
    if (!this.access.scope) return true;
    const p = new SqlParams();
    const where = `r.resource_type = ${p.add(type, 'text')} AND r.id = ${p.add(id, 'text')}`;
    const scoped = this.access.scope('r', p);
    const rows = await this.db.query(
      `SELECT 1 FROM resource r WHERE ${where}${scoped ? ` AND ${scoped}` : ''}`,
      p.values,
    );
    return rows.rows.length > 0;
  }

  async read(type: string, id: string): Promise<Resource> {
    checkTypeAndId(type, id);
    const row = (
      await this.db.query<{ content: string | null; deleted: boolean }>(
        'SELECT content::text AS content, deleted FROM resource WHERE resource_type = $1::text AND id = $2::text',
        [type, id],
      )
    ).rows[0];
    if (!row) return notFound(`${type}/${id} does not exist`);
    if (row.deleted) return fail(410, 'deleted', `${type}/${id} has been deleted`);
    return JSON.parse(row.content as string) as Resource;
  }

  async vread(type: string, id: string, versionId: string): Promise<Resource> {
    checkTypeAndId(type, id);
    if (!/^\d{1,15}$/.test(versionId))
      return notFound(`Version "${versionId}" of ${type}/${id} does not exist`);
    const row = (
      await this.db.query<{ content: string | null; deleted: boolean }>(
        `SELECT content::text AS content, deleted FROM resource_history
         WHERE resource_type = $1::text AND id = $2::text AND version_id = $3::bigint`,
        [type, id, versionId],
      )
    ).rows[0];
    if (!row) return notFound(`Version ${versionId} of ${type}/${id} does not exist`);
    if (row.deleted) return fail(410, 'deleted', `Version ${versionId} of ${type}/${id} is a deletion`);
    return JSON.parse(row.content as string) as Resource;
  }

  async create(resource: unknown, ifNoneExist?: string): Promise<WriteResult> {
    assertValid(resource, this.rules);
    if (ifNoneExist !== undefined) {
      return this.db.transaction(async (tx) => {
        await lockCondition(tx, resource.resourceType, ifNoneExist);
        const existing = await this.matchCondition(tx, resource.resourceType, ifNoneExist);
        if (existing.length > 1) fail(412, 'duplicate', `If-None-Exist matched ${existing.length} resources`);
        if (existing.length === 1) return { resource: existing[0], status: 200 };
        return this.insert(tx, resource);
      });
    }
    return this.insert(this.db, resource);
  }

  private async insert(tx: SqlExecutor, resource: Resource): Promise<WriteResult> {
    const version = stampedVersion(resource, newId(), 1, nowInstant(), 'POST');
    await this.access.guard?.(tx, version.resource, undefined);
    await writeVersions(tx, [version], false);
    noteWrites(this.db, 1);
    return { resource: version.resource as Resource, status: 201 };
  }

  /** Update, or create with the client's id when it does not exist yet (create-on-update). */
  async update(type: string, id: string, resource: unknown, ifMatch?: string): Promise<WriteResult> {
    checkTypeAndId(type, id);
    assertValid(resource, this.rules);
    if (resource.resourceType !== type)
      badRequest(`resourceType ${resource.resourceType} does not match the URL (${type})`);
    if (resource.id !== id)
      badRequest(`The resource id "${resource.id ?? ''}" must match the URL id "${id}"`, [`${type}.id`]);
    return this.db.transaction((tx) => this.replace(tx, resource, ifMatch, 'PUT'));
  }

  private async replace(
    tx: SqlExecutor,
    resource: Resource,
    ifMatch: string | undefined,
    method: 'PUT' | 'PATCH',
  ): Promise<WriteResult> {
    const { resourceType: type, id } = resource as Resource & { id: string };
    const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
    checkIfMatch(ifMatch, current?.versionId);
    const version = stampedVersion(resource, id, (current?.versionId ?? 0) + 1, nowInstant(), method);
    await this.access.guard?.(tx, version.resource, previousOf(current));
    await writeVersions(tx, [version], current !== undefined);
    return { resource: version.resource as Resource, status: current && !current.deleted ? 200 : 201 };
  }

  async conditionalUpdate(
    type: string,
    query: QueryParams,
    resource: unknown,
    ifMatch?: string,
  ): Promise<WriteResult> {
    assertValid(resource, this.rules);
    if (resource.resourceType !== type)
      badRequest(`resourceType ${resource.resourceType} does not match the URL (${type})`);
    return this.db.transaction(async (tx) => {
      await lockCondition(tx, type, new URLSearchParams(query).toString());
      const matches = await this.matchQuery(tx, type, query);
      if (matches.length > 1)
        fail(412, 'multiple-matches', `The condition matched ${matches.length} resources`);
      if (matches.length === 1) {
        if (resource.id && resource.id !== matches[0].id)
          badRequest('The resource id does not match the resource found');
        return this.replace(tx, { ...resource, id: matches[0].id }, ifMatch, 'PUT');
      }
      if (resource.id) return this.replace(tx, resource, ifMatch, 'PUT');
      return this.insert(tx, resource);
    });
  }

  async patch(type: string, id: string, operations: unknown, ifMatch?: string): Promise<WriteResult> {
    checkTypeAndId(type, id);
    return this.db.transaction(async (tx) => {
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current) notFound(`${type}/${id} does not exist`);
      if (current!.deleted) fail(410, 'deleted', `${type}/${id} has been deleted`);
      checkIfMatch(ifMatch, current!.versionId);
      const patched = applyJsonPatch(JSON.parse(current!.content as string) as Resource, operations);
      if (patched.resourceType !== type || patched.id !== id)
        badRequest('A patch may not change resourceType or id');
      assertValid(patched, this.rules);
      return this.replace(tx, patched, undefined, 'PATCH');
    });
  }

  /** Deleting a missing or already-deleted resource succeeds (idempotent, R4 allows 200/204). */
  async delete(type: string, id: string, ifMatch?: string): Promise<void> {
    checkTypeAndId(type, id);
    await this.db.transaction(async (tx) => {
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current || current.deleted) return;
      checkIfMatch(ifMatch, current.versionId);
      await this.access.guard?.(tx, undefined, previousOf(current));
      await writeVersions(tx, [deletionVersion(type, id, current.versionId + 1, nowInstant())], true);
    });
  }

  async conditionalDelete(type: string, query: QueryParams): Promise<number> {
    return this.db.transaction(async (tx) => {
      const matches = await this.matchQuery(tx, type, query);
      if (matches.length > 1)
        fail(412, 'multiple-matches', `The condition matched ${matches.length} resources`);
      if (matches.length === 0) return 0;
      const id = matches[0].id as string;
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current || current.deleted) return 0;
      await this.access.guard?.(tx, undefined, previousOf(current));
      await writeVersions(tx, [deletionVersion(type, id, current.versionId + 1, nowInstant())], true);
      return 1;
    });
  }

  async search(type: string, query: QueryParams, options: { strict?: boolean } = {}): Promise<SearchResult> {
    if (!isResourceType(type)) notFound(`Unknown resource type "${type}"`);
    return runSearch(this.db, parseSearch(type, query, options.strict), {
      baseUrl: this.baseUrl,
      scope: this.access.scope,
    });
  }

  /** Resources matching a condition (`Patient?identifier=…`), for conditional interactions. */
  async matchCondition(tx: SqlExecutor, type: string, condition: string): Promise<Resource[]> {
    const query = [...new URLSearchParams(condition.includes('?') ? condition.split('?')[1] : condition)];
    return this.matchQuery(tx, type, query);
  }

  async matchQuery(tx: SqlExecutor, type: string, query: QueryParams): Promise<Resource[]> {
    if (query.length === 0) badRequest('A conditional interaction needs search criteria');
    const parsed = parseSearch(type, query, true);
    parsed.count = 2;
    parsed.total = 'none';
    return (await runSearch(tx, parsed, { baseUrl: this.baseUrl, scope: this.access.scope })).matches;
  }
}

function previousOf(current: CurrentVersion | undefined): Resource | undefined {
  return current && !current.deleted && current.content
    ? (JSON.parse(current.content) as Resource)
    : undefined;
}

export function checkTypeAndId(type: string, id: string): void {
  if (!isResourceType(type)) notFound(`Unknown resource type "${type}"`);
  if (!ID_PATTERN.test(id)) badRequest(`Invalid id "${id.slice(0, 80)}"`);
}

function checkIfMatch(ifMatch: string | undefined, versionId: number | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = /^(?:W\/)?"?([^"]*)"?$/.exec(ifMatch.trim())?.[1];
  if (wanted !== String(versionId ?? '')) {
    throw new FhirError(412, {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'conflict',
          diagnostics: `Version conflict: If-Match ${ifMatch}, current version ${versionId ?? 'none'}`,
        },
      ],
    });
  }
}

/** Serialises conditional writes on the same condition, so two of them cannot both create. */
async function lockCondition(tx: SqlExecutor, type: string, condition: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1::text))', [`${type}?${condition}`]);
}
