/**
 * The repository every module uses: FHIR interactions over PostgreSQL, with version history,
 * optimistic locking and the search index kept in the same statement as the resource.
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { isResourceType } from './definitions.ts';
import { CURRENT_OF_VERSION, VERSION_CONTENT_COLUMNS, versionContent } from './history.ts';
import { buildIndexRows } from './index-rows.ts';
import { badRequest, FhirError, fail, notFound } from './outcome.ts';
import { applyJsonPatch } from './patch.ts';
import { ID_PATTERN } from './references.ts';
import { type AccessScope, versionScopeCondition, versionVisibleInMemory } from './scope.ts';
import { MAX_COUNT, parseSearch, type QueryParams, type SearchQuery } from './search/parse.ts';
import { runSearch, type SearchResult } from './search/run.ts';
import { SqlParams } from './search/sql-params.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';
import { noteWrites } from './statistics.ts';
import { turnEvery } from './turns.ts';
import {
  assertUniqueIdentifiers,
  carriesUniqueIdentifier,
  claimsNothingNew,
  isHeldClaim,
  type StatementClaim,
  soleClaim,
  type UniqueIdentifier,
} from './unique.ts';
import { assertValid, type ResourceRule, type ValidateMany, validationOutcome } from './validate.ts';
import {
  assertIdKeepsCompartment,
  type CurrentVersion,
  deletionVersion,
  lockCurrent,
  newId,
  nowInstant,
  readCurrent,
  resourceKeys,
  stampedVersion,
} from './versions.ts';
import {
  type NewVersion,
  NOTHING_REPLACED,
  unchangedTables,
  type WriteCondition,
  writeVersions,
} from './write.ts';

export interface WriteResult {
  resource: Resource;
  /** 201 for a new resource, 200 for a new version or an existing match. */
  status: 200 | 201;
  /** Patients whose record the write touched: those of the new version and of the one it replaced. */
  patients: string[];
}

/** One resource changed by a write, as write hooks see it. */
export interface WriteChange {
  resourceType: string;
  id: string;
  /** The new version (absent for a delete). */
  next?: Resource;
  /** The version replaced (absent for a create, or when it was deleted). */
  previous?: Resource;
}

/**
 * Runs with every write, inside its transaction, after the guard: derived state that must commit or
 * roll back with the resources (care relationships started by a booking, say). Planning is
 * synchronous and cheap; the returned effect runs after the versions are written. `actor` is what
 * the access layer put in StoreAccess.actor (undefined for the platform's own writes).
 */
export type WriteHook = (
  changes: WriteChange[],
  actor: unknown,
) => ((tx: SqlExecutor) => Promise<void>) | undefined;

/** Where a resource stands, and whether the caller may see it (one query). */
export interface Located {
  versionId: number;
  deleted: boolean;
  content: string | null;
  patients: string[];
  visible: boolean;
  /** When the version was written (ISO 8601, UTC; its meta.lastUpdated): given by locate(). */
  lastUpdated?: string;
}

/**
 * Checked before each write lands with the new version (absent for a delete) and the current one
 * (absent for a create): inside the write's transaction, or, for an update, patch or deletion
 * without one, before the write statement that lands only if that current version still is
 * (updateOptimistically). Throws a FhirError to refuse.
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
  /** Who is writing, as the access layer knows them; handed to write hooks. */
  actor?: unknown;
  /**
   * Where this caller's reads that may lag behind the last commits run (a streaming replica the
   * server chose for them), asked once per read; absent: the primary. Only `reader` uses it —
   * read, vread, search, history, $everything — never a write, a conditional match or a
   * transaction.
   */
  reads?: () => SqlExecutor;
}

export interface StoreOptions {
  baseUrl: string;
  /** Deployment rules checked on every write, beside R4 validation. */
  rules?: ResourceRule[];
  access?: StoreAccess;
  hooks?: WriteHook[];
  /** Identifier systems that name one live resource of a type only (checked on every write). */
  uniqueIdentifiers?: UniqueIdentifier[];
  /** Write an event (resource_event) with every version, in the same statement. */
  events?: boolean;
  /** Shared by every view: which events a durable handler awaits (see WriteOptions). */
  eventPolicy?: EventPolicy;
  /**
   * Where a large transaction bundle's resources are validated (worker threads), with the same
   * rules as `rules`; on this thread when absent or for fewer than VALIDATE_ELSEWHERE_FROM.
   */
  validateMany?: ValidateMany;
}

/** Resources of one bundle from which validation goes to `validateMany` (below: not worth a message). */
export const VALIDATE_ELSEWHERE_FROM = 64;

/** Set by whoever dispatches events; read at each write. */
export interface EventPolicy {
  awaitedTypes?: () => readonly string[] | undefined;
}

