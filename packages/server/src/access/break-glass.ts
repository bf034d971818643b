/**
 * Break-the-glass: a care-giver without a care relationship opens a patient's record in an
 * emergency. It needs a stated reason, lasts a few hours, is flagged in the audit trail and is
 * notified to the patient (law 09-08: the patient can see who read their record, and why).
 */
import type { Patient } from '@medplum/fhirtypes';
import { badRequest, FhirError, type FhirStore, fail, outcome } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { enqueueNotification, nudgeNotifications, patientLanguage } from '../notify/index.ts';
import { BREAK_GLASS_ROLES } from './policy.ts';
import type { CareRelations } from './relations/store.ts';

export const BREAK_GLASS_HOURS = Number(process.env.SAHTI_BREAK_GLASS_HOURS ?? 4);

export interface BreakGlassGrant {
  id: string;
  patient: string;
  reason: string;
  grantedAt: string;
  expiresAt: string;
}

export function assertMayBreakGlass(principal: Principal): void {
  const allowed = principal.kind === 'staff' && principal.roles.some((r) => BREAK_GLASS_ROLES.includes(r));
  if (!allowed || !principal.fhirUser) {
    throw new FhirError(
      403,
      outcome('error', 'forbidden', 'Only doctors, nurses and hub specialists may break the glass'),
    );
  }
}

/**
 * The patient a clinician names in an emergency: by reference, or by identifier (the CNIE number,
 * with or without its system) — a clinician cannot search for a patient outside their care.
 */
export async function emergencyPatientRef(
  store: FhirStore,
  body: { patient?: unknown; identifier?: unknown },
): Promise<unknown> {
  if (body.patient !== undefined || typeof body.identifier !== 'string') return body.patient;
  const found = await store.search('Patient', [
    ['identifier', body.identifier],
    ['_count', '2'],
  ]);
  if (found.matches.length === 0) fail(404, 'not-found', 'No patient has this identifier');
  if (found.matches.length > 1) {
    fail(412, 'multiple-matches', 'Several patients have this identifier: give its system too');
  }
  return `Patient/${found.matches[0].id}`;
}

export async function breakGlass(
  store: FhirStore,
  relations: CareRelations,
  principal: Principal,
  patientRef: unknown,
  reason: unknown,
): Promise<BreakGlassGrant> {
  assertMayBreakGlass(principal);
  if (typeof patientRef !== 'string' || !/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(patientRef)) {
    badRequest('patient must be a reference like Patient/123, or give identifier (the CNIE number)');
  }
  if (typeof reason !== 'string' || reason.trim().length < 10) {
    badRequest('Give the reason for emergency access (at least 10 characters)', ['reason']);
  }
  const patientId = (patientRef as string).slice('Patient/'.length);
  // read without the caller's scope: the grant is what gives them access
  const patient = (await store
    .read('Patient', patientId)
    .catch(() => fail(404, 'not-found', `${patientRef} does not exist`))) as Patient;
  const grantedAt = new Date();
  const expiresAt = new Date(grantedAt.getTime() + BREAK_GLASS_HOURS * 3_600_000);
  const text = (reason as string).trim().slice(0, 1000);
  const id = await store.db.transaction(async (tx) => {
    const relation = await relations.grant(tx, {
      patientId,
      actor: principal.fhirUser as string,
      source: 'break-glass',
      basis: `break-glass/${crypto.randomUUID()}`,
      grantedBy: principal.fhirUser as string,
      reason: text,
      start: grantedAt,
      end: expiresAt,
    });
    const email = patient.telecom?.find((t) => t.system === 'email')?.value;
    const phone = patient.telecom?.find((t) => t.system === 'phone' || t.system === 'sms')?.value;
    await enqueueNotification(tx, {
      patientId,
      channel: email ? 'email' : 'sms',
      recipient: email ?? phone,
      template: 'break-glass',
      params: { practitioner: principal.display, at: grantedAt.toISOString(), reason: text },
      ...languageOf(patient),
    });
    return relation.id;
  });
  nudgeNotifications(store.db);
  return {
    id,
    patient: patientRef as string,
    reason: text,
    grantedAt: grantedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
}

function languageOf(patient: Patient): { language?: 'fr' | 'ar' | 'en' } {
  const language = patientLanguage(patient);
  return language ? { language } : {};
}
