/**
 * What one caller may read, as data: which resource types, which patients' compartments, which
 * shared (non-patient) types, and which resources are addressed to them. The engine compiles it
 * into SQL for every read path — current rows, history versions, chained targets, `_has` sources,
 * includes — so nothing out of scope ever leaves the database. The rules that decide the values
 * (roles, care relationships, consent) live with the caller, not here.
 */
import { rowCode } from './overlap.ts';
import type { SqlParams } from './search/sql-params.ts';

export interface ReadScope {
  /** Resource types the caller may read at all (e.g. from SMART scopes); absent means every type. */
  types?: readonly string[];
  /** Types anyone in scope may read when they belong to no patient: registries, terminology. */
  shared: readonly string[];
  /** Patients whose compartment the caller may read, or every patient. */
  patients: readonly string[] | 'all';
  /** Types readable whoever they belong to (an administrator manages every care team). */
  anyPatient?: readonly string[];
  /**
   * Resources that name one of `actors` through one of `params` ([type, reference parameter]) are
   * readable although their patient is not: a referral Task addressed to a specialist, say.
   */
  addressed?: { actors: readonly string[]; params: readonly (readonly [string, string])[] };
  /** Types never read through this scope, whatever else allows (served elsewhere to their owner). */
  excludedTypes?: readonly string[];
}

/** The historical name: every read path takes an AccessScope. */
export type AccessScope = ReadScope;