export class FhirStore {
  readonly db: SqlClient;
  /** Set once the server knows its public address. */
  baseUrl: string;

  readonly rules: ResourceRule[];
  readonly access: StoreAccess;
  /** Shared by every view of this store (`as`): hooks are the platform's, not a caller's. */
  readonly hooks: WriteHook[];
  readonly uniqueIdentifiers: UniqueIdentifier[];
  readonly events: boolean;
  readonly eventPolicy: EventPolicy;
  readonly validateMany: ValidateMany | undefined;

  constructor(db: SqlClient, options: StoreOptions) {
    this.db = db;
    this.baseUrl = options.baseUrl;
    this.rules = options.rules ?? [];
    this.access = options.access ?? {};
    this.hooks = options.hooks ?? [];
    this.uniqueIdentifiers = options.uniqueIdentifiers ?? [];
    this.events = options.events ?? false;
    this.eventPolicy = options.eventPolicy ?? {};
    this.validateMany = options.validateMany;
  }

  /** validationOutcome for each resource, in order; a large batch where the deployment validates. */
  async validationOutcomes(resources: unknown[]): Promise<OperationOutcome[]> {
    if (this.validateMany && resources.length >= VALIDATE_ELSEWHERE_FROM) return this.validateMany(resources);
    const outcomes: OperationOutcome[] = [];
    for (const [i, resource] of resources.entries()) {
      await turnEvery(i);
      outcomes.push(validationOutcome(resource, this.rules));
    }
    return outcomes;
  }

  /** What writeVersions reads (the store is its WriteOptions). */
  readonly awaitedEventTypes = (): readonly string[] | undefined => this.eventPolicy.awaitedTypes?.();

  /** The same store seen by one caller: their scope on reads, their guard on writes. */
  as(access: StoreAccess): FhirStore {
    return new FhirStore(this.db, {
      baseUrl: this.baseUrl,
      rules: this.rules,
      access,
      hooks: this.hooks,
      uniqueIdentifiers: this.uniqueIdentifiers,
      events: this.events,
      eventPolicy: this.eventPolicy,
      validateMany: this.validateMany,
    });
  }

  /** The executor of a read that may lag: the caller's replica when the server gave one, else the primary. */
  get reader(): SqlExecutor {
    return this.access.reads?.() ?? this.db;
  }

  /** Unique identifiers of these resources, checked in the writing transaction. */
  checkUniqueIdentifiers(
    tx: SqlExecutor,
    resources: Resource[],
    replaced?: ReadonlyMap<string, Resource | undefined>,
  ): Promise<void> {
    return assertUniqueIdentifiers(tx, resources, this.uniqueIdentifiers, replaced);
  }

  /** Adds a write hook for every view of this store. */
  addHook(hook: WriteHook): void {
    this.hooks.push(hook);
  }

  /**
   * The current version of a resource and whether the caller may see it, judged on that version's
   * own patients (a deleted resource keeps those of what was deleted). Undefined when unknown.
   */
  async locate(
    type: string,
    id: string,
    versionId?: string,
    db: SqlExecutor = this.db,
  ): Promise<Located | undefined> {
    checkTypeAndId(type, id);
    const scope = this.access.scope;
    if (scope) {
      // judged in memory on the version's type and own patients (scope.ts); the database only when
      // the version may be addressed to the caller. Also for a scope over all patients (a system
      // client): its condition is only types, and asked in SQL it made the read's statement
      // unnamed, planned at every call (three quarters of the read's database time)
      const row = await this.locateVersion(type, id, versionId, db, undefined);
      if (!row) return undefined;
      const visible = versionVisibleInMemory(scope, type, row.patients);
      if (visible !== undefined) return { ...row, visible };
    }
    return this.locateVersion(type, id, versionId, db, scope);
  }

  /**
   * locate() for many resources in one statement (a page of results and what they point to):
   * keyed `Type/id`, unknown ones absent. Visibility is judged as locate() judges it — in memory on
   * each version's own patients, and by the database only for those that may be addressed to the
   * caller.
   */
  async locateMany(refs: readonly string[], db: SqlExecutor = this.db): Promise<Map<string, Located>> {
    const keys = [...new Set(refs)].map((ref) => {
      const slash = ref.indexOf('/');
      const type = ref.slice(0, Math.max(slash, 0));
      const id = ref.slice(slash + 1);
      checkTypeAndId(type, id);
      return { type, id };
    });
    const found = new Map<string, Located>();
    if (keys.length === 0) return found;
    const scope = this.access.scope;
    const rows = await this.locateVersions(keys, db, undefined);
    const undecided: { type: string; id: string }[] = [];
    for (const [ref, row] of rows) {
      const visible = scope ? versionVisibleInMemory(scope, row.type, row.patients) : true;
      if (visible === undefined) undecided.push({ type: row.type, id: row.id });
      else found.set(ref, { ...row.located, visible });
    }
    if (undecided.length > 0)
      for (const [ref, row] of await this.locateVersions(undecided, db, scope)) found.set(ref, row.located);
    return found;
  }

