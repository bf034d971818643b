/**
 * The field app's clinical records beyond vitals, as sync entries (the server checks them in
 * packages/server/src/modules/units/field/clinical.ts, where the R4 shapes are explained): an ECG
 * strip (Observation with SampledData) or an ECG PDF (DocumentReference + the Observation derived
 * from it), a photo (Media), a prescription (MedicationRequest drafts, signed when synchronised)
 * and a referral (ServiceRequest of category referral). Pure (the UUID and clock are passed in).
 */
import { type Entry, newRecord } from './records.ts';

export const PRESCRIPTION = 'https://sahti.ma/fhir/NamingSystem/prescription';
export const MEDICINES = 'https://sahti.ma/fhir/CodeSystem/medicament-ma';
/** The largest attachment the server takes once decoded (SAHTI_UNITS_ATTACHMENT_MAX_BYTES). */
export const ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024;
const ECG = { coding: [{ system: 'http://loinc.org', code: '11524-6', display: 'EKG study' }] };

/** Where a record belongs: the patient, the consultation, when. */
export interface RecordContext {
  patient: string;
  encounter: string;
  at: string;
}

export interface EcgSamples {
  leads: number;
  /** Samples interleaved by lead, as SampledData.data. */
  data: string;
  count: number;
}

/**
 * The samples of an ECG device's text export: one row per instant, one column per lead, separated
 * by commas, semicolons, tabs or spaces; a header row and empty lines are skipped. Undefined when
 * the rows do not all have the same number of leads (1 to 12) or hold something else than numbers.
 */
export function parseEcgSamples(text: string): EcgSamples | undefined {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/[\s,;]+/));
  if (rows.length > 0 && rows[0].some((x) => Number.isNaN(Number(x)))) rows.shift();
  if (rows.length < 2) return undefined;
  const leads = rows[0].length;
  if (leads < 1 || leads > 12) return undefined;
  if (rows.some((r) => r.length !== leads || r.some((x) => x === '' || !Number.isFinite(Number(x)))))
    return undefined;
  return {
    leads,
    data: rows.map((r) => r.map((x) => String(Number(x))).join(' ')).join(' '),
    count: rows.length,
  };
}

export function ecgStrip(
  c: RecordContext,
  device: string,
  samples: EcgSamples,
  periodMs: number,
  uuid: () => string,
): Entry[] {
  return [
    newRecord(
      {
        resourceType: 'Observation',
        status: 'final',
        code: ECG,
        subject: { reference: c.patient },
        encounter: { reference: c.encounter },
        effectiveDateTime: c.at,
        device: { reference: device },
        valueSampledData: {
          origin: { value: 0, unit: 'mV', system: 'http://unitsofmeasure.org', code: 'mV' },
          period: periodMs,
          dimensions: samples.leads,
          data: samples.data,
        },
      },
      uuid(),
    ),
  ];
}

/** The PDF as a document (its author the GP and the ECG device), and the ECG derived from it. */
export function ecgDocument(
  c: RecordContext,
  device: string,
  author: string | undefined,
  pdf: { data: string; title: string },
  uuid: () => string,
): Entry[] {
  const document = newRecord(
    {
      resourceType: 'DocumentReference',
      status: 'current',
      type: ECG,
      subject: { reference: c.patient },
      date: c.at,
      author: [...(author ? [{ reference: author }] : []), { reference: device }],
      context: { encounter: [{ reference: c.encounter }] },
      content: [{ attachment: { contentType: 'application/pdf', data: pdf.data, title: pdf.title } }],
    },
    uuid(),
  );
  const observation = newRecord(
    {
      resourceType: 'Observation',
      status: 'final',
      code: ECG,
      subject: { reference: c.patient },
      encounter: { reference: c.encounter },
      effectiveDateTime: c.at,
      device: { reference: device },
      derivedFrom: [{ reference: document.fullUrl }],
    },
    uuid(),
  );
  return [document, observation];
}

export function photo(
  c: RecordContext,
  device: string | undefined,
  operator: string | undefined,
  image: { data: string; contentType: string; width: number; height: number; note?: string },
  uuid: () => string,
): Entry[] {
  return [
    newRecord(
      {
        resourceType: 'Media',
        status: 'completed',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image' }] },
        subject: { reference: c.patient },
        encounter: { reference: c.encounter },
        createdDateTime: c.at,
        ...(device ? { device: { reference: device } } : {}),
        ...(operator ? { operator: { reference: operator } } : {}),
        width: image.width,
        height: image.height,
        content: { contentType: image.contentType, data: image.data, creation: c.at },
        ...(image.note ? { note: [{ text: image.note }] } : {}),
      },
      uuid(),
    ),
  ];
}

export interface PrescribedItem {
  code: string;
  display: string;
  dosage: string;
  quantity: number;
  durationDays: number;
}

/** One prescription: a draft MedicationRequest per medicine, sharing the prescription's id. */
export function prescription(
  c: RecordContext,
  prescriber: string,
  items: PrescribedItem[],
  uuid: () => string,
): Entry[] {
  const id = uuid();
  return items.map((item) =>
    newRecord(
      {
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'order',
        identifier: [{ system: PRESCRIPTION, value: id }],
        groupIdentifier: { system: PRESCRIPTION, value: id },
        medicationCodeableConcept: {
          coding: [{ system: MEDICINES, code: item.code, display: item.display }],
          text: item.display,
        },
        subject: { reference: c.patient },
        encounter: { reference: c.encounter },
        requester: { reference: prescriber },
        authoredOn: c.at,
        dosageInstruction: [{ text: item.dosage.trim() }],
        dispenseRequest: {
          quantity: { value: item.quantity, unit: 'boîte' },
          expectedSupplyDuration: {
            value: item.durationDays,
            unit: 'd',
            system: 'http://unitsofmeasure.org',
            code: 'd',
          },
        },
        substitution: { allowedBoolean: true },
      },
      uuid(),
    ),
  );
}

export function referral(
  c: RecordContext,
  requester: string | undefined,
  input: { organization: string; location?: string; reason: string; priority: string },
  uuid: () => string,
): Entry[] {
  return [
    newRecord(
      {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        priority: input.priority,
        category: [
          { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
        ],
        subject: { reference: c.patient },
        encounter: { reference: c.encounter },
        ...(requester ? { requester: { reference: requester } } : {}),
        performer: [{ reference: input.organization }],
        ...(input.location ? { locationReference: [{ reference: input.location }] } : {}),
        reasonCode: [{ text: input.reason.trim() }],
        authoredOn: c.at,
      },
      uuid(),
    ),
  ];
}
