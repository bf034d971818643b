/**
 * Dependants: a parent manages a child's record, an adult a parent's. The delegation is a
 * RelatedPerson in the represented patient's record (RelatedPerson.patient) naming the delegate by
 * their CNIE number (identifier) with a documented relationship (v3-RoleCode). It takes effect —
 * a row of `patient_delegate` — only when written by an authoritative writer: a system or the
 * platform, an administrator (who checked the livret de famille or the court order), or the patient
 * themselves when they are an adult. A delegate then reads and writes the patient's compartment as
 * the patient would, gives Consents for them, and every such access is audited as acting-for.
 */
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';
import type { SqlExecutor } from '@sahti/fhir';
import { CNIE_SYSTEM } from '../../identifiers/morocco.ts';

export const ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
/** The delegate is the patient's parent or guardian: the patient is a child. */
export const PARENT_CODES = ['PRN', 'MTH', 'FTH', 'GUARD', 'NPRN', 'STPPRN'];
/** The delegate is the patient's child: an adult acts for an (elderly) parent. */
export const CHILD_CODES = ['CHILD', 'SON', 'DAU', 'NCHILD'];
export const DELEGATION_CODES = [...PARENT_CODES, ...CHILD_CODES];
/** Age from which a patient decides alone (and a parent's delegation for a child ends). */
export const AGE_OF_MAJORITY = 18;

export interface DelegationWriter {
  kind: 'platform' | 'system' | 'patient' | 'staff';
  patientId?: string;
  roles?: string[];
}

/** The documented relationship of a RelatedPerson, or undefined when it documents none we accept. */
export function delegationRelationship(related: RelatedPerson): string | undefined {
  for (const concept of related.relationship ?? [])
    for (const coding of concept.coding ?? [])
      if (coding.system === ROLE_CODE_SYSTEM && coding.code && DELEGATION_CODES.includes(coding.code))
        return coding.code;
  return undefined;
}

/** The delegate's CNIE number on the RelatedPerson. */
export function delegateCnie(related: RelatedPerson): string | undefined {
  return related.identifier?.find((i) => i.system === CNIE_SYSTEM && i.value)?.value;
}

/** Age in whole years on `at`. */
export function ageOn(birthDate: string | undefined, at: Date): number | undefined {
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}/.test(birthDate)) return undefined;
  const [y, m, d] = birthDate.slice(0, 10).split('-').map(Number);
  let age = at.getUTCFullYear() - y;
  if (at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d)) age -= 1;
  return age;
}

/**
 * Whether this writer may make a delegation take effect: systems and the platform, administrators,
 * and the represented patient when an adult (naming who helps them). Pure.
 */
export function mayDelegate(
  writer: DelegationWriter,
  patientId: string,
  patientAge: number | undefined,
): boolean {
  if (writer.kind === 'platform' || writer.kind === 'system') return true;
  if (writer.kind === 'staff') return writer.roles?.includes('administrator') === true;
  if (writer.kind === 'patient')
    return writer.patientId === patientId && patientAge !== undefined && patientAge >= AGE_OF_MAJORITY;
  return false;
}

/**
 * When the delegation ends: its period's end, and for a parent's delegation the child's 18th
 * birthday, whichever comes first. Pure.
 */
export function delegationEnd(
  related: RelatedPerson,
  relationship: string,
  birthDate?: string,
): Date | undefined {
  const ends: number[] = [];
  if (related.period?.end) ends.push(Date.parse(related.period.end));
  if (PARENT_CODES.includes(relationship) && birthDate && /^\d{4}-\d{2}-\d{2}/.test(birthDate)) {
    const [y, m, d] = birthDate.slice(0, 10).split('-').map(Number);
    ends.push(Date.UTC(y + AGE_OF_MAJORITY, m - 1, d));
  }
  const valid = ends.filter((e) => Number.isFinite(e));
  return valid.length ? new Date(Math.min(...valid)) : undefined;
}

export interface Delegation {
  relatedPerson: string;
  patientId: string;
  delegatePatientId: string;
  relationship: string;
  grantedBy: string;
  start: Date;
  end?: Date;
}

const ACTIVE = 'start_at <= now() AND (end_at IS NULL OR end_at > now())';

/** Opens or replaces the delegation a RelatedPerson documents. */
export async function recordDelegation(tx: SqlExecutor, d: Delegation): Promise<void> {
  await tx.query(
    `INSERT INTO patient_delegate (related_person_id, patient_id, delegate_patient_id, relationship, granted_by, start_at, end_at)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz)
     ON CONFLICT (related_person_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,
       delegate_patient_id = EXCLUDED.delegate_patient_id, relationship = EXCLUDED.relationship,
       granted_by = EXCLUDED.granted_by, start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, end_reason = NULL`,
    [
      d.relatedPerson,
      d.patientId,
      d.delegatePatientId,
      d.relationship,
      d.grantedBy,
      d.start.toISOString(),
      d.end?.toISOString() ?? null,
    ],
  );
}