  private async locateVersions(
    keys: { type: string; id: string }[],
    db: SqlExecutor,
    scope: AccessScope | undefined,
  ): Promise<Map<string, { type: string; id: string; patients: string[]; located: Located }>> {
    const p = new SqlParams();
    const wanted = resourceKeys(p, keys);
    const scoped = versionScopeCondition(scope, 'h', p) ?? 'true';
    const result = await db.query<{
      resource_type: string;
      id: string;
      version_id: string;
      deleted: boolean;
      content: string | null;
      patients: string[];
      visible: boolean;
    }>(
      `SELECT h.resource_type, h.id, h.version_id, h.deleted, r.content::text AS content, h.patients, ${scoped} AS visible
         FROM ${wanted} AS k(t, i)
         JOIN resource r ON r.resource_type = k.t AND r.id = k.i
         JOIN resource_history h ON h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id`,
      p.values,
      { prepared: scope === undefined }, // a scope's condition varies with the caller
    );
    const rows = new Map<string, { type: string; id: string; patients: string[]; located: Located }>();
    for (const row of result.rows) {
      rows.set(`${row.resource_type}/${row.id}`, {
        type: row.resource_type,
        id: row.id,
        patients: row.patients,
        located: {
          versionId: Number(row.version_id),
          deleted: row.deleted,
          content: row.content,
          patients: row.patients,
          visible: row.visible,
        },
      });
    }
    return rows;
  }

  private async locateVersion(
    type: string,
    id: string,
    versionId: string | undefined,
    db: SqlExecutor,
    scope: AccessScope | undefined,
  ): Promise<Located | undefined> {
    const p = new SqlParams();
    const scoped = versionScopeCondition(scope, 'h', p) ?? 'true';
    const version =
      versionId === undefined
        ? `(SELECT r.version_id FROM resource r WHERE r.resource_type = h.resource_type AND r.id = h.id)`
        : p.add(versionId, 'bigint');
    const row = (
      await db.query<{
        version_id: string;
        deleted: boolean;
        content: string | null;
        packed: Uint8Array | null;
        patients: string[];
        visible: boolean;
        last_updated: string;
      }>(
        `SELECT h.version_id, h.deleted, ${VERSION_CONTENT_COLUMNS}, h.patients, ${scoped} AS visible,
            to_char(h.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated
           FROM resource_history h ${CURRENT_OF_VERSION}
          WHERE h.resource_type = ${p.add(type, 'text')} AND h.id = ${p.add(id, 'text')} AND h.version_id = ${version}`,
        p.values,
        { prepared: scope === undefined }, // a scope's condition varies with the caller
      )
    ).rows[0];
    if (!row) return undefined;
    return {
      versionId: Number(row.version_id),
      deleted: row.deleted,
      content: versionContent(row),
      patients: row.patients,
      visible: row.visible,
      lastUpdated: row.last_updated,
    };
  }

  /** Whether the caller's scope lets them see this resource (true when unscoped). */
  async isVisible(type: string, id: string): Promise<boolean> {
    if (!this.access.scope) return true;
    return (await this.locate(type, id))?.visible ?? false;
  }

  /**
   * Plans the write hooks for these changes; returns the effect to run after the versions are
   * written, or undefined when no hook has anything to do.
   */
  private planHooks(changes: WriteChange[]): ((tx: SqlExecutor) => Promise<void>) | undefined {
    const effects = this.hooks
      .map((hook) => hook(changes, this.access.actor))
      .filter((e): e is (tx: SqlExecutor) => Promise<void> => e !== undefined);
    if (effects.length === 0) return undefined;
    return async (tx) => {
      for (const effect of effects) await effect(tx);
    };
  }

  /** The hooks' plan for a batch of new versions (transaction bundles). */
  planHooksFor(
    versions: readonly (Pick<NewVersion, 'resourceType' | 'id'> & { resource?: Resource })[],
    previous: Map<string, Resource | undefined>,
  ) {
    return this.planHooks(
      versions.map((v) => ({
        resourceType: v.resourceType,
        id: v.id,
        next: v.resource,
        previous: previous.get(`${v.resourceType}/${v.id}`),
      })),
    );
  }

