/**
 * Care relationships: the one table that says which care-giver (a practitioner, or an organisation
 * such as a mobile unit) may see which patient, why, since when and until when. Rows are written
 * only by the authoritative routes (sources.ts, presence.ts, break-glass.ts, and the services that
 * accept a referral or a guest-dialysis stay) — never derived from what a clinician writes about
 * themselves.
 */
import type { SqlExecutor } from '@sahti/fhir';

/** Why a relationship exists; each is an authoritative route (see docs/security.md). */
export type RelationSource =
  | 'presence'
  | 'registration'
  | 'booking'
  | 'encounter'
  | 'episode'
  | 'referral'
  | 'care-team'
  | 'gp'
  | 'dialysis-stay'
  | 'break-glass';

export interface RelationGrant {
  patientId: string;
  /** `Practitioner/…` or `Organization/…`. */
  actor: string;
  source: RelationSource;
  /** The record that justifies it (`Appointment/12`, `Task/7`…); a later grant on the same basis replaces it. */
  basis?: string;
  /** Who opened it: `Patient/…`, `Practitioner/…`, `client:<id>`, `account:<id>`, or `platform`. */
  grantedBy: string;
  reason?: string;
  start: Date;
  /** Undefined: until ended (a GP, a care team without a period). */
  end?: Date;
}

export interface CareRelation extends RelationGrant {
  id: string;
  endReason?: string;
}

/** Called after each grant or end, in the writer's transaction (audit, cache invalidation). */
export type RelationListener = (event: { kind: 'granted' | 'ended'; relation: CareRelation }) => void;

/**
 * The platform's door to the table: services open and end relationships through it (inside their
 * own transaction), and the access layer listens to keep its cache and the audit trail right.
 */
export class CareRelations {
  private readonly listeners = new Set<RelationListener>();

