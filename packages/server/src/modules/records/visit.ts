/**
 * A visit as clinicians record it, and the FHIR it becomes: one transaction that writes the
 * Encounter and, pointing at it, the vital signs (LOINC, UCUM, usual range and interpretation),
 * diagnoses (ICD-10 as Moroccan hospitals and the AMO code them, with the clinician's wording),
 * allergies, current medicines (CNOPS list), immunisations (PNI doses, CVX), orders and referrals
 * (ServiceRequest, and a Task addressed to the receiving side), and the note as a Composition —
 * final and attested when the visit is signed. Pure: the caller runs the Bundle as the clinician.
 */
import type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Composition,
  Condition,
  Encounter,
  Immunization,
  MedicationStatement,
  Observation,
  Patient,
  Practitioner,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { MEDICINE_SYSTEM, medicineDisplay, medicines } from '../prescriptions/medicines.ts';
import { ICD10_SYSTEM, icd10 } from '../terminology/index.ts';
import { CVX, PNI_SYSTEM, pniSchedule } from './pni.ts';
import {
  BLOOD_PRESSURE_PANEL,
  interpretation,
  LOINC,
  UCUM,
  VITAL_SIGNS,
  type VitalSign,
  vitalByKey,
  vitalProblem,
} from './vitals.ts';

export const ICD10 = ICD10_SYSTEM;
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SNOMED = 'http://snomed.info/sct';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** How the patient was seen → Encounter.class (v3 ActCode). */
export const VISIT_MODES = {
  'in-person': { code: 'AMB', display: 'ambulatory' },
  home: { code: 'HH', display: 'home health' },
  'mobile-unit': { code: 'FLD', display: 'field' },
  video: { code: 'VR', display: 'virtual' },
} as const;
export type VisitMode = keyof typeof VISIT_MODES;

export interface DiagnosisInput {
  /** ICD-10 code (`I10`, `E11.9`), one of the French edition (terminology module). */
  code: string;
  /** The clinician's own wording, if any, shown to the patient beside the code's title. */
  text?: string;
  status?: 'active' | 'resolved';
}
export interface AllergyInput {
  substance: string;
  category?: 'medication' | 'food' | 'environment';
  criticality?: 'low' | 'high';
  reaction?: string;
}
export interface MedicationInput {
  /** A code of the medicines list (CNOPS, EAN-13). */
  code: string;
  dosage: string;
}
export interface ImmunizationInput {
  /** PNI antigen (`BCG`, `DTC`, `VPO`…) and dose number, as in the schedule. */
  antigen: string;
  dose: number;
  date?: string;
  lot?: string;
}
export interface OrderInput {
  kind: 'lab' | 'imaging' | 'referral';
  text: string;
  /** Who should do it: `Practitioner/…` or `Organization/…` (a referral needs one). */
  performer?: string;
}

export interface VisitInput {
  patient: string;
  mode: VisitMode;
  reason?: string;
  start?: string;
  vitals?: Record<string, number>;
  diagnoses?: DiagnosisInput[];
  allergies?: AllergyInput[];
  medications?: MedicationInput[];
  immunizations?: ImmunizationInput[];
  note?: string;
  orders?: OrderInput[];
  /** Sign and close: the Encounter is finished and the note final, attested by the author. */
  sign?: boolean;
}

export interface VisitAuthor {
  /** `Practitioner/…` */
  reference: string;
  display: string;
}

const REFERENCE = /^(Practitioner|Organization)\/[A-Za-z0-9\-.]{1,64}$/;

/** Every problem of a visit, each naming the field (`vitals.systolic`, `diagnoses[0].code`). Pure. */
export function visitProblems(input: VisitInput): string[] {
  const problems: string[] = [];
  if (!/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(input.patient ?? '')) problems.push('patient: Patient/…');
  if (!(input.mode in VISIT_MODES)) problems.push('mode: in-person, home, mobile-unit or video');
  for (const [key, value] of Object.entries(input.vitals ?? {})) {
    const problem = vitalProblem(key, value);
    if (problem) problems.push(problem);
  }
  (input.diagnoses ?? []).forEach((d, i) => {
    const code = d.code?.trim() ?? '';
    if (!code) problems.push(`diagnoses[${i}].code: an ICD-10 code such as I10 or E11.9`);
    else if (!icd10().has(code))
      problems.push(
        `diagnoses[${i}].code: ${code.slice(0, 12)} is not an ICD-10 code; choose one from the list`,
      );
  });
  (input.allergies ?? []).forEach((a, i) => {
    if (!a.substance?.trim()) problems.push(`allergies[${i}].substance: what the patient is allergic to`);
  });
  (input.medications ?? []).forEach((m, i) => {
    if (!medicines().has(m.code)) problems.push(`medications[${i}].code: choose a medicine from the list`);
    if (!m.dosage?.trim()) problems.push(`medications[${i}].dosage: how it is taken`);
  });
  (input.immunizations ?? []).forEach((v, i) => {
    if (!pniSchedule().some((d) => d.antigen === v.antigen && d.dose === v.dose))
      problems.push(`immunizations[${i}]: a dose of the national schedule`);
    if (v.date && Number.isNaN(Date.parse(v.date))) problems.push(`immunizations[${i}].date: a date`);
  });
  (input.orders ?? []).forEach((o, i) => {
    if (!o.text?.trim()) problems.push(`orders[${i}].text: what is asked`);
    if (o.performer && !REFERENCE.test(o.performer))
      problems.push(`orders[${i}].performer: Practitioner/… or Organization/…`);
    if (o.kind === 'referral' && !o.performer)
      problems.push(`orders[${i}].performer: who the patient is referred to`);
  });
  if (input.sign && !input.note?.trim()) problems.push('note: write the visit note before signing');
  return problems;
}