  async read(type: string, id: string): Promise<Resource> {
    checkTypeAndId(type, id);
    const row = await this.currentRow(type, id);
    if (!row) return notFound(`${type}/${id} does not exist`);
    if (row.deleted) return fail(410, 'deleted', `${type}/${id} has been deleted`);
    return JSON.parse(row.content as string) as Resource;
  }

  /**
   * The current version, or undefined when there is none: never created, deleted, or a type or id
   * that cannot exist. For a service's own look-ups where absence is an answer; a failure of the
   * database is thrown, never taken for absence (a swallowed error would read as "not there").
   */
  async readIfPresent(type: string, id: string): Promise<Resource | undefined> {
    if (!isResourceType(type) || !ID_PATTERN.test(id)) return undefined;
    const row = await this.currentRow(type, id);
    return row && !row.deleted ? (JSON.parse(row.content as string) as Resource) : undefined;
  }

  private async currentRow(type: string, id: string) {
    return (
      await this.reader.query<{ content: string | null; deleted: boolean }>(
        'SELECT content::text AS content, deleted FROM resource WHERE resource_type = $1::text AND id = $2::text',
        [type, id],
        { prepared: true },
      )
    ).rows[0];
  }

  async vread(type: string, id: string, versionId: string): Promise<Resource> {
    checkTypeAndId(type, id);
    if (!/^\d{1,15}$/.test(versionId))
      return notFound(`Version "${versionId}" of ${type}/${id} does not exist`);
    const row = (
      await this.reader.query<{ content: string | null; packed: Uint8Array | null; deleted: boolean }>(
        `SELECT ${VERSION_CONTENT_COLUMNS}, h.deleted FROM resource_history h ${CURRENT_OF_VERSION}
         WHERE h.resource_type = $1::text AND h.id = $2::text AND h.version_id = $3::bigint`,
        [type, id, versionId],
        { prepared: true },
      )
    ).rows[0];
    if (!row) return notFound(`Version ${versionId} of ${type}/${id} does not exist`);
    if (row.deleted) return fail(410, 'deleted', `Version ${versionId} of ${type}/${id} is a deletion`);
    return JSON.parse(versionContent(row) as string) as Resource;
  }

  async create(resource: unknown, ifNoneExist?: string): Promise<WriteResult> {
    assertValid(resource, this.rules);
    if (ifNoneExist !== undefined) {
      return this.db.transaction(async (tx) => {
        await lockCondition(tx, resource.resourceType, ifNoneExist);
        return (
          (await this.existingMatch(tx, resource.resourceType, ifNoneExist)) ??
          this.insert(tx, resource, true)
        );
      });
    }
    return this.insert(this.db, resource);
  }

  private async insert(tx: SqlExecutor, resource: Resource, inTransaction = false): Promise<WriteResult> {
    const planned = await this.planCreations(tx, [resource]);
    const unique = carriesUniqueIdentifier([resource], this.uniqueIdentifiers);
    // one unique number (a CNIE) is claimed by the write statement itself: the write is one
    // statement, or with derived state (a care-giver's registration, a GP named) the write and
    // the hooks' effect in a transaction. Should another resource's index row carry the number,
    // the transaction below decides (409, or the holder's identifier has ended)
    const claim =
      unique && !inTransaction
        ? soleClaim(planned.versions[0].resource as Resource, this.uniqueIdentifiers)
        : undefined;
    if (claim)
      try {
        const written = planned.effect
          ? await this.db.transaction((t) => this.writeCreations(t, planned, unique, claim))
          : await this.writeCreations(this.db, planned, unique, claim);
        return written[0];
      } catch (err) {
        if (!isHeldClaim(err)) throw err;
      }
    // a single create is one statement; with derived state or several unique numbers, one transaction
    if ((planned.effect || unique) && !inTransaction)
      return (await this.db.transaction((t) => this.writeCreations(t, planned, unique)))[0];
    return (await this.writeCreations(tx, planned, unique))[0];
  }

  /** New versions of resources to create (ids, meta, index rows), the guard passed, the hooks planned. */
  private async planCreations(
    tx: SqlExecutor,
    resources: Resource[],
  ): Promise<{ versions: NewVersion[]; effect: ((tx: SqlExecutor) => Promise<void>) | undefined }> {
    const now = nowInstant();
    const versions = resources.map((resource) => stampedVersion(resource, newId(), 1, now, 'POST'));
    for (const version of versions) await this.access.guard?.(tx, version.resource, undefined);
    const effect = this.planHooks(
      versions.map((v) => ({ resourceType: v.resourceType, id: v.id, next: v.resource as Resource })),
    );
    return { versions, effect };
  }