  onChange(listener: RelationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(kind: 'granted' | 'ended', relation: CareRelation): void {
    for (const listener of this.listeners) listener({ kind, relation });
  }

  /** Opens (or, on the same basis, renews) a relationship. */
  async grant(tx: SqlExecutor, grant: RelationGrant): Promise<CareRelation> {
    return (await this.grantMany(tx, [grant]))[0];
  }

  /** Opens (or renews) all these relationships in one statement; none: no statement. */
  async grantMany(tx: SqlExecutor, grants: RelationGrant[]): Promise<CareRelation[]> {
    if (grants.length === 0) return [];
    const granted = await grantRelations(tx, grants);
    for (const relation of granted) this.notify('granted', relation);
    return granted;
  }

  /**
   * Whether one of `actors` has this patient in care now, by a relationship other than
   * break-the-glass (an emergency access lets its holder read, not act for a team).
   */
  async inCare(db: SqlExecutor, patientId: string, actors: readonly string[]): Promise<boolean> {
    if (actors.length === 0) return false;
    const rows = await db.query(
      `SELECT 1 FROM care_relation c
        WHERE c.patient_id = $1::text AND c.actor = ANY($2::text[]) AND c.source <> 'break-glass'
          AND c.start_at <= now() AND (c.end_at IS NULL OR c.end_at > now())
        LIMIT 1`,
      [patientId, actors],
    );
    return rows.rows.length > 0;
  }

  /** Ends the open relationships resting on `basis` (see endRelations). */
  end(
    tx: SqlExecutor,
    basis: string,
    reason: string,
    options: { actor?: string; at?: Date; keepActors?: string[] } = {},
  ): Promise<CareRelation[]> {
    return endRelations(tx, basis, reason, options).then((ended) => {
      for (const relation of ended) this.notify('ended', relation);
      return ended;
    });
  }
}

/**
 * One statement for any number of grants. A grant on a basis that already holds a relationship for
 * the same actor and source renews that row (its id stays); when the same one comes twice, the
 * later wins, as it would one statement after the other.
 */
async function grantRelations(tx: SqlExecutor, grants: RelationGrant[]): Promise<CareRelation[]> {
  const keyOf = (g: { basis?: string | null; actor: string; source: string }) =>
    JSON.stringify([g.basis, g.actor, g.source]);
  const rows = new Map<string, GrantRow>();
  const keys = grants.map((grant) => {
    const row: GrantRow = {
      id: crypto.randomUUID(),
      patient_id: grant.patientId,
      actor: grant.actor,
      source: grant.source,
      basis: grant.basis ?? null,
      granted_by: grant.grantedBy,
      reason: grant.reason ?? null,
      start_at: grant.start.toISOString(),
      end_at: grant.end?.toISOString() ?? null,
    };
    // without a basis nothing conflicts: each grant is a row of its own
    const key = grant.basis ? keyOf(row) : row.id;
    rows.delete(key); // of two identical grants, the later is the one written
    rows.set(key, row);
    return key;
  });
  const written = await tx.query<{ id: string; basis: string | null; actor: string; source: string }>(
    `INSERT INTO care_relation (id, patient_id, actor, source, basis, granted_by, reason, start_at, end_at)
     SELECT id, patient_id, actor, source, basis, granted_by, reason, start_at, end_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, patient_id text, actor text, source text, basis text,
         granted_by text, reason text, start_at timestamptz, end_at timestamptz)
     ON CONFLICT (basis, actor, source) WHERE basis IS NOT NULL DO UPDATE SET
       patient_id = EXCLUDED.patient_id, granted_by = EXCLUDED.granted_by, reason = EXCLUDED.reason,
       start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, end_reason = NULL
     RETURNING id, basis, actor, source`,
    [JSON.stringify([...rows.values()])],
    { prepared: true }, // every booking and registration: one text, one plan for any number of rows
  );
  const idByKey = new Map(written.rows.map((r) => [r.basis ? keyOf(r) : r.id, r.id]));
  return grants.map((grant, i) => ({ ...grant, id: idByKey.get(keys[i]) as string }));
}

/** A relationship as the grant statement writes it: a row without its end reason, dates as text. */
type GrantRow = Omit<RelationRow, 'start_at' | 'end_at' | 'end_reason'> & {
  start_at: string;
  end_at: string | null;
};

/**
 * Ends the open relationships resting on `basis` (for `actor` only, when given; never those of
 * `keepActors`), now or at `at` if that is sooner than their own end.
 */
async function endRelations(
  tx: SqlExecutor,
  basis: string,
  reason: string,
  options: { actor?: string; at?: Date; keepActors?: string[] } = {},
): Promise<CareRelation[]> {
  const at = (options.at ?? new Date()).toISOString();
  const rows = await tx.query<RelationRow>(
    `UPDATE care_relation SET end_at = $2::timestamptz, end_reason = $3::text
      WHERE basis = $1::text AND (end_at IS NULL OR end_at > $2::timestamptz)
        AND ($4::text IS NULL OR actor = $4::text) AND NOT (actor = ANY($5::text[]))
      RETURNING ${COLUMNS}`,
    [basis, at, reason, options.actor ?? null, options.keepActors ?? []],
    // every update of a Patient by a trusted writer asks it: one plan, not one per write
    { prepared: true },
  );
  return rows.rows.map(relationOf);
}

/** The relationships of one patient (newest first), for the patient's view and for tests. */
export async function relationsOfPatient(db: SqlExecutor, patientId: string): Promise<CareRelation[]> {
  const rows = await db.query<RelationRow>(
    `SELECT ${COLUMNS} FROM care_relation WHERE patient_id = $1::text ORDER BY start_at DESC LIMIT 500`,
    [patientId],
  );
  return rows.rows.map(relationOf);
}

const COLUMNS = 'id, patient_id, actor, source, basis, granted_by, reason, start_at, end_at, end_reason';

interface RelationRow {
  id: string;
  patient_id: string;
  actor: string;
  source: RelationSource;
  basis: string | null;
  granted_by: string;
  reason: string | null;
  start_at: Date | string;
  end_at: Date | string | null;
  end_reason: string | null;
}

function relationOf(row: RelationRow): CareRelation {
  return {
    id: row.id,
    patientId: row.patient_id,
    actor: row.actor,
    source: row.source,
    ...(row.basis ? { basis: row.basis } : {}),
    grantedBy: row.granted_by,
    ...(row.reason ? { reason: row.reason } : {}),
    start: new Date(row.start_at),
    ...(row.end_at ? { end: new Date(row.end_at) } : {}),
    ...(row.end_reason ? { endReason: row.end_reason } : {}),
  };
}
