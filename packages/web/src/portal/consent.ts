/**
 * The patient's sharing choices as FHIR Consent resources, the way the access layer reads them
 * (packages/server/src/access/relations/visible.ts): provision.type permit|deny, provision.actor the
 * practitioner or facility; an active deny without actor is the opt-out of national sharing.
 * Revoking is setting status to inactive (the history stays). Pure.
 */
import type { Consent, Organization, Practitioner, Reference } from '@medplum/fhirtypes';

export type ConsentActor = Reference<Practitioner | Organization>;

export type Effect = 'permit' | 'deny';

const SCOPE = { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' };
const CATEGORY = { system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' };
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

export function buildConsent(options: {
  patientId: string;
  effect: Effect;
  /** Practitioner/… or Organization/…; none for the national opt-out. */
  actor?: ConsentActor;
  now?: Date;
}): Consent {
  const { patientId, effect, actor } = options;
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [SCOPE] },
    category: [{ coding: [CATEGORY] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: (options.now ?? new Date()).toISOString(),
    // R4 requires a policy or a policy rule (ppc-1): opt-in or opt-out of sharing
    policyRule: { coding: [{ system: ACT_CODE, code: effect === 'permit' ? 'OPTIN' : 'OPTOUT' }] },
    provision: {
      type: effect,
      ...(actor
        ? { actor: [{ role: { coding: [{ system: PARTICIPATION, code: 'PRCP' }] }, reference: actor }] }
        : {}),
    },
  };
}

export function revoked(consent: Consent): Consent {
  return { ...consent, status: 'inactive' };
}

export function consentActor(consent: Consent): Reference | undefined {
  return consent.provision?.actor?.[0]?.reference;
}

export function isNationalOptOut(consent: Consent): boolean {
  return consent.status === 'active' && consent.provision?.type === 'deny' && !consentActor(consent);
}

/** What the consents page shows: the opt-out (if any), the active per-carer choices, the rest. */
export function sortConsents(consents: Consent[]): {
  optOut?: Consent;
  rules: Consent[];
  history: Consent[];
} {
  const newestFirst = [...consents].sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''));
  const optOut = newestFirst.find(isNationalOptOut);
  return {
    ...(optOut ? { optOut } : {}),
    rules: newestFirst.filter((c) => c.status === 'active' && consentActor(c)),
    history: newestFirst.filter((c) => c.status !== 'active'),
  };
}