  /**
   * Writes planned creations in one statement, then the hooks' effect (the caller holds the
   * transaction when there is one; with `claim`, the statement claims the one unique number itself).
   */
  private async writeCreations(
    tx: SqlExecutor,
    planned: { versions: NewVersion[]; effect: ((tx: SqlExecutor) => Promise<void>) | undefined },
    unique: boolean,
    claim?: StatementClaim,
  ): Promise<WriteResult[]> {
    const { versions, effect } = planned;
    if (unique && !claim)
      await this.checkUniqueIdentifiers(
        tx,
        versions.map((v) => v.resource as Resource),
      );
    await writeVersions(tx, versions, NOTHING_REPLACED, this, claim);
    await effect?.(tx);
    noteWrites(this.db, versions.length);
    return versions.map((v) => ({
      resource: v.resource as Resource,
      status: 201,
      patients: v.compartment ?? [],
    }));
  }

  /**
   * Update, or create with the client's id when it does not exist yet (create-on-update).
   * `ifNoneMatch` `*` (RFC 9110): only create — 412 when the resource exists.
   */
  async update(
    type: string,
    id: string,
    resource: unknown,
    ifMatch?: string,
    ifNoneMatch?: string,
  ): Promise<WriteResult> {
    checkTypeAndId(type, id);
    assertValid(resource, this.rules);
    if (resource.resourceType !== type)
      badRequest(`resourceType ${resource.resourceType} does not match the URL (${type})`);
    if (resource.id !== id)
      badRequest(`The resource id "${resource.id ?? ''}" must match the URL id "${id}"`, [`${type}.id`]);
    return (
      (await this.updateOptimistically(resource, ifMatch, ifNoneMatch)) ??
      this.db.transaction((tx) => this.replace(tx, resource, ifMatch, 'PUT', undefined, ifNoneMatch))
    );
  }

  /**
   * An update of a live resource without a transaction: its current version read without a lock,
   * the new one written by one statement that writes nothing unless that version is still current
   * (write.ts WriteCondition) — two round trips instead of four (BEGIN, the lock, the write,
   * COMMIT), and no row held while node builds the version. Undefined — the caller then takes the
   * locked transaction — when the resource does not exist or is deleted (a create with the
   * client's id, or a re-creation), when the write plans derived state (a hook's effect must commit
   * with it) or carries a unique identifier the version it replaces did not (its check takes a
   * lock), or when other writes got in first every time (withoutLock).
   */
  private updateOptimistically(
    resource: Resource,
    ifMatch: string | undefined,
    ifNoneMatch: string | undefined,
  ): Promise<WriteResult | undefined> {
    const { resourceType: type, id } = resource as Resource & { id: string };
    return this.replaceOptimistically(type, id, 'PUT', (current) => {
      checkIfMatch(ifMatch, current.versionId);
      checkIfNoneMatch(type, id, current, ifNoneMatch);
      return resource;
    });
  }

  /**
   * A new version of a live resource written on condition that the one it replaces is still current
   * (see updateOptimistically); `next` makes it from the current version, or throws to refuse.
   */
  private replaceOptimistically(
    type: string,
    id: string,
    method: 'PUT' | 'PATCH',
    next: (current: CurrentVersion) => Resource,
  ): Promise<WriteResult | undefined> {
    return this.withoutLock(type, id, async (current) => {
      if (!current || current.deleted) return LOCKED;
      const plan = this.planReplacements([{ resource: next(current), current }], method);
      await this.guardReplacements(this.db, plan);
      if (this.planHooks(plan.changes)) return LOCKED;
      if (!claimsNothingNew(plan.resources, this.uniqueIdentifiers, plan.previousVersions)) return LOCKED;
      const written = await writeVersions(this.db, plan.versions, plan.replaced, this, undefined, {
        versionId: current.versionId,
      });
      if (!written) return AGAIN;
      noteWrites(this.db, 1);
      return { result: replacementResults(plan)[0] };
    });
  }

  /**
   * Reads a resource's current version without a lock and hands it to `attempt`, which writes on
   * condition that it is still current (write.ts WriteCondition); read again when another write got
   * in first (AGAIN), `OPTIMISTIC_ATTEMPTS` times at most. Undefined when `attempt` asks for the
   * locked transaction (LOCKED), or after the last attempt.
   */
  private async withoutLock<T>(
    type: string,
    id: string,
    attempt: (current: CurrentVersion | undefined) => Promise<{ result: T } | typeof LOCKED | typeof AGAIN>,
  ): Promise<T | undefined> {
    for (let i = 0; i < OPTIMISTIC_ATTEMPTS; i++) {
      const outcome = await attempt((await readCurrent(this.db, [{ type, id }])).get(`${type}/${id}`));
      if (outcome === LOCKED) return undefined;
      if (outcome !== AGAIN) return outcome.result;
    }
    return undefined;
  }

