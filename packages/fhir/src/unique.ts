/**
 * Identifiers that name one resource only (a national ID number, a professional registration):
 * the deployment lists their systems, and every write that sets one checks, under an advisory
 * lock on the value, that no other live resource of the type carries it. Two concurrent writers
 * of the same value are serialised; the second gets a 409.
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome } from './outcome.ts';
import type { SqlExecutor } from './sql.ts';

export interface UniqueIdentifier {
  resourceType: string;
  system: string;
}

interface Claim {
  type: string;
  id: string;
  system: string;
  value: string;
}

function claimsOf(resources: Resource[], unique: readonly UniqueIdentifier[]): Claim[] {
  const claims: Claim[] = [];
  for (const resource of resources) {
    const systems = unique.filter((u) => u.resourceType === resource.resourceType).map((u) => u.system);
    if (systems.length === 0) continue;
    for (const identifier of (resource as { identifier?: Identifier[] }).identifier ?? []) {
      if (identifier.system && systems.includes(identifier.system) && typeof identifier.value === 'string') {
        if (identifier.period?.end && Date.parse(identifier.period.end) < Date.now()) continue;
        claims.push({
          type: resource.resourceType,
          id: resource.id as string,
          system: identifier.system,
          value: identifier.value,
        });
      }
    }
  }
  return claims;
}

/** Whether any of these resources carries a unique identifier (then the write needs a transaction). */
export function carriesUniqueIdentifier(resources: Resource[], unique: readonly UniqueIdentifier[]): boolean {
  return unique.length > 0 && claimsOf(resources, unique).length > 0;
}

const keyOf = (c: { type: string; system: string; value: string }) => `${c.type}|${c.system}|${c.value}`;

/** The advisory lock of a claimed value: the same for every way of claiming it. */
const lockKeyOf = (c: Claim) => `identifier|${keyOf(c)}`;

/**
 * A claim checked inside the write statement itself (write.ts), by the database function of
 * migration 12: it takes the value's advisory lock, then — in a query of its own, whose snapshot is
 * taken after the lock, so that a holder committed while it waited is seen — fails with
 * `HELD_CLAIM` when an index row of another resource carries the value. A create with one claim
 * is then one statement instead of a transaction of five (BEGIN, lock, check, write, COMMIT).
 */
export interface StatementClaim {
  lockKey: string;
  type: string;
  system: string;
  value: string;
  /** The claimant, whose own rows never count against it. */
  id: string;
}

/** SQLSTATE the claim function raises: another resource's index row carries the value. */
export const HELD_CLAIM = 'SH409';

/**
 * The one claim of a resource, to be checked in its write statement; undefined when it carries
 * none or several (those go through a transaction and assertUniqueIdentifiers).
 */
export function soleClaim(
  resource: Resource,
  unique: readonly UniqueIdentifier[],
): StatementClaim | undefined {
  if (unique.length === 0) return undefined;
  const claims = claimsOf([resource], unique);
  if (claims.length !== 1) return undefined;
  const [c] = claims;
  return { lockKey: lockKeyOf(c), type: c.type, system: c.system, value: c.value, id: c.id };
}

/** Whether a write failed because its statement's claim met another holder (then: the transaction). */
export function isHeldClaim(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === HELD_CLAIM;
}

/**
 * Checks inside the writing transaction, set-based (a bundle of thousands of patients is two
 * statements); throws 409 on a value already held by another live resource.
 *
 * `replaced` are the stored, live versions these resources replace, by `Type/id`, their rows locked
 * by the caller. A value such a version claims already is held by the resource: no other write can
 * have taken it since (it would have met this resource's index row), so keeping it is not asked of
 * the database again — an update that keeps its CNIE takes no lock and reads no index. Values are
 * still compared within the write, so that two resources of one bundle never end up with one value.
 */