const uuid = (n: number) => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const code = (system: string, c: string, display?: string, text?: string): CodeableConcept => ({
  coding: [{ system, code: c, ...(display ? { display } : {}) }],
  ...(text ? { text } : {}),
});

/** The transaction Bundle of a visit. `now` and `ids` make it deterministic in tests. Pure. */
export function visitBundle(input: VisitInput, author: VisitAuthor, now = new Date()): Bundle {
  const at = input.start ?? now.toISOString();
  const subject: Reference<Patient> = { reference: input.patient };
  const performer: Reference<Practitioner> = { reference: author.reference, display: author.display };
  let n = 0;
  const entries: BundleEntry[] = [];
  const add = <T extends Resource>(resource: T): string => {
    const fullUrl = uuid(++n);
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  };
  const mode = VISIT_MODES[input.mode];
  const encounterUrl = add<Encounter>({
    resourceType: 'Encounter',
    status: input.sign ? 'finished' : 'in-progress',
    class: { system: ACT_CODE, code: mode.code, display: mode.display },
    subject,
    participant: [{ individual: performer }],
    period: { start: at, ...(input.sign ? { end: now.toISOString() } : {}) },
    ...(input.reason?.trim() ? { reasonCode: [{ text: input.reason.trim() }] } : {}),
  });
  const encounter: Reference<Encounter> = { reference: encounterUrl };

  const vitals = input.vitals ?? {};
  const quantity = (sign: VitalSign, value: number) => ({
    value,
    unit: sign.unit,
    system: UCUM,
    code: sign.unit,
  });
  const range = (sign: VitalSign) =>
    sign.usual ? [{ low: quantity(sign, sign.usual[0]), high: quantity(sign, sign.usual[1]) }] : undefined;
  const interpreted = (sign: VitalSign, value: number) => {
    const flag = interpretation(sign, value);
    return flag ? [code(INTERPRETATION, flag)] : undefined;
  };
  const observation = (coding: CodeableConcept, rest: Partial<Observation>): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    category: [code(OBSERVATION_CATEGORY, 'vital-signs', 'Vital Signs')],
    code: coding,
    subject,
    encounter,
    effectiveDateTime: at,
    performer: [performer],
    ...rest,
  });
  if (vitals.systolic !== undefined || vitals.diastolic !== undefined) {
    const parts = (['systolic', 'diastolic'] as const).flatMap((key) => {
      const sign = vitalByKey(key)!;
      const value = vitals[key];
      return value === undefined
        ? []
        : [
            {
              code: code(LOINC, sign.loinc, sign.display),
              valueQuantity: quantity(sign, value),
              ...(range(sign) ? { referenceRange: range(sign) } : {}),
              ...(interpreted(sign, value) ? { interpretation: interpreted(sign, value) } : {}),
            },
          ];
    });
    add(
      observation(code(LOINC, BLOOD_PRESSURE_PANEL.loinc, BLOOD_PRESSURE_PANEL.display), {
        component: parts,
      }),
    );
  }
  for (const sign of VITAL_SIGNS) {
    if (sign.key === 'systolic' || sign.key === 'diastolic') continue;
    const value = vitals[sign.key];
    if (value === undefined) continue;
    add(
      observation(code(LOINC, sign.loinc, sign.display), {
        ...(sign.key === 'glucose'
          ? { category: [code(OBSERVATION_CATEGORY, 'laboratory', 'Laboratory')] }
          : {}),
        valueQuantity: quantity(sign, value),
        ...(range(sign) ? { referenceRange: range(sign) } : {}),
        ...(interpreted(sign, value) ? { interpretation: interpreted(sign, value) } : {}),
      }),
    );
  }

  const conditions: Reference<Condition>[] = [];
  for (const d of input.diagnoses ?? []) {
    const status = d.status ?? 'active';
    // the code as ICD-10 writes it (`e119` → `E11.9`), titled in French as the ATIH edition has it
    const concept = icd10().concept(d.code);
    conditions.push({
      reference: add<Condition>({
        resourceType: 'Condition',
        clinicalStatus: code('http://terminology.hl7.org/CodeSystem/condition-clinical', status),
        verificationStatus: code('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
        category: [code('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis')],
        code: code(
          ICD10,
          concept?.code ?? d.code.trim().toUpperCase(),
          concept?.fr,
          d.text?.trim() || undefined,
        ),
        subject,
        encounter,
        recordedDate: now.toISOString(),
        ...(status === 'active' ? { onsetDateTime: at } : { abatementDateTime: at }),
        recorder: performer,
      }),
    });
  }
  for (const a of input.allergies ?? []) {
    add<AllergyIntolerance>({
      resourceType: 'AllergyIntolerance',
      clinicalStatus: code('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active'),
      verificationStatus: code(
        'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
        'confirmed',
      ),
      type: 'allergy',
      ...(a.category ? { category: [a.category] } : {}),
      ...(a.criticality ? { criticality: a.criticality } : {}),
      code: { text: a.substance.trim() },
      patient: subject,
      encounter,
      recordedDate: now.toISOString(),
      recorder: performer,
      ...(a.reaction?.trim() ? { reaction: [{ manifestation: [{ text: a.reaction.trim() }] }] } : {}),
    });
  }
  for (const m of input.medications ?? []) {
    const medicine = medicines().get(m.code)!;
    add<MedicationStatement>({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: code(
        MEDICINE_SYSTEM,
        medicine.code,
        medicineDisplay(medicine),
        medicineDisplay(medicine),
      ),
      subject,
      context: encounter,
      effectivePeriod: { start: at },
      dateAsserted: now.toISOString(),
      informationSource: performer,
      dosage: [{ text: m.dosage.trim() }],
    });
  }
  for (const v of input.immunizations ?? []) {
    const dose = pniSchedule().find((d) => d.antigen === v.antigen && d.dose === v.dose)!;
    add<Immunization>({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: {
        coding: [
          { system: PNI_SYSTEM, code: dose.antigen, display: dose.vaccine },
          { system: CVX, code: dose.cvx },
        ],
        text: dose.vaccine,
      },
      patient: subject,
      encounter,
      occurrenceDateTime: v.date ?? at,
      primarySource: true,
      ...(v.lot?.trim() ? { lotNumber: v.lot.trim() } : {}),
      performer: [{ actor: performer }],
      // FHIR counts doses from 1: the birth dose of oral polio ("dose zéro") is written as text
      protocolApplied: [
        dose.dose > 0
          ? { series: 'PNI', doseNumberPositiveInt: dose.dose }
          : { series: 'PNI', doseNumberString: String(dose.dose) },
      ],
    });
  }
  const orders: Reference<ServiceRequest>[] = [];
  for (const o of input.orders ?? []) {
    const category =
      o.kind === 'lab'
        ? code(SNOMED, '108252007', 'Laboratory procedure')
        : o.kind === 'imaging'
          ? code(SNOMED, '363679005', 'Imaging')
          : code(SNOMED, '3457005', 'Patient referral');
    const requestUrl = add<ServiceRequest>({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [category],
      code: { text: o.text.trim() },
      subject,
      encounter,
      authoredOn: now.toISOString(),
      requester: performer,
      ...(o.performer ? { performer: [{ reference: o.performer }] } : {}),
      ...(conditions.length ? { reasonReference: conditions } : {}),
    });
    orders.push({ reference: requestUrl });
    // a referral is a Task addressed to the receiving side: accepting it opens their relationship
    if (o.kind === 'referral' && o.performer)
      add<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        focus: { reference: requestUrl },
        for: subject,
        encounter,
        authoredOn: now.toISOString(),
        requester: performer,
        owner: { reference: o.performer },
        description: o.text.trim(),
      });
  }
  if (input.note?.trim() || input.sign) {
    const sections: Composition['section'] = [
      { title: 'Note', text: { status: 'generated', div: div(input.note ?? '') } },
    ];
    if (conditions.length) sections.push({ title: 'Diagnostics', entry: conditions });
    if (orders.length) sections.push({ title: 'Demandes', entry: orders });
    add<Composition>({
      resourceType: 'Composition',
      status: input.sign ? 'final' : 'preliminary',
      type: code(LOINC, '11506-3', 'Progress note'),
      subject,
      encounter,
      date: now.toISOString(),
      author: [performer],
      title: input.reason?.trim() ? `Consultation — ${input.reason.trim()}` : 'Consultation',
      ...(input.sign ? { attester: [{ mode: 'legal', time: now.toISOString(), party: performer }] } : {}),
      section: sections,
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** The note as XHTML: escaped, one paragraph per line. */
export function div(text: string): string {
  const escapeHtml = (s: string) =>
    s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
  const paragraphs = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => `<p>${escapeHtml(l)}</p>`);
  return `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.join('') || '<p></p>'}</div>`;
}

/** The note's plain text back from its XHTML (for PDFs and the portal). Pure. */
export function noteText(composition: Composition): string {
  const html = composition.section?.[0]?.text?.div ?? '';
  return html
    .replace(/<\/p>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .trim();
}
