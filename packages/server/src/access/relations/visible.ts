/**
 * Which patients a care-giver may see now, decided per request and cached for a few seconds:
 *   (open care relationships of the practitioner or their organisations ∪ the patient's explicit
 *    shares) − national opt-out without a share − refusals, ∪ unexpired break-the-glass grants.
 * Consents count only when the patient (or their legal representative) gave them: consent_author.
 * The cache is dropped at once when this process writes a relationship, a Consent or a
 * PractitionerRole; other processes see changes within the cache's lifetime.
 */
import type { SqlExecutor } from '@sahti/fhir';

export interface CareView {
  /** The practitioner and the organisations they work for, as references. */
  actors: readonly string[];
  /** Frozen: the engine writes its SQL literal once per view (search/sql-params.ts). */
  patients: readonly string[];
  /** The same patients as a set, for the write guard's lookups (made once per view, not per request). */
  patientSet: ReadonlySet<string>;
}

/** The practitioner and the organisations they work for (active PractitionerRoles). */
export async function actorReferences(db: SqlExecutor, practitioner: string): Promise<string[]> {
  const id = practitioner.split('/')[1];
  const rows = await db.query<{ org: string }>(
    `SELECT DISTINCT o.target_type || '/' || o.target_id AS org
       FROM sp_reference p JOIN sp_reference o ON o.resource_type = p.resource_type AND o.id = p.id
      WHERE p.resource_type = 'PractitionerRole' AND p.code = 'practitioner' AND p.target_type = 'Practitioner'
        AND p.target_id = $1::text AND o.code = 'organization' AND o.target_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM sp_token a WHERE a.resource_type = 'PractitionerRole' AND a.id = p.id
                          AND a.code = 'active' AND a.value = 'false')`,
    [id],
  );
  return [practitioner, ...rows.rows.map((r) => r.org)];
}

const ACTIVE = 'start_at <= now() AND (end_at IS NULL OR end_at > now())';

export async function relatedPatients(
  db: SqlExecutor,
  practitioner: string,
  actors: string[],
): Promise<string[]> {
  const consents = (effect: 'deny' | 'permit', withActor: boolean): string => `
    SELECT au.patient_id AS target_id FROM consent_author au
      JOIN resource cr ON cr.resource_type = 'Consent' AND cr.id = au.consent_id AND NOT cr.deleted
      JOIN sp_token cs ON cs.resource_type = 'Consent' AND cs.id = cr.id AND cs.code = 'status' AND cs.value = 'active'
     WHERE cr.content->'provision'->>'type' = '${effect}'
       AND ${withActor ? '' : 'NOT '}EXISTS (SELECT 1 FROM sp_reference ca WHERE ca.resource_type = 'Consent'
           AND ca.id = cr.id AND ca.code = 'actor'${withActor ? " AND ca.target_type || '/' || ca.target_id = ANY($1::text[])" : ''})`;
  const sql = `
    WITH care AS (
      SELECT patient_id FROM care_relation WHERE actor = ANY($1::text[]) AND source <> 'break-glass' AND ${ACTIVE}
    ), shared AS (${consents('permit', true)}),
    refused AS (${consents('deny', true)}),
    opted_out AS (${consents('deny', false)})
    (((SELECT patient_id FROM care UNION SELECT * FROM shared)
       EXCEPT SELECT * FROM opted_out WHERE target_id NOT IN (SELECT * FROM shared))
       EXCEPT SELECT * FROM refused)
    UNION
    SELECT patient_id FROM care_relation WHERE actor = $2::text AND source = 'break-glass' AND ${ACTIVE}`;
  const rows = await db.query<{ patient_id: string }>(sql, [actors, practitioner]);
  return rows.rows.map((r) => r.patient_id);
}

/** A short-lived cache of CareViews, with a generation bumped on every relevant change. */
export class CareViewCache {
  private readonly entries = new Map<string, { view: CareView; at: number; generation: number }>();
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Anything that may change who sees whom happened: forget every cached view. */
  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
  }

  async get(db: SqlExecutor, practitioner: string): Promise<CareView> {
    const now = Date.now();
    const hit = this.entries.get(practitioner);
    if (hit && hit.generation === this.generation && now - hit.at < this.ttlMs) return hit.view;
    const generation = this.generation;
    const actors = await actorReferences(db, practitioner);
    const patients = await relatedPatients(db, practitioner, actors);
    const view = {
      actors: Object.freeze(actors),
      patients: Object.freeze(patients),
      patientSet: new Set(patients),
    };
    // a change during the lookup may have been missed by it: do not keep the result then
    if (generation === this.generation && this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries)
        this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(practitioner, { view, at: now, generation });
    }
    return view;
  }
}
