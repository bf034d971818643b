/** Building new versions: ids, meta, index rows and compartment, computed before any I/O. */
import type { Resource } from '@medplum/fhirtypes';
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

/**
 * The digits of a new id: Crockford's base 32 in lower case — digits, then letters without i, l, o
 * and u. Only digits and lower-case letters, so that ids of one length sort alike in byte order and
 * in a production cluster's locale (which orders digits before letters and ignores case first).
 */
const ID_DIGITS = '0123456789abcdefghjkmnpqrstvwxyz';
/** Base-32 digits of a new id's time: seconds since 1970 up to 2^35 (the year 3058). */
const ID_TIME_DIGITS = 7;
/** Base-32 digits drawn at random: 75 bits, one more than a UUID of version 7 leaves random. */
const ID_RANDOM_DIGITS = 15;

/**
 * A new resource's id, 22 characters: the second it was made in, then 75 random bits, each 5 bits
 * one digit of `ID_DIGITS` (FHIR's id allows up to 64 of `[A-Za-z0-9\-.]`). Time first: every
 * index keyed by the resource — `resource`, `resource_history`, each index table's by-resource
 * index, and the value indexes that end with the id — receives a new resource's entries among the
 * last second's instead of at a random leaf: the pages written are the few recent ones, kept in
 * memory. Random within the second: ids ordered to the millisecond made the indexes 15 % larger
 * than random ids at full volume, random within the second 3.5 % (docs/performance.md) — a run of
 * equal values (every `status=final` token) grows at its end, in the middle of the index, and the
 * pages split there are probably left half full.
 * 22 characters, not a UUID's 36: the id is in every row of every index table and in both of its
 * indexes, in the compartment, the history, the events and each reference to the resource — about
 * thirty times a resource (docs/performance.md, *Ids of 22 characters*). Ids made before (UUIDs of
 * version 7) stay as they are; the two kinds only sort apart.
 * The id tells the second the resource was created in; its first version's `meta.lastUpdated`
 * tells the millisecond.
 */
export function newId(): string {
  let seconds = Math.floor(Date.now() / 1000);
  const digits = new Array<string>(ID_TIME_DIGITS + ID_RANDOM_DIGITS);
  for (let i = ID_TIME_DIGITS - 1; i >= 0; i--) {
    digits[i] = ID_DIGITS[seconds % 32];
    seconds = Math.floor(seconds / 32);
  }
  const random = randomBytes16();
  for (let i = 0; i < ID_RANDOM_DIGITS; i++) digits[ID_TIME_DIGITS + i] = ID_DIGITS[random[i] & 31];
  return digits.join('');
}

/** The second a new id (newId) was made in; undefined for an id of another form (a UUID, a client's). */
export function secondOfId(id: string): number | undefined {
  if (id.length !== ID_TIME_DIGITS + ID_RANDOM_DIGITS) return undefined;
  let seconds = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = ID_DIGITS.indexOf(id[i]);
    if (digit < 0) return undefined;
    if (i < ID_TIME_DIGITS) seconds = seconds * 32 + digit;
  }
  return seconds;
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