export async function assertUniqueIdentifiers(
  tx: SqlExecutor,
  resources: Resource[],
  unique: readonly UniqueIdentifier[],
  replaced?: ReadonlyMap<string, Resource | undefined>,
): Promise<void> {
  if (unique.length === 0) return;
  const claims = claimsOf(resources, unique);
  if (claims.length === 0) return;
  const owners = new Map<string, Claim>();
  for (const c of claims) {
    const owner = owners.get(keyOf(c));
    if (owner && owner.id !== c.id) conflict(c);
    owners.set(keyOf(c), c);
  }
  const kept = keptClaims(resources, unique, replaced);
  const asked = [...owners.values()].filter((c) => !kept.has(`${c.type}/${c.id}|${keyOf(c)}`));
  if (asked.length === 0) return;
  // locks taken in a fixed order, so two transactions claiming the same values cannot deadlock
  await tx.query(
    'SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) s',
    [asked.map(lockKeyOf)],
    { prepared: true },
  );
  const held = await tx.query<{ resource_type: string; id: string; system: string; value: string }>(
    ...heldStatement(asked),
  );
  const rivals = held.rows.flatMap((row) => {
    const claim = owners.get(keyOf({ type: row.resource_type, system: row.system, value: row.value }));
    return claim && claim.id !== row.id ? [{ claim, type: row.resource_type, id: row.id }] : [];
  });
  if (rivals.length === 0) return;
  // An index row says the holder carries the value, not that its identifier is still in force: an
  // ended one claims nothing (claimsOf). So a rival is judged by its own claims: those of its new
  // version when this write replaces it (already checked above, among the claims), else those of
  // its stored version, read here — rarely, only when the index shows another carrier.
  const written = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
  for (const rival of rivals) {
    if (written.has(`${rival.type}/${rival.id}`)) continue;
    const stored = await tx.query<{ content: string }>(
      'SELECT content::text AS content FROM resource WHERE resource_type = $1::text AND id = $2::text AND NOT deleted',
      [rival.type, rival.id],
    );
    const holder = stored.rows[0] ? (JSON.parse(stored.rows[0].content) as Resource) : undefined;
    if (!holder) continue;
    const held = claimsOf([{ ...holder, id: rival.id } as Resource], unique);
    if (held.some((c) => keyOf(c) === keyOf(rival.claim))) conflict(rival.claim);
  }
}

/**
 * Whether writing these resources over the versions they replace asks the database nothing: every
 * unique value they carry, the replaced versions carried already (assertUniqueIdentifiers would
 * neither lock nor read).
 */
export function claimsNothingNew(
  resources: Resource[],
  unique: readonly UniqueIdentifier[],
  replaced: ReadonlyMap<string, Resource | undefined>,
): boolean {
  if (unique.length === 0) return true;
  const kept = keptClaims(resources, unique, replaced);
  return claimsOf(resources, unique).every((c) => kept.has(`${c.type}/${c.id}|${keyOf(c)}`));
}

/** `Type/id|claim` of the values the replaced versions of these resources claim already. */
function keptClaims(
  resources: Resource[],
  unique: readonly UniqueIdentifier[],
  replaced: ReadonlyMap<string, Resource | undefined> | undefined,
): Set<string> {
  const kept = new Set<string>();
  if (!replaced || replaced.size === 0) return kept;
  for (const resource of resources) {
    const previous = replaced.get(`${resource.resourceType}/${resource.id}`);
    if (!previous) continue;
    for (const c of claimsOf([{ ...previous, id: resource.id } as Resource], unique))
      kept.add(`${c.type}/${c.id}|${keyOf(c)}`);
  }
  return kept;
}

/**
 * The resources holding any of the claimed values. Index rows exist only for current, undeleted
 * versions (write.ts), so the index alone answers: no `resource` row is read. One claim (an
 * interactive create or update) is asked with scalars: the planner sizes an unnest() by its arrays'
 * values, so the prepared statement's generic plan looked ten times costlier than each custom one
 * and PostgreSQL planned it anew at every write. Reading the index alone keeps the generic plan as
 * cheap as a custom one at any volume too: where statistics guess twenty rows for one value, twenty
 * index entries cost hardly more than one, twenty `resource` look-ups did. A bundle's claims go as
 * arrays, unnamed, planned on their number.
 */
function heldStatement(list: Claim[]): [string, unknown[], { prepared: boolean }] {
  if (list.length === 1) {
    const [c] = list;
    return [
      `SELECT resource_type, id, system, value FROM sp_token
        WHERE resource_type = $1::text AND code = 'identifier' AND value = $3::text AND system = $2::text`,
      [c.type, c.system, c.value],
      { prepared: true },
    ];
  }
  return [
    `SELECT t.resource_type, t.id, t.system, t.value FROM sp_token t
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS c(type, system, value)
         ON t.resource_type = c.type AND t.code = 'identifier' AND t.system = c.system AND t.value = c.value`,
    [list.map((c) => c.type), list.map((c) => c.system), list.map((c) => c.value)],
    { prepared: false },
  ];
}

function conflict(c: Claim): never {
  throw new FhirError(
    409,
    outcome('error', 'duplicate', `Another ${c.type} already has the identifier ${c.value} (${c.system})`, [
      `${c.type}.identifier`,
    ]),
  );
}
