/**
 * A stay as the module keeps it: the ServiceRequest (the truth) and its dial_stay row (the index
 * the screens list), read and written together; and who a caller is to a stay — its patient, staff
 * of the destination centre, or a care-giver of the patient at home. Anyone else gets 404.
 */
import type { Extension, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { FhirError, type FhirStore, notFound, outcome, type SqlExecutor } from '@sahti/fhir';
import type { AccessLayer } from '../../access/layer.ts';
import { isCareGiver } from '../../access/policy.ts';
import { actorReferences } from '../../access/relations/visible.ts';
import type { Principal } from '../../kernel/principal.ts';
import { EXT } from './terms.ts';

export type StayState =
  | 'draft'
  | 'sent'
  | 'accepted'
  | 'confirmed'
  | 'in-progress'
  | 'completed'
  | 'declined'
  | 'cancelled';

export interface StayRow {
  id: string;
  patient_id: string;
  service_id: string;
  organization: string;
  state: StayState;
  arrival: string;
  departure: string;
  abroad: boolean;
  task_id: string | null;
  consent_id: string | null;
  summary_id: string | null;
  created_at: string;
}

export const forbidden = (text: string) => new FhirError(403, outcome('error', 'forbidden', text));
export const conflict = (text: string, code?: string) => {
  const o = outcome('error', 'conflict', text);
  if (code)
    o.issue[0].details = {
      text,
      coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/guest-dialysis', code }],
    };
  return new FhirError(409, o);
};

const asDate = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export async function stayRow(db: SqlExecutor, id: string): Promise<StayRow | undefined> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
  const row = (
    await db.query<StayRow>(
      `SELECT id, patient_id, service_id, organization, state, arrival, departure, abroad, task_id, consent_id,
              summary_id, created_at FROM dial_stay WHERE id = $1::text`,
      [id],
    )
  ).rows[0];
  return row ? { ...row, arrival: asDate(row.arrival), departure: asDate(row.departure) } : undefined;
}

export async function listStays(db: SqlExecutor, where: string, params: unknown[]): Promise<StayRow[]> {
  const rows = await db.query<StayRow>(
    `SELECT id, patient_id, service_id, organization, state, arrival, departure, abroad, task_id, consent_id,
            summary_id, created_at FROM dial_stay WHERE ${where} ORDER BY arrival, created_at LIMIT 200`,
    params,
  );
  return rows.rows.map((r) => ({ ...r, arrival: asDate(r.arrival), departure: asDate(r.departure) }));
}

export async function saveRow(tx: SqlExecutor, row: Omit<StayRow, 'created_at'>): Promise<void> {
  await tx.query(
    `INSERT INTO dial_stay (id, patient_id, service_id, organization, state, arrival, departure, abroad, task_id, consent_id, summary_id)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::date, $7::date, $8::boolean, $9::text, $10::text, $11::text)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, task_id = EXCLUDED.task_id, consent_id = EXCLUDED.consent_id,
       summary_id = EXCLUDED.summary_id, updated_at = now()`,
    [
      row.id,
      row.patient_id,
      row.service_id,
      row.organization,
      row.state,
      row.arrival,
      row.departure,
      row.abroad,
      row.task_id,
      row.consent_id,
      row.summary_id,
    ],
  );
}

export const stateOf = (sr: ServiceRequest): StayState =>
  (sr.extension?.find((e) => e.url === EXT.state)?.valueCode as StayState | undefined) ?? 'draft';

export function withState(
  sr: ServiceRequest,
  state: StayState,
  extra: Partial<ServiceRequest> = {},
): ServiceRequest {
  const status: ServiceRequest['status'] =
    state === 'draft'
      ? 'draft'
      : state === 'completed'
        ? 'completed'
        : state === 'declined' || state === 'cancelled'
          ? 'revoked'
          : 'active';
  const extension: Extension[] = [
    ...(sr.extension ?? []).filter((e) => e.url !== EXT.state),
    { url: EXT.state, valueCode: state },
  ];
  return { ...sr, ...extra, status, extension };
}

export async function readResource<T>(
  tx: SqlExecutor,
  store: FhirStore,
  type: string,
  id: string,
): Promise<T | undefined> {
  return (await store.readWithin(tx, type, id)) as T | undefined;
}

export type Role = 'patient' | 'destination' | 'home';

/** What the caller is to this stay; 404 when nothing (an unknown stay and a stranger's look alike). */
export async function roleIn(
  deps: { db: SqlExecutor; store: FhirStore; access: AccessLayer },
  principal: Principal,
  stay: StayRow | undefined,
): Promise<{ stay: StayRow; role: Role; actors: string[] }> {
  const missing = () => notFound('This dialysis stay does not exist');
  if (!stay) return missing();
  if (principal.kind === 'patient') {
    if (principal.fhirUser === `Patient/${stay.patient_id}`) return { stay, role: 'patient', actors: [] };
    return missing();
  }
  if (
    principal.kind !== 'staff' ||
    !isCareGiver(principal) ||
    !principal.fhirUser?.startsWith('Practitioner/')
  )
    return missing();
  const actors = await actorReferences(deps.db, principal.fhirUser);
  if (actors.includes(stay.organization) && stay.state !== 'draft')
    return { stay, role: 'destination', actors };
  const access = await deps.access.resolve(principal);
  const found = await deps.store.as(access).locate('Patient', stay.patient_id);
  if (found?.visible && !found.deleted) return { stay, role: 'home', actors };
  return missing();
}

export function requireRole(principal: Principal, allowed: readonly string[], what: string): void {
  if (!principal.roles.some((r) => allowed.includes(r))) throw forbidden(`Your role may not ${what}`);
}

export const patientName = (p: Patient | undefined): string => {
  const n = p?.name?.find((x) => !x.extension?.length) ?? p?.name?.[0];
  return n ? (n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ')) : '';
};
