/**
 * The codes guest dialysis speaks: what a centre, a chair, a stay request and a session record are
 * in FHIR, the serology and other results a destination asks for (LOINC), and the shifts. Codes of
 * public terminologies are used only where they are certain; the rest is Sahti's own code system.
 */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const BCP47 = 'urn:ietf:bcp:47';
/** Sahti's codes for guest dialysis (request, chair kinds, coverage, reasons, session observations). */
export const DIALYSIS_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/guest-dialysis';
const SD = 'https://sahti.ma/fhir/StructureDefinition';

/** A coding with its system and code always there. */
export interface Code extends Coding {
  system: string;
  code: string;
  display: string;
}

/** Haemodialysis (the procedure), SNOMED CT — also the demo's dialysis encounters. */
export const HAEMODIALYSIS: Code = { system: SNOMED, code: '302497006', display: 'Hemodialysis' };
export const haemodialysisConcept = (): CodeableConcept => ({
  coding: [HAEMODIALYSIS],
  text: 'Hémodialyse',
});

/** A guest-dialysis stay request (ServiceRequest.category, Task.code). */
export const GUEST_REQUEST: Code = {
  system: DIALYSIS_SYSTEM,
  code: 'guest-dialysis-stay',
  display: 'Guest haemodialysis stay',
};
/** The home dialysis prescription (ServiceRequest.category). */
export const PRESCRIPTION: Code = {
  system: DIALYSIS_SYSTEM,
  code: 'dialysis-prescription',
  display: 'Haemodialysis prescription',
};
/** A vascular access (Procedure.category). */
export const VASCULAR_ACCESS: Code = {
  system: DIALYSIS_SYSTEM,
  code: 'vascular-access',
  display: 'Vascular access for haemodialysis',
};
/** An end-of-stay letter (Composition.type). */
export const STAY_LETTER: Code = {
  system: DIALYSIS_SYSTEM,
  code: 'guest-stay-letter',
  display: 'Guest dialysis end-of-stay letter',
};

export const ACCESS_KINDS = ['av-fistula', 'av-graft', 'tunnelled-catheter'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];
export const ACCESS_LABELS: Record<AccessKind, string> = {
  'av-fistula': 'Arteriovenous fistula',
  'av-graft': 'Arteriovenous graft',
  'tunnelled-catheter': 'Tunnelled central venous catheter',
};

/** What the destination asks for, with the LOINC code each result carries. */
export const SEROLOGY = {
  hbv: {
    system: LOINC,
    code: '5196-1',
    display: 'Hepatitis B virus surface Ag [Presence] in Serum by Immunoassay',
  },
  hcv: {
    system: LOINC,
    code: '13955-0',
    display: 'Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay',
  },
  hiv: { system: LOINC, code: '7918-6', display: 'HIV 1+2 Ab [Presence] in Serum' },
} as const satisfies Record<string, Code>;
export type SerologyKey = keyof typeof SEROLOGY;
export const SEROLOGY_KEYS = Object.keys(SEROLOGY) as SerologyKey[];

export const ECG: Code = { system: LOINC, code: '11524-6', display: 'EKG study' };
/** Laboratory results a destination reads first (any of them, recent enough). */
export const LABS = {
  haemoglobin: { system: LOINC, code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' },
  potassium: {
    system: LOINC,
    code: '2823-3',
    display: 'Potassium [Moles/volume] in Serum or Plasma',
  },
  creatinine: {
    system: LOINC,
    code: '2160-0',
    display: 'Creatinine [Mass/volume] in Serum or Plasma',
  },
} as const satisfies Record<string, Code>;
export const BODY_WEIGHT: Code = { system: LOINC, code: '29463-7', display: 'Body weight' };
export const BP_PANEL: Code = {
  system: LOINC,
  code: '85354-9',
  display: 'Blood pressure panel with all children optional',
};
export const SYSTOLIC: Code = { system: LOINC, code: '8480-6', display: 'Systolic blood pressure' };
export const DIASTOLIC: Code = { system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' };
export const NEGATIVE: Code = { system: SNOMED, code: '260385009', display: 'Negative' };
export const POSITIVE: Code = { system: SNOMED, code: '10828004', display: 'Positive' };
/** The category of a Consent document (LOINC "Patient Consent"). */
export const CONSENT_CATEGORY: Code = { system: LOINC, code: '59284-0', display: 'Patient Consent' };
export const PATIENT_SUMMARY: Code = { system: LOINC, code: '60591-5', display: 'Patient summary Document' };

/** Session observations Sahti adds beside the LOINC code (pre/post dialysis, ultrafiltration). */
export const SESSION_CODES = {
  preWeight: 'pre-dialysis-weight',
  postWeight: 'post-dialysis-weight',
  preBp: 'pre-dialysis-blood-pressure',
  postBp: 'post-dialysis-blood-pressure',
  ultrafiltration: 'ultrafiltration-volume',
  incident: 'session-incident',
} as const;

/** Procedure.identifier of a session's record: the Appointment (the session) it records. */
export const SESSION_ID_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/dialysis-session';

export const CHAIR_KINDS = ['standard', 'isolation'] as const;
export type ChairKind = (typeof CHAIR_KINDS)[number];

/** Who pays: the Moroccan funds and the patient; abroad centres add theirs in `coverage`. */
export const COVERAGES = ['cnss', 'cnops', 'amo-tadamon', 'far', 'private-insurance', 'self-pay'] as const;

export const DECLINE_REASONS = ['no-capacity', 'serology', 'clinical', 'documents', 'other'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** Extensions Sahti puts on the resources of guest dialysis. */
export const EXT = {
  /** HealthcareService: the centre's rules for guests (complex). */
  rules: `${SD}/guest-dialysis-rules`,
  /** Schedule: one guest chair (complex: kind, label). */
  chair: `${SD}/dialysis-chair`,
  /** ServiceRequest (prescription): the dialysis prescription's parameters (complex). */
  prescription: `${SD}/dialysis-prescription`,
  /** ServiceRequest (stay): the home nephrologist's approval (complex: by, date, note). */
  approval: `${SD}/guest-dialysis-approval`,
  /** ServiceRequest (stay): the sessions the patient asked for (complex, repeated: date, shift). */
  wanted: `${SD}/guest-dialysis-wanted-session`,
  /** ServiceRequest (stay): the stay's state beyond FHIR's status (draft, sent, accepted…). */
  state: `${SD}/guest-dialysis-state`,
  /** Appointment: the chair label, for people. */
  chairLabel: `${SD}/dialysis-chair-label`,
} as const;

/** The shift a session start falls in, by the local hour. */
export function shiftOf(localTime: string): 'morning' | 'midday' | 'afternoon' {
  return shiftOfHour(Number(localTime.slice(0, 2)));
}

export function shiftOfHour(hour: number): 'morning' | 'midday' | 'afternoon' {
  if (hour < 10) return 'morning';
  if (hour < 15) return 'midday';
  return 'afternoon';
}
export const SHIFTS = ['morning', 'midday', 'afternoon'] as const;
export type Shift = (typeof SHIFTS)[number];

export const hasCoding = (c: CodeableConcept | CodeableConcept[] | undefined, coding: Coding): boolean =>
  (Array.isArray(c) ? c : c ? [c] : []).some((x) =>
    x.coding?.some((y) => y.system === coding.system && y.code === coding.code),
  );
