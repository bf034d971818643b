/**
 * The field app's clinical records as it sends them in a sync (ECG strip or PDF, photo,
 * prescription drafts, referral), built the way packages/web/src/units/field/records.ts does, for
 * integration tests that speak the wire format.
 */
import { randomUUID } from 'node:crypto';
import { fieldRecord } from './units-world.ts';

export const PRESCRIPTION = 'https://sahti.ma/fhir/NamingSystem/prescription';
export const MEDICINES = 'https://sahti.ma/fhir/CodeSystem/medicament-ma';
const ECG = { coding: [{ system: 'http://loinc.org', code: '11524-6', display: 'EKG study' }] };

/** A 1×1 JPEG. */
export const TINY_JPEG =
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=';
export const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64');

interface Visit {
  patient: string;
  encounter: string;
}

export function ecgStrip(v: Visit, device: string, leads = 1, data = '0.12 0.15 0.9 -0.2 0.1 0.11') {
  return fieldRecord({
    resourceType: 'Observation',
    status: 'final',
    code: ECG,
    subject: { reference: v.patient },
    encounter: { reference: v.encounter },
    effectiveDateTime: '2026-11-30T09:10:00Z',
    device: { reference: device },
    valueSampledData: { origin: { value: 0, unit: 'mV' }, period: 2, dimensions: leads, data },
  });
}

/** The PDF as a DocumentReference, and the ECG Observation derived from it. */
export function ecgPdf(v: Visit, device: string, gp: string, data = TINY_PDF) {
  const document = fieldRecord({
    resourceType: 'DocumentReference',
    status: 'current',
    type: ECG,
    subject: { reference: v.patient },
    author: [{ reference: gp }, { reference: device }],
    context: { encounter: [{ reference: v.encounter }] },
    content: [{ attachment: { contentType: 'application/pdf', data, title: 'ecg.pdf' } }],
  });
  const observation = fieldRecord({
    resourceType: 'Observation',
    status: 'final',
    code: ECG,
    subject: { reference: v.patient },
    encounter: { reference: v.encounter },
    device: { reference: device },
    derivedFrom: [{ reference: document.fullUrl }],
  });
  return [document, observation];
}

export function photo(v: Visit, device: string | undefined, data = TINY_JPEG) {
  return fieldRecord({
    resourceType: 'Media',
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image' }] },
    subject: { reference: v.patient },
    encounter: { reference: v.encounter },
    ...(device ? { device: { reference: device } } : {}),
    content: { contentType: 'image/jpeg', data, title: 'lesion.jpg' },
  });
}

export function prescription(v: Visit, requester: string, codes: string[], id = randomUUID()) {
  return codes.map((code) =>
    fieldRecord({
      resourceType: 'MedicationRequest',
      status: 'draft',
      intent: 'order',
      identifier: [{ system: PRESCRIPTION, value: id }],
      groupIdentifier: { system: PRESCRIPTION, value: id },
      medicationCodeableConcept: { coding: [{ system: MEDICINES, code }] },
      subject: { reference: v.patient },
      encounter: { reference: v.encounter },
      requester: { reference: requester },
      authoredOn: '2026-11-30T09:15:00Z',
      dosageInstruction: [{ text: '1 comprimé 3 fois par jour' }],
      dispenseRequest: {
        quantity: { value: 1, unit: 'boîte' },
        expectedSupplyDuration: { value: 5, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
      },
      substitution: { allowedBoolean: true },
    }),
  );
}

export function referral(v: Visit, requester: string, facility: string, priority = 'urgent') {
  return fieldRecord({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority,
    category: [
      { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
    ],
    code: { text: 'Consultation spécialisée' },
    subject: { reference: v.patient },
    encounter: { reference: v.encounter },
    requester: { reference: requester },
    performer: [{ reference: facility }],
    reasonCode: [{ text: 'Douleur thoracique d’effort, ECG anormal' }],
    authoredOn: '2026-11-30T09:20:00Z',
  });
}
