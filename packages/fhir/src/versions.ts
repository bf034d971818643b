/** Building new versions: ids, meta, index rows and compartment, computed before any I/O. */
import type { Resource } from '@medplum/fhirtypes';
import { v7 as uuidV7 } from 'uuid';
import { patientCompartmentOf } from './compartment.ts';
import { buildIndexRows } from './index-rows.ts';
import { FhirError, outcome } from './outcome.ts';
import { SqlParams } from './search/sql-params.ts';
import type { SqlExecutor } from './sql.ts';
import { withoutEmptyArrays } from './validate.ts';
import type { NewVersion } from './write.ts';

/** Up to this many keys, resourceKeys() lists them in VALUES (one prepared text per count). */
export const FEW_KEYS = 8;

/**
 * Resource keys as a relation `(type, id)` for a statement: a VALUES list when there are few (one
 * resource's write, a booking's three participants) — its row count is known to the generic plan of a
 * prepared statement as well as to a custom one, so PostgreSQL keeps the generic plan; with unnest()
 * of arrays it guessed 10 rows, priced the generic plan above the custom one and planned every call,
 * most of a one-resource statement's time. More keys (a page of results, a bundle): two arrays,
 * planned on their size.
 */
export function resourceKeys(p: SqlParams, keys: readonly { type: string; id: string }[]): string {
  if (keys.length <= FEW_KEYS)
    return `(VALUES ${keys.map((k) => `(${p.add(k.type, 'text')}, ${p.add(k.id, 'text')})`).join(', ')})`;
  return `unnest(${p.add(
    keys.map((k) => k.type),
    'text[]',
  )}, ${p.add(
    keys.map((k) => k.id),
    'text[]',
  )})`;
}

/** A new id's time, in steps of this many milliseconds (see newId). */
const ID_TIME_STEP_MS = 1000;

/**
 * A new resource's id: a UUID of version 7 (RFC 9562) whose 48-bit time is the second it was made
 * in (the RFC lets a generator lower the time's precision), followed by 74 random bits. Every
 * index keyed by the resource — `resource`, `resource_history`, each index table's by-resource
 * index, and the value indexes that end with the id — receives a new resource's entries among the
 * last second's instead of at a random leaf: the pages written are the few recent ones, kept in
 * memory. Random within the second: ids ordered to the millisecond made the indexes 15 % larger
 * than random ids at full volume, random within the second 3.5 % (docs/performance.md) — a run of
 * equal values (every `status=final` token) grows at its end, in the middle of the index, and the
 * pages split there are probably left half full.
 * The id tells the second the resource was created in; its first version's `meta.lastUpdated`
 * tells the millisecond.
 */
export function newId(): string {
  const now = Date.now();
  return uuidV7({ msecs: now - (now % ID_TIME_STEP_MS), random: randomBytes16() });
}

/**
 * Sixteen random bytes from the system's generator, drawn a pool at a time: uuid asks
 * `crypto.getRandomValues` for each id, and that call's fixed cost was about 1 % of a create's CPU
 * in a profile of the embedded server (docs/performance.md, *PGlite's statements*).
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = new Uint8Array(0);
let randomDrawn = 0;

function randomBytes16(): Uint8Array {
  if (randomDrawn + 16 > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES));
    randomDrawn = 0;
  }
  randomDrawn += 16;
  return randomPool.subarray(randomDrawn - 16, randomDrawn);
}

export function stampedVersion(
  resource: Resource,
  id: string,
  versionId: number,
  lastUpdated: string,
  method: NewVersion['method'],
): NewVersion {
  // stored as validated: without empty arrays (validate.ts)
  const content = withoutEmptyArrays(resource);
  const stored = {
    ...content,
    id,
    meta: { ...content.meta, versionId: String(versionId), lastUpdated },
  } as Resource;
  const rows = buildIndexRows(stored);
  return {
    resourceType: stored.resourceType,
    id,
    versionId,
    lastUpdated,
    method,
    resource: stored,
    rows,
    compartment: patientCompartmentOf(stored, rows),
  };
}

export function deletionVersion(
  resourceType: string,
  id: string,
  versionId: number,
  lastUpdated: string,
): NewVersion {
  return { resourceType, id, versionId, lastUpdated, method: 'DELETE' };
}

export interface CurrentVersion {
  versionId: number;
  deleted: boolean;
  content: string | null;
  /** Patients of the current version; for a deletion, those of the version it deleted. */
  patients: string[];
}

/**
 * An id stays its compartment's: a deleted patient resource cannot come back as another patient's
 * (its history would then show one patient's versions to the other).
 */
export function assertIdKeepsCompartment(
  type: string,
  id: string,
  current: CurrentVersion | undefined,
  next: NewVersion,
): void {
  if (!current?.deleted || current.patients.length === 0) return;
  const before = new Set(current.patients);
  const after = next.compartment ?? [];
  if (after.length === before.size && after.every((p) => before.has(p))) return;
  throw new FhirError(
    409,
    outcome(
      'error',
      'conflict',
      `The id ${type}/${id} belonged to a deleted record and cannot be reused; create a new resource`,
    ),
  );
}

/** Current versions of the given resources, locked for the rest of the transaction. */
export function lockCurrent(
  tx: SqlExecutor,
  keys: { type: string; id: string }[],
): Promise<Map<string, CurrentVersion>> {
  return currentVersions(tx, keys, true);
}

/**
 * Current versions of the given resources as they stand, not locked: for a write that is then made
 * conditional on the version read (write.ts `WriteCondition`).
 */
export function readCurrent(
  tx: SqlExecutor,
  keys: { type: string; id: string }[],
): Promise<Map<string, CurrentVersion>> {
  return currentVersions(tx, keys, false);
}

async function currentVersions(
  tx: SqlExecutor,
  keys: { type: string; id: string }[],
  lock: boolean,
): Promise<Map<string, CurrentVersion>> {
  const found = new Map<string, CurrentVersion>();
  if (keys.length === 0) return found;
  const p = new SqlParams();
  const result = await tx.query<{
    resource_type: string;
    id: string;
    version_id: string;
    deleted: boolean;
    content: string | null;
    patients: string[] | null;
  }>(
    `SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content::text AS content, h.patients
       FROM ${resourceKeys(p, keys)} AS k(t, i)
       JOIN resource r ON r.resource_type = k.t AND r.id = k.i
       LEFT JOIN resource_history h ON h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
      ORDER BY r.resource_type, r.id${lock ? ' FOR UPDATE OF r' : ''}`,
    p.values,
    { prepared: keys.length <= FEW_KEYS },
  );
  for (const row of result.rows) {
    found.set(`${row.resource_type}/${row.id}`, {
      versionId: Number(row.version_id),
      deleted: row.deleted,
      content: row.content,
      patients: row.patients ?? [],
    });
  }
  return found;
}

export function nowInstant(): string {
  return new Date().toISOString();
}
