/**
 * What the prescriber signs: the clinically meaningful fields of the prescription's
 * MedicationRequests, in canonical JSON (keys sorted, no whitespace; audit/chain.ts). Status,
 * meta and everything the platform changes later (dispensed, revoked) stay outside, so only a
 * change to what was prescribed — a medicine, a dose, a quantity, the patient — breaks the
 * signature's match. Pure.
 */
import type { MedicationRequest } from '@medplum/fhirtypes';
import { canonicalJson } from '../../audit/chain.ts';

/** 1: without a validity period; 2: with the period in which it may be dispensed. */
export const SIGNED_FORM_VERSION = 2;

export interface SignedForm {
  v: number;
  prescription: string;
  issued: string;
  prescriber: { reference: string; display: string };
  patient: { reference: string; display: string };
  items: {
    request: string;
    medication: { system: string; code: string; display: string };
    dosage: string;
    quantity: number;
    durationDays: number;
    substitution: boolean;
  }[];
  note: string;
  /** Version 2: from when until when it may be dispensed (validity.ts). */
  validity?: { start: string; end: string };
}

export function signedForm(prescriptionId: string, requests: MedicationRequest[]): SignedForm {
  if (requests.length === 0) throw new Error('a prescription has at least one medicine');
  const first = requests[0];
  const items = [...requests]
    .sort((a, b) => String(a.id).localeCompare(String(b.id)))
    .map((r) => {
      const coding = r.medicationCodeableConcept?.coding?.[0];
      return {
        request: `MedicationRequest/${r.id ?? ''}`,
        medication: {
          system: coding?.system ?? '',
          code: coding?.code ?? '',
          display: coding?.display ?? '',
        },
        dosage: r.dosageInstruction?.[0]?.text ?? '',
        quantity: r.dispenseRequest?.quantity?.value ?? 0,
        durationDays: r.dispenseRequest?.expectedSupplyDuration?.value ?? 0,
        substitution: r.substitution?.allowedBoolean ?? true,
      };
    });
  const period = first.dispenseRequest?.validityPeriod;
  return {
    // a prescription signed before validity periods existed keeps the form it was signed in
    v: period ? SIGNED_FORM_VERSION : 1,
    prescription: prescriptionId,
    issued: first.authoredOn ?? '',
    prescriber: { reference: first.requester?.reference ?? '', display: first.requester?.display ?? '' },
    patient: { reference: first.subject.reference ?? '', display: first.subject.display ?? '' },
    items,
    note: first.note?.[0]?.text ?? '',
    ...(period ? { validity: { start: period.start ?? '', end: period.end ?? '' } } : {}),
  };
}

export function canonicalForm(prescriptionId: string, requests: MedicationRequest[]): string {
  return canonicalJson(signedForm(prescriptionId, requests));
}

/** Requests of one prescription must agree on who, for whom, when and until when; else the set was altered. */
export function consistent(requests: MedicationRequest[]): boolean {
  const key = (r: MedicationRequest) =>
    canonicalJson([
      r.subject,
      r.requester,
      r.authoredOn,
      r.groupIdentifier,
      r.note?.[0]?.text ?? '',
      r.dispenseRequest?.validityPeriod ?? null,
    ]);
  return requests.every((r) => key(r) === key(requests[0]));
}
