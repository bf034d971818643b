/**
 * Which patients a care-giver may see, decided per request:
 *   (care relationship ∪ patient's explicit "share")  − national opt-out without share − refusal
 *   ∪ unexpired break-the-glass grants.
 * A care relationship is an Encounter, Appointment, CareTeam, EpisodeOfCare, ServiceRequest or
 * Task (tele-expertise, guest dialysis) that names the practitioner. Consents are FHIR Consent
 * resources the patient manages: provision.type deny|permit, provision.actor the practitioner or
 * their organisation; a deny without actor is the opt-out of national sharing.
 */
import type { SqlExecutor } from '@sahti/fhir';

const CARE_TYPES = ['Encounter', 'Appointment', 'CareTeam', 'EpisodeOfCare', 'ServiceRequest', 'Task'];

/** The practitioner and the organisations they work for, as reference strings. */
export async function actorReferences(db: SqlExecutor, practitioner: string): Promise<string[]> {
  const id = practitioner.split('/')[1];
  const rows = await db.query<{ org: string }>(
    `SELECT DISTINCT o.target_type || '/' || o.target_id AS org
       FROM sp_reference p JOIN sp_reference o ON o.resource_type = p.resource_type AND o.id = p.id
      WHERE p.resource_type = 'PractitionerRole' AND p.code = 'practitioner' AND p.target_type = 'Practitioner'
        AND p.target_id = $1::text AND o.code = 'organization' AND o.target_id IS NOT NULL`,
    [id],
  );
  return [practitioner, ...rows.rows.map((r) => r.org)];
}

export async function relatedPatients(
  db: SqlExecutor,
  practitioner: string,
  actors: string[],
): Promise<string[]> {
  const id = practitioner.split('/')[1];
  const consents = (effect: 'deny' | 'permit', withActor: boolean): string => `
    SELECT cp.target_id FROM resource cr
      JOIN sp_reference cp ON cp.resource_type = 'Consent' AND cp.id = cr.id AND cp.code = 'patient'
      JOIN sp_token cs ON cs.resource_type = 'Consent' AND cs.id = cr.id AND cs.code = 'status' AND cs.value = 'active'
     WHERE cr.resource_type = 'Consent' AND NOT cr.deleted AND cr.content->'provision'->>'type' = '${effect}'
       AND ${withActor ? '' : 'NOT '}EXISTS (SELECT 1 FROM sp_reference ca WHERE ca.resource_type = 'Consent'
           AND ca.id = cr.id AND ca.code = 'actor'${withActor ? " AND ca.target_type || '/' || ca.target_id = ANY($3::text[])" : ''})`;
  const sql = `
    WITH care AS (
      SELECT c.patient_id FROM sp_reference ref
        JOIN compartment c ON c.resource_type = ref.resource_type AND c.id = ref.id
       WHERE ref.target_id = $1::text AND ref.target_type = 'Practitioner' AND ref.resource_type = ANY($2::text[])
    ), shared AS (${consents('permit', true)}),
    refused AS (${consents('deny', true)}),
    opted_out AS (${consents('deny', false)})
    (((SELECT patient_id FROM care UNION SELECT * FROM shared)
       EXCEPT SELECT * FROM opted_out WHERE target_id NOT IN (SELECT * FROM shared))
       EXCEPT SELECT * FROM refused)
    UNION
    SELECT patient_id FROM break_glass WHERE practitioner = $4::text AND expires_at > now()`;
  const rows = await db.query<{ patient_id: string }>(sql, [id, CARE_TYPES, actors, practitioner]);
  return rows.rows.map((r) => r.patient_id);
}

/** Whether a new or changed resource would create a care relationship naming this practitioner. */
export function createsCareRelation(resourceType: string, referencesToMe: boolean): boolean {
  return CARE_TYPES.includes(resourceType) && referencesToMe;
}