/** Ends the delegation a RelatedPerson documented (withdrawn, deleted, no longer documented). */
export async function endDelegation(tx: SqlExecutor, relatedPerson: string, reason: string): Promise<void> {
  await tx.query(
    `UPDATE patient_delegate SET end_at = now(), end_reason = $2::text
      WHERE related_person_id = $1::text AND (end_at IS NULL OR end_at > now())`,
    [relatedPerson, reason],
  );
}

/** The patients a patient may act for now. */
export async function dependantsOf(db: SqlExecutor, delegatePatientId: string): Promise<string[]> {
  const { rows } = await db.query<{ patient_id: string }>(
    `SELECT DISTINCT patient_id FROM patient_delegate WHERE delegate_patient_id = $1::text AND ${ACTIVE}`,
    [delegatePatientId],
  );
  return rows.map((r) => r.patient_id);
}

/** The active delegation through which `delegate` acts for `patientId`, if any (its RelatedPerson). */
export async function delegationFor(
  db: SqlExecutor,
  patientId: string,
  delegatePatientId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ related_person_id: string }>(
    `SELECT related_person_id FROM patient_delegate
      WHERE patient_id = $1::text AND delegate_patient_id = $2::text AND ${ACTIVE} LIMIT 1`,
    [patientId, delegatePatientId],
  );
  return rows[0] ? `RelatedPerson/${rows[0].related_person_id}` : undefined;
}

/** Who may act for one patient, and for whom one patient may act (the portal's "acting for"). */
export async function delegationsOf(
  db: SqlExecutor,
  patientId: string,
): Promise<{ actingFor: DelegationRow[]; actedForBy: DelegationRow[] }> {
  const query = (column: string) =>
    db.query<RawRow>(
      `SELECT related_person_id, patient_id, delegate_patient_id, relationship, start_at, end_at
         FROM patient_delegate WHERE ${column} = $1::text AND ${ACTIVE} ORDER BY start_at`,
      [patientId],
    );
  const [mine, others] = await Promise.all([query('delegate_patient_id'), query('patient_id')]);
  return { actingFor: mine.rows.map(rowOf), actedForBy: others.rows.map(rowOf) };
}

export interface DelegationRow {
  relatedPerson: string;
  patient: string;
  delegate: string;
  relationship: string;
  start: string;
  end?: string;
}

interface RawRow {
  related_person_id: string;
  patient_id: string;
  delegate_patient_id: string;
  relationship: string;
  start_at: Date | string;
  end_at: Date | string | null;
}

function rowOf(r: RawRow): DelegationRow {
  return {
    relatedPerson: `RelatedPerson/${r.related_person_id}`,
    patient: `Patient/${r.patient_id}`,
    delegate: `Patient/${r.delegate_patient_id}`,
    relationship: r.relationship,
    start: new Date(r.start_at).toISOString(),
    ...(r.end_at ? { end: new Date(r.end_at).toISOString() } : {}),
  };
}

/** The write-hook plan for a RelatedPerson version (inside the writing transaction). */
export function delegationPlan(
  related: RelatedPerson | undefined,
  id: string,
  writer: DelegationWriter & { grantedBy: string },
): (tx: SqlExecutor) => Promise<void> {
  return async (tx) => {
    if (!related || related.active === false) {
      await endDelegation(tx, id, related ? 'withdrawn' : 'record deleted');
      return;
    }
    const patientId = related.patient?.reference?.match(/^Patient\/([A-Za-z0-9\-.]{1,64})$/)?.[1];
    const relationship = delegationRelationship(related);
    const cnie = delegateCnie(related);
    if (!patientId || !relationship || !cnie) {
      await endDelegation(tx, id, 'no documented relationship');
      return;
    }
    const patient = await readPatient(tx, patientId);
    const age = ageOn(patient?.birthDate, new Date());
    if (!patient || !mayDelegate(writer, patientId, age)) {
      await endDelegation(tx, id, 'not written by an authority');
      return;
    }
    const delegate = await patientByCnie(tx, cnie);
    if (!delegate || delegate === patientId) {
      await endDelegation(tx, id, 'delegate unknown');
      return;
    }
    const start = related.period?.start ? new Date(related.period.start) : new Date();
    const end = delegationEnd(related, relationship, patient.birthDate);
    await recordDelegation(tx, {
      relatedPerson: id,
      patientId,
      delegatePatientId: delegate,
      relationship,
      grantedBy: writer.grantedBy,
      start: Number.isNaN(start.getTime()) ? new Date() : start,
      ...(end ? { end } : {}),
    });
  };
}

export async function readPatient(tx: SqlExecutor, id: string): Promise<Patient | undefined> {
  const { rows } = await tx.query<{ content: Patient }>(
    `SELECT content FROM resource WHERE resource_type = 'Patient' AND id = $1::text AND NOT deleted`,
    [id],
  );
  return rows[0]?.content;
}

async function patientByCnie(tx: SqlExecutor, cnie: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT r.id FROM sp_token t JOIN resource r ON r.resource_type = t.resource_type AND r.id = t.id AND NOT r.deleted
      WHERE t.resource_type = 'Patient' AND t.code = 'identifier' AND t.system = $1::text AND t.value = $2::text LIMIT 2`,
    [CNIE_SYSTEM, cnie],
  );
  return rows.length === 1 ? rows[0].id : undefined;
}