  private async replace(
    tx: SqlExecutor,
    resource: Resource,
    ifMatch: string | undefined,
    method: 'PUT' | 'PATCH',
    locked?: { current: CurrentVersion | undefined },
    ifNoneMatch?: string,
  ): Promise<WriteResult> {
    const { resourceType: type, id } = resource as Resource & { id: string };
    const current = locked ? locked.current : (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
    checkIfMatch(ifMatch, current?.versionId);
    checkIfNoneMatch(type, id, current, ifNoneMatch);
    return (await this.writeReplacements(tx, [{ resource, current }], method))[0];
  }

  /**
   * New versions of resources replacing their current ones (none yet for a create with the client's
   * id): stamped, their compartment kept, unchanged index tables found. No I/O.
   */
  private planReplacements(items: Replacement[], method: 'PUT' | 'PATCH'): ReplacementPlan {
    const now = nowInstant();
    const plan: ReplacementPlan = {
      items,
      versions: [],
      resources: [],
      replaced: new Map(),
      previousVersions: new Map(),
      changes: [],
    };
    for (const { resource, current } of items) {
      const { resourceType: type, id } = resource as Resource & { id: string };
      const version = stampedVersion(resource, id, (current?.versionId ?? 0) + 1, now, method);
      assertIdKeepsCompartment(type, id, current, version);
      const previous = previousOf(current);
      if (previous && current)
        version.unchanged = unchangedTables(
          { rows: buildIndexRows(previous), patients: current.patients },
          { rows: version.rows, patients: version.compartment },
        );
      if (current) plan.replaced.set(`${type}/${id}`, current);
      if (previous) plan.previousVersions.set(`${type}/${id}`, previous);
      plan.changes.push({ resourceType: type, id, next: version.resource as Resource, previous });
      plan.versions.push(version);
      plan.resources.push(version.resource as Resource);
    }
    return plan;
  }

  /** The caller's write guard, for each new version and the one it replaces. */
  private async guardReplacements(tx: SqlExecutor, plan: ReplacementPlan): Promise<void> {
    for (const change of plan.changes) await this.access.guard?.(tx, change.next, change.previous);
  }

  /**
   * New versions of resources whose current versions the caller has locked, written in one
   * statement: compartment kept, unchanged index tables left alone, the guard passed for each, the
   * hooks planned once for all, unique identifiers checked.
   */
  private async writeReplacements(
    tx: SqlExecutor,
    items: Replacement[],
    method: 'PUT' | 'PATCH',
  ): Promise<WriteResult[]> {
    const plan = this.planReplacements(items, method);
    await this.guardReplacements(tx, plan);
    const effect = this.planHooks(plan.changes);
    await this.checkUniqueIdentifiers(tx, plan.resources, plan.previousVersions);
    await writeVersions(tx, plan.versions, plan.replaced.size > 0 ? plan.replaced : NOTHING_REPLACED, this);
    await effect?.(tx);
    noteWrites(this.db, plan.versions.length);
    return replacementResults(plan);
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
      return this.insert(tx, resource, true);
    });
  }

  /** A JSON Patch of a live resource: without a transaction as an update is (updateOptimistically). */
  async patch(type: string, id: string, operations: unknown, ifMatch?: string): Promise<WriteResult> {
    checkTypeAndId(type, id);
    const patchOf = (current: CurrentVersion): Resource => {
      checkIfMatch(ifMatch, current.versionId);
      const patched = applyJsonPatch(JSON.parse(current.content as string) as Resource, operations);
      if (patched.resourceType !== type || patched.id !== id)
        badRequest('A patch may not change resourceType or id');
      assertValid(patched, this.rules);
      return patched;
    };
    const written = await this.replaceOptimistically(type, id, 'PATCH', patchOf);
    if (written) return written;
    return this.db.transaction(async (tx) => {
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current) notFound(`${type}/${id} does not exist`);
      if (current!.deleted) fail(410, 'deleted', `${type}/${id} has been deleted`);
      return this.replace(tx, patchOf(current!), undefined, 'PATCH', { current });
    });
  }

  /**
   * Changes one resource inside a transaction the caller already holds (a write hook's effect, or
   * a module's own multi-resource write): the current version is locked, `change` receives it
   * (undefined when it does not exist or is deleted) and returns the next version, or undefined to
   * leave it as it is. Validation, the guard, unique identifiers, write hooks and events apply as to
   * any write. Throwing inside `change` rolls the whole transaction back.
   */
  async modifyWithin(
    tx: SqlExecutor,
    type: string,
    id: string,
    change: (current: Resource | undefined) => Resource | undefined,
  ): Promise<WriteResult | undefined> {
    return (await this.modifyManyWithin(tx, type, [id], change)).get(id);
  }

  /**
   * modifyWithin for several resources of one type: their current versions locked in one
   * statement, `change` called for each in the order given, the new versions written in one
   * statement and the write hooks planned once for all of them. Returns the results by id (the
   * resources `change` left as they were are absent).
   */
  async modifyManyWithin(
    tx: SqlExecutor,
    type: string,
    ids: readonly string[],
    change: (current: Resource | undefined, id: string) => Resource | undefined,
  ): Promise<Map<string, WriteResult>> {
    for (const id of ids) checkTypeAndId(type, id);
    if (new Set(ids).size !== ids.length) throw new Error(`modifyManyWithin: ${type} ids repeat`);
    const locked = await lockCurrent(
      tx,
      ids.map((id) => ({ type, id })),
    );
    const items: Replacement[] = [];
    for (const id of ids) {
      const current = locked.get(`${type}/${id}`);
      const next = change(previousOf(current), id);
      if (!next) continue;
      const resource = { ...next, resourceType: type, id } as Resource;
      assertValid(resource, this.rules);
      items.push({ resource, current });
    }
    const results = new Map<string, WriteResult>();
    if (items.length === 0) return results;
    // the rows are locked already: nothing is locked or read again
    const written = await this.writeReplacements(tx, items, 'PUT');
    for (const [i, item] of items.entries()) results.set(item.resource.id as string, written[i]);
    return results;
  }

  /** Creates a resource inside a transaction the caller already holds (see modifyWithin). */
  async createWithin(tx: SqlExecutor, resource: unknown): Promise<WriteResult> {
    return (await this.createManyWithin(tx, [resource]))[0];
  }

  /**
   * Creates resources inside a transaction the caller already holds, in one statement, the write
   * hooks planned once for all of them (a module writing a batch: bookings gathered into one commit).
   */
  async createManyWithin(tx: SqlExecutor, resources: readonly unknown[]): Promise<WriteResult[]> {
    for (const resource of resources) assertValid(resource, this.rules);
    const checked = resources as Resource[];
    const planned = await this.planCreations(tx, checked);
    return this.writeCreations(tx, planned, carriesUniqueIdentifier(checked, this.uniqueIdentifiers));
  }

  /**
   * Deleting a missing or already-deleted resource succeeds (idempotent, R4 allows 200/204).
   * Returns the patients whose record lost the resource (none when nothing was deleted).
   */
  async delete(type: string, id: string, ifMatch?: string): Promise<{ patients: string[] }> {
    checkTypeAndId(type, id);
    const removed = await this.withoutLock(type, id, async (current) => {
      // nothing to delete: answered as the transaction answers it, and nothing written
      if (!current || current.deleted) return { result: { patients: [] as string[] } };
      checkIfMatch(ifMatch, current.versionId);
      const previous = previousOf(current);
      await this.access.guard?.(this.db, undefined, previous);
      if (this.planHooks([{ resourceType: type, id, previous }])) return LOCKED;
      if (!(await this.writeDeletion(this.db, type, id, current, { versionId: current.versionId })))
        return AGAIN;
      noteWrites(this.db, 1);
      return { result: { patients: current.patients } };
    });
    if (removed) return removed;
    return this.db.transaction(async (tx) => {
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current || current.deleted) return { patients: [] };
      checkIfMatch(ifMatch, current.versionId);
      return this.remove(tx, type, id, current);
    });
  }

  private async remove(
    tx: SqlExecutor,
    type: string,
    id: string,
    current: CurrentVersion,
  ): Promise<{ patients: string[] }> {
    const previous = previousOf(current);
    await this.access.guard?.(tx, undefined, previous);
    const effect = this.planHooks([{ resourceType: type, id, previous }]);
    await this.writeDeletion(tx, type, id, current);
    await effect?.(tx);
    noteWrites(this.db, 1);
    return { patients: current.patients };
  }

  /**
   * A deletion version written over `current`: in the caller's transaction, or, with a condition,
   * only if `current` is still the current version (false when it is not; nothing written).
   */
  private writeDeletion(
    executor: SqlExecutor,
    type: string,
    id: string,
    current: CurrentVersion,
    condition?: WriteCondition,
  ): Promise<boolean> {
    return writeVersions(
      executor,
      [deletionVersion(type, id, current.versionId + 1, nowInstant())],
      new Map([[`${type}/${id}`, current]]),
      this,
      undefined,
      condition,
    );
  }

  async conditionalDelete(
    type: string,
    query: QueryParams,
  ): Promise<{ deleted: number; patients: string[] }> {
    return this.db.transaction(async (tx) => {
      const matches = await this.matchQuery(tx, type, query);
      if (matches.length > 1)
        fail(412, 'multiple-matches', `The condition matched ${matches.length} resources`);
      if (matches.length === 0) return { deleted: 0, patients: [] };
      const id = matches[0].id as string;
      const current = (await lockCurrent(tx, [{ type, id }])).get(`${type}/${id}`);
      if (!current || current.deleted) return { deleted: 0, patients: [] };
      return { deleted: 1, ...(await this.remove(tx, type, id, current)) };
    });
  }

  async search(type: string, query: QueryParams, options: { strict?: boolean } = {}): Promise<SearchResult> {
    if (!isResourceType(type)) notFound(`Unknown resource type "${type}"`);
    return this.searchParsed(parseSearch(type, query, options.strict));
  }

  /** A search already parsed (the REST layer parses once, for access decisions and for running). */
  async searchParsed(q: SearchQuery): Promise<SearchResult> {
    return runSearch(this.reader, q, { baseUrl: this.baseUrl, scope: this.access.scope });
  }

  /**
   * The current version of a resource, read inside the caller's transaction (a write hook sees
   * the write's own view) in this store's scope; undefined when unknown, deleted or not visible.
   */
  async readWithin<T extends Resource = Resource>(
    tx: SqlExecutor,
    type: string,
    id: string,
  ): Promise<T | undefined> {
    const found = await this.locate(type, id, undefined, tx);
    return found?.visible && !found.deleted && found.content ? (JSON.parse(found.content) as T) : undefined;
  }

  /**
   * Every match of a search, read inside the caller's transaction (a write hook's check, a service's
   * step of a multi-step write) in this store's scope: page after page of up to MAX_COUNT. For a
   * service's bounded look-ups — a stay's appointments, a unit's roles — which speak FHIR to the
   * engine instead of reading its tables.
   */
  async searchWithin(tx: SqlExecutor, type: string, query: QueryParams): Promise<Resource[]> {
    if (!isResourceType(type)) notFound(`Unknown resource type "${type}"`);
    const parsed = parseSearch(type, query, true);
    parsed.count = MAX_COUNT;
    parsed.total = 'none';
    const found: Resource[] = [];
    for (;;) {
      const page = await runSearch(tx, parsed, { baseUrl: this.baseUrl, scope: this.access.scope });
      found.push(...page.matches);
      if (!page.nextCursor) return found;
      parsed.cursor = page.nextCursor;
    }
  }

  /** Resources matching a condition (`Patient?identifier=…`), for conditional interactions. */
  /**
   * What a conditional create (If-None-Exist) answers when its condition finds the resource: that
   * resource, 200, its patients — found by the caller's scoped search; none found, undefined; more
   * than one, 412. `where` names a bundle entry in the message.
   */
  async existingMatch(
    tx: SqlExecutor,
    type: string,
    condition: string,
    where = '',
  ): Promise<WriteResult | undefined> {
    const existing = await this.matchCondition(tx, type, condition);
    if (existing.length > 1)
      fail(412, 'duplicate', `${where}If-None-Exist matched ${existing.length} resources`);
    if (existing.length === 0) return undefined;
    const found = await this.locate(type, existing[0].id as string, undefined, tx);
    return { resource: existing[0], status: 200, patients: found?.patients ?? [] };
  }

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

