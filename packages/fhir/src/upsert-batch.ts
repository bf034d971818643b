/**
 * Bulk upsert of client-identified resources (the engine side of `$import`): each resource is a PUT
 * by type and id, and a batch of them is ONE database transaction — current versions locked in one
 * statement, every new version built by the same code as any write (validation, index rows,
 * compartment, guard, write hooks, unique identifiers, events) and written by writeVersions().
 * References are kept as written. A line the engine refuses before the database is touched
 * (invalid, no id, refused by the guard) is reported and changes nothing; a refusal that can only
 * be judged for the batch as a whole (a unique identifier, a write hook) throws, and the caller
 * retries that batch resource by resource to find the culprit.
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome } from './outcome.ts';
import type { SqlExecutor } from './sql.ts';
import { noteWrites } from './statistics.ts';
import type { FhirStore } from './store.ts';
import { hasErrors, type ResourceRule, validationOutcome } from './validate.ts';
import { assertIdKeepsCompartment, lockCurrent, stampedVersion } from './versions.ts';
import { type NewVersion, writeVersions } from './write.ts';

/**
 * One resource to upsert, built before any I/O by prepareUpsert (validated, index rows and
 * compartment computed), with where it came from (a line number of the file). Its version number
 * is set when it is written, from the current version locked then.
 */
export interface UpsertItem {
  line: number;
  version: NewVersion & { resource: Resource };
}

export interface UpsertRefusal {
  line: number;
  outcome: OperationOutcome;
}

export interface UpsertBatchResult {
  /** Resources written, by type. */
  written: Record<string, number>;
  /** Lines refused by the guard or the id rules, nothing of them written. */
  refused: UpsertRefusal[];
}

/**
 * The checks a write makes before any I/O, for one parsed line: R4 validation with the deployment's
 * rules, and an id (an import is an upsert: the client names each resource). Pure.
 */
export function checkUpsertItem(
  resource: unknown,
  rules: ResourceRule[],
): { resource: Resource & { id: string } } | { outcome: OperationOutcome } {
  const result = validationOutcome(resource, rules);
  if (hasErrors(result))
    return { outcome: { ...result, issue: result.issue?.filter((i) => i.severity !== 'information') } };
  const r = resource as Resource;
  if (typeof r.id !== 'string')
    return {
      outcome: outcome(
        'error',
        'required',
        `${r.resourceType} has no id: each line is an upsert by type and id, so it must carry one`,
        [`${r.resourceType}.id`],
      ),
    };
  return { resource: r as Resource & { id: string } };
}

/**
 * The new version of a checked resource, as every write builds it (stampedVersion: meta, index
 * rows, compartment) but without its version number, so that it can be built while an earlier
 * batch is being written. No search parameter reads meta.versionId, so the index rows are those of
 * the version as stored.
 */
export function prepareUpsert(line: number, resource: Resource & { id: string }, now: string): UpsertItem {
  return { line, version: stampedVersion(resource, resource.id, 0, now, 'PUT') as UpsertItem['version'] };
}

/**
 * Upserts a batch in one transaction (see the file's comment). No two items may name the same
 * resource (the caller splits the batch there). `within` runs last inside the same transaction:
 * the caller records its progress there, so the batch and its bookkeeping commit together.
 */
export async function upsertBatch(
  store: FhirStore,
  items: UpsertItem[],
  within?: (tx: SqlExecutor, result: UpsertBatchResult) => Promise<void>,
): Promise<UpsertBatchResult> {
  const keys = items.map((i) => ({ type: i.version.resourceType, id: i.version.id }));
  if (new Set(keys.map((k) => `${k.type}/${k.id}`)).size !== keys.length)
    throw new Error('upsertBatch: two items name the same resource');
  const result = await store.db.transaction(async (tx) => {
    const result: UpsertBatchResult = { written: {}, refused: [] };
    const current = await lockCurrent(tx, keys);
    const versions: NewVersion[] = [];
    const previous = new Map<string, Resource | undefined>();
    for (const item of items) {
      const { resourceType: type, id, resource } = item.version;
      const key = `${type}/${id}`;
      const before = current.get(key);
      const prior =
        before && !before.deleted && before.content ? (JSON.parse(before.content) as Resource) : undefined;
      try {
        const versionId = (before?.versionId ?? 0) + 1;
        const version: NewVersion = {
          ...item.version,
          versionId,
          resource: { ...resource, meta: { ...resource.meta, versionId: String(versionId) } } as Resource,
        };
        assertIdKeepsCompartment(type, id, before, version);
        await store.access.guard?.(tx, version.resource, prior);
        versions.push(version);
        previous.set(key, prior);
        result.written[type] = (result.written[type] ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof FhirError)) throw err;
        result.refused.push({ line: item.line, outcome: err.outcome });
      }
    }
    const effect = store.planHooksFor(versions, previous);
    await store.checkUniqueIdentifiers(
      tx,
      versions.map((v) => v.resource as Resource),
      previous,
    );
    await writeVersions(tx, versions, current, store);
    await effect?.(tx);
    await within?.(tx, result);
    return result;
  });
  noteWrites(store.db, items.length);
  return result;
}
