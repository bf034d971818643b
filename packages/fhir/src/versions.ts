/** Building new versions: ids, meta, index rows and compartment, computed before any I/O. */
import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentOf } from './compartment.ts';
import { buildIndexRows } from './index-rows.ts';
import { FhirError, outcome } from './outcome.ts';
import type { SqlExecutor } from './sql.ts';
import type { NewVersion } from './write.ts';

export function newId(): string {
  return crypto.randomUUID();
}

export function stampedVersion(
  resource: Resource,
  id: string,
  versionId: number,
  lastUpdated: string,
  method: NewVersion['method'],
): NewVersion {
  const stored = {
    ...resource,
    id,
    meta: { ...resource.meta, versionId: String(versionId), lastUpdated },
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
export async function lockCurrent(
  tx: SqlExecutor,
  keys: { type: string; id: string }[],
): Promise<Map<string, CurrentVersion>> {
  const found = new Map<string, CurrentVersion>();
  if (keys.length === 0) return found;
  const result = await tx.query<{
    resource_type: string;
    id: string;
    version_id: string;
    deleted: boolean;
    content: string | null;
    patients: string[] | null;
  }>(
    keys.length === 1
      ? // one resource (every interactive write): scalar parameters, so that the prepared statement's
        // generic plan costs what a custom one does and PostgreSQL stops planning it each time (with
        // an unnest() of arrays it never did: 1 plan per call, most of the statement's time)
        `SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content::text AS content, h.patients FROM resource r
         LEFT JOIN resource_history h ON h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
         WHERE r.resource_type = $1::text AND r.id = $2::text FOR UPDATE OF r`
      : `SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content::text AS content, h.patients FROM resource r
         JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i
         LEFT JOIN resource_history h ON h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
         ORDER BY r.resource_type, r.id FOR UPDATE OF r`,
    keys.length === 1 ? [keys[0].type, keys[0].id] : [keys.map((k) => k.type), keys.map((k) => k.id)],
    { prepared: keys.length === 1 },
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
