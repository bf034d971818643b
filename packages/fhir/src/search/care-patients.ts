/**
 * A care-giver's Patients — the listed patients and the Patients whose `link` names one of them —
 * in the database's order, found once per care list and kept with it. The access layer's care view
 * is a frozen list kept for a few seconds (server access/relations/visible.ts); every page of the
 * care-giver's list of Patients during that time reads its candidates from here instead of sorting
 * the list and probing the linked Patients again in each statement (drive.ts carePatientsPage).
 *
 * Sorted by the database, not by node: a page's cursor is compared with the ids in the database's
 * collation, which need not be node's (a production cluster's locale). The linked Patients are only
 * candidates: the page's statement checks each against the list again, so a link removed since
 * counts at once, whoever removed it. A link added shows with the next care view: the access layer
 * renews its views at once on any Patient written in its own process (relations/sources.ts), and
 * within their lifetime (5 s by default) for writes of other processes — as for a relationship.
 * Measured: the care-giver's list statement 287 → 161 µs of PostgreSQL a request (docs/performance.md,
 * *A care-giver's Patients kept in order with the care list*).
 */
import type { SqlExecutor } from '../sql.ts';

export interface CarePatients {
  /** Listed and linked Patients' ids, each once, in the database's order. */
  ids: readonly string[];
  /**
   * `{f,t,…}`: whether each id is only linked (not itself listed), as PostgreSQL's array literal;
   * undefined when none is (most lists: the page's statement then needs neither it nor the list).
   */
  linked?: string;
}

/** Each kept list's look-up, shared by the requests that ask for it at once (a screen's few searches). */
const kept = new WeakMap<readonly string[], Promise<CarePatients>>();

/** The listed ids and the Patients linked to them, each once, in the database's order. */
export const CARE_PATIENTS_SQL = `SELECT u.id, bool_and(u.linked) AS linked FROM (
    SELECT unnest($1::text[]) AS id, false AS linked
    UNION ALL
    SELECT l.id, true FROM compartment l
      WHERE l.patient_id = ANY($1::text[]) AND l.resource_type = 'Patient' AND l.id <> l.patient_id) u
  GROUP BY u.id ORDER BY u.id`;

/**
 * The care list's Patients in order; undefined for a list that is not frozen (it may change between
 * two queries: the page's statement then finds them itself).
 */
export async function carePatients(
  db: SqlExecutor,
  patients: readonly string[],
): Promise<CarePatients | undefined> {
  if (!Object.isFrozen(patients)) return undefined;
  const shared = kept.get(patients);
  // another request's look-up failed (its transaction, its connection): this one looks for itself
  if (shared) return shared.catch(() => lookUp(db, patients));
  const mine = lookUp(db, patients);
  kept.set(patients, mine);
  mine.catch(() => kept.get(patients) === mine && kept.delete(patients));
  return mine;
}

async function lookUp(db: SqlExecutor, patients: readonly string[]): Promise<CarePatients> {
  const rows = await db.query<{ id: string; linked: boolean }>(CARE_PATIENTS_SQL, [patients]);
  return {
    ids: Object.freeze(rows.rows.map((r) => r.id)),
    linked: rows.rows.some((r) => r.linked)
      ? `{${rows.rows.map((r) => (r.linked ? 't' : 'f')).join(',')}}`
      : undefined,
  };
}