/** SQL over a current `resource` row aliased `alias`; undefined when nothing is restricted. */
export function scopeCondition(
  scope: ReadScope | undefined,
  alias: string,
  p: SqlParams,
): string | undefined {
  if (!scope) return undefined;
  const parts: string[] = [];
  if (scope.types) parts.push(`${alias}.resource_type = ANY(${p.add(scope.types, 'text[]')})`);
  if (scope.excludedTypes?.length)
    parts.push(`NOT (${alias}.resource_type = ANY(${p.add(scope.excludedTypes, 'text[]')}))`);
  if (scope.patients !== 'all') {
    // OFFSET 0 keeps each test a probe of this row's compartment rows (index on resource_type, id).
    // Without it the planner may hash the whole subquery instead: every compartment row of every
    // patient in the caller's list (and of everyone, for the NOT EXISTS) on each query — a cost
    // that grows with the care list and the records behind it, not with the page asked for.
    const inCompartment = (patients: string) =>
      `EXISTS (SELECT 1 FROM compartment sc WHERE sc.resource_type = ${alias}.resource_type AND sc.id = ${alias}.id${patients} OFFSET 0)`;
    const alternatives = [
      `(${alias}.resource_type = ANY(${p.add(scope.shared, 'text[]')}) AND NOT ${inCompartment('')})`,
    ];
    if (scope.patients.length > 0)
      alternatives.push(inCompartment(` AND sc.patient_id = ${patientListTest(scope.patients, p)}`));
    if (scope.anyPatient?.length)
      alternatives.push(`${alias}.resource_type = ANY(${p.add(scope.anyPatient, 'text[]')})`);
    const addressed = addressedCondition(scope, alias, p);
    if (addressed) alternatives.push(addressed);
    parts.push(`(${alternatives.join(' OR ')})`);
  }
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

/**
 * Lists up to this many patients are passed behind a sub-select: the planner then neither
 * estimates the selectivity of each element (hundreds of lookups in the statistics, on every
 * query — more than the search itself costs at a care-giver's usual few hundred patients) nor
 * hashes the list; each compartment row probed is compared with the list in turn. Longer lists
 * stay constants, hashed once per query, where a linear test per probed row would cost more.
 */
const PLANNER_BLIND_PATIENTS = 512;

export function patientListTest(patients: readonly string[], p: SqlParams): string {
  return listTest(p.add(patients, 'text[]'), patients.length);
}

/** The same test of a list already passed as the placeholder `list`, of `count` patients. */
export function listTest(list: string, count: number): string {
  return count <= PLANNER_BLIND_PATIENTS ? `ANY((SELECT ${list})::text[])` : `ANY(${list})`;
}

/**
 * SQL over a `resource_history` row aliased `alias`: each version is judged by the patients it
 * belonged to (its own `patients` column), so a resource moved to another patient, or an id reused
 * after a deletion, never shows one patient's old versions to the other.
 */
export function versionScopeCondition(
  scope: ReadScope | undefined,
  alias: string,
  p: SqlParams,
): string | undefined {
  if (!scope) return undefined;
  const parts: string[] = [];
  if (scope.types) parts.push(`${alias}.resource_type = ANY(${p.add(scope.types, 'text[]')})`);
  if (scope.excludedTypes?.length)
    parts.push(`NOT (${alias}.resource_type = ANY(${p.add(scope.excludedTypes, 'text[]')}))`);
  if (scope.patients !== 'all') {
    const alternatives = [
      `(${alias}.resource_type = ANY(${p.add(scope.shared, 'text[]')}) AND cardinality(${alias}.patients) = 0)`,
    ];
    if (scope.patients.length > 0)
      alternatives.push(`${alias}.patients && ${p.add(scope.patients, 'text[]')}`);
    if (scope.anyPatient?.length)
      alternatives.push(`${alias}.resource_type = ANY(${p.add(scope.anyPatient, 'text[]')})`);
    const addressed = addressedCondition(scope, alias, p);
    if (addressed) alternatives.push(addressed);
    parts.push(`(${alternatives.join(' OR ')})`);
  }
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

/**
 * versionScopeCondition's verdict on one version already read (its type and its own `patients`
 * column), decided in memory: a read by id then carries no patient list into its SQL — with a
 * care-giver's hundreds of patients, binding and planning that array cost more than the read.
 * Undefined when only the database can tell: the version may be addressed to the caller.
 * Keep the two in step; tests/access-history.test.ts and the leak hunts exercise both.
 */
export function versionVisibleInMemory(
  scope: ReadScope,
  type: string,
  patients: readonly string[] | null | undefined,
): boolean | undefined {
  if (!Array.isArray(patients)) return undefined;
  if (scope.types && !scope.types.includes(type)) return false;
  if (scope.excludedTypes?.includes(type)) return false;
  if (scope.patients === 'all') return true;
  if (patients.length === 0 && scope.shared.includes(type)) return true;
  const mine = scope.patients;
  if (mine.length > 0 && patients.some((p) => mine.includes(p))) return true;
  if (scope.anyPatient?.includes(type)) return true;
  return mayBeAddressed(scope, type) ? undefined : false;
}

/** Whether a resource of this type may be readable for being addressed to one of the caller's actors. */
function mayBeAddressed(scope: ReadScope, type: string): boolean {
  const addressed = scope.addressed;
  return !!addressed && addressed.actors.length > 0 && addressed.params.some(([t]) => t === type);
}

function addressedCondition(scope: ReadScope, alias: string, p: SqlParams): string | undefined {
  const addressed = scope.addressed;
  if (!addressed || addressed.actors.length === 0 || addressed.params.length === 0) return undefined;
  const pairs = addressed.params.map(
    ([type, code]) => `(sa.resource_type = ${p.add(type, 'text')} AND ${rowCode('sa', type, code, p)})`,
  );
  return `EXISTS (SELECT 1 FROM sp_reference sa WHERE sa.resource_type = ${alias}.resource_type AND sa.id = ${alias}.id
    AND (${pairs.join(' OR ')}) AND sa.target_type || '/' || sa.target_id = ANY(${p.add(addressed.actors, 'text[]')}))`;
}

/**
 * The care list, when it is the only way this scope lets a resource of `type` be read — no shared,
 * any-patient or addressed alternative for the type — and short enough to start a search from: a
 * search may then read the list's compartment rows of the type as its candidates, every one of
 * them in scope (search/drive.ts), instead of walking a national table for the few it may see.
 * Keep in step with scopeCondition.
 */
export function careListOnly(scope: ReadScope | undefined, type: string): readonly string[] | undefined {
  if (!scope || scope.patients === 'all' || !scopeAllowsType(scope, type)) return undefined;
  if (scope.shared.includes(type) || scope.anyPatient?.includes(type)) return undefined;
  if (mayBeAddressed(scope, type)) return undefined;
  const patients = scope.patients;
  return patients.length > 0 && patients.length <= PLANNER_BLIND_PATIENTS ? patients : undefined;
}

/** Whether the scope lets the caller read this type at all (before any row is looked at). */
export function scopeAllowsType(scope: ReadScope | undefined, type: string): boolean {
  if (scope?.excludedTypes?.includes(type)) return false;
  return !scope?.types || scope.types.includes(type);
}