/** A resource's next version and the current one it replaces (none: a create with the client's id). */
interface Replacement {
  resource: Resource;
  current: CurrentVersion | undefined;
}

interface ReplacementPlan {
  items: Replacement[];
  versions: NewVersion[];
  /** The new versions' resources, in order. */
  resources: Resource[];
  replaced: Map<string, CurrentVersion>;
  /** The live versions replaced, by `Type/id`. */
  previousVersions: Map<string, Resource>;
  changes: WriteChange[];
}

/**
 * How many times an update reads and writes without a lock before it takes the locked transaction:
 * each retry means another write to the same resource committed in between.
 */
const OPTIMISTIC_ATTEMPTS = 2;

/** What an attempt of withoutLock answers: take the locked transaction instead… */
const LOCKED = Symbol('locked');
/** …or read the current version again: another write got in first. */
const AGAIN = Symbol('again');

function replacementResults(plan: ReplacementPlan): WriteResult[] {
  return plan.items.map(({ current }, i) => ({
    resource: plan.resources[i],
    status: current && !current.deleted ? 200 : 201,
    patients: [...new Set([...(plan.versions[i].compartment ?? []), ...(current?.patients ?? [])])],
  }));
}

function checkIfNoneMatch(
  type: string,
  id: string,
  current: CurrentVersion | undefined,
  ifNoneMatch: string | undefined,
): void {
  if (ifNoneMatch?.trim() === '*' && current && !current.deleted)
    fail(412, 'conflict', `${type}/${id} exists (If-None-Match *, current version ${current.versionId})`);
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
