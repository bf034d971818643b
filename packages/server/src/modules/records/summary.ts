/**
 * What the patient's copy and the emergency card say, gathered from the record: identity, problems,
 * allergies, current medicines, immunisations, recent measurements, notes, blood group and the
 * emergency contact. Pure: the resources in, plain text lines out (in the record's words).
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Composition,
  Condition,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
} from '@medplum/fhirtypes';
import { CNIE_SYSTEM } from '../../identifiers/morocco.ts';
import { noteText } from './visit.ts';

/** LOINC "ABO and Rh group" (an Observation whose value says the group, e.g. "O+"). */
export const BLOOD_GROUP_LOINC = '882-1';

export interface RecordSummary {
  name: string;
  /** The name in Arabic script, when the record has it. */
  arabicName?: string;
  cnie?: string;
  birthDate?: string;
  gender?: string;
  phone?: string;
  bloodGroup?: string;
  emergencyContact?: { name: string; relationship?: string; phone?: string };
  /** `code` with its `system` (an ICD-10 code gets its title in the reader's language). */
  problems: { text: string; code?: string; system?: string; since?: string }[];
  allergies: { text: string; high: boolean; reaction?: string }[];
  medicines: { text: string; dosage?: string }[];
  immunizations: { text: string; date?: string; dose?: number }[];
  measurements: { text: string; value: string; date: string }[];
  notes: { title: string; date: string; author?: string; text: string; status: string }[];
}

export interface RecordResources {
  patient: Patient;
  conditions: Condition[];
  allergies: AllergyIntolerance[];
  statements: MedicationStatement[];
  requests: MedicationRequest[];
  immunizations: Immunization[];
  observations: Observation[];
  compositions: Composition[];
}

const ARABIC = /[\u0600-\u06FF]/;

export const conceptText = (c: CodeableConcept | undefined): string =>
  c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? '';

function names(patient: Patient): { name: string; arabicName?: string } {
  const text = (n: NonNullable<Patient['name']>[number]) =>
    n.text ?? [n.given?.join(' '), n.family].filter(Boolean).join(' ');
  const all = (patient.name ?? []).map(text).filter(Boolean);
  const latin = all.find((n) => !ARABIC.test(n)) ?? all[0] ?? '';
  const arabic = all.find((n) => ARABIC.test(n));
  return { name: latin, ...(arabic ? { arabicName: arabic } : {}) };
}

const active = (code: string | undefined) => code === 'active' || code === 'recurrence' || code === 'relapse';

function quantityText(o: Observation): string {
  const q = (v: Observation['valueQuantity']) =>
    v?.value === undefined ? '' : `${v.value} ${v.unit ?? ''}`.trim();
  if (o.valueQuantity) return q(o.valueQuantity);
  if (o.component?.length === 2) {
    const [a, b] = o.component;
    return `${a.valueQuantity?.value ?? '?'}/${b.valueQuantity?.value ?? '?'} ${a.valueQuantity?.unit ?? ''}`.trim();
  }
  return o.valueString ?? conceptText(o.valueCodeableConcept);
}

export function summarise(r: RecordResources): RecordSummary {
  const p = r.patient;
  const contact = p.contact?.[0];
  const contactName = contact?.name
    ? (contact.name.text ?? [contact.name.given?.join(' '), contact.name.family].filter(Boolean).join(' '))
    : undefined;
  const blood = r.observations
    .filter(
      (o) => o.code?.coding?.some((c) => c.code === BLOOD_GROUP_LOINC) && o.status !== 'entered-in-error',
    )
    .sort((a, b) => (b.effectiveDateTime ?? '').localeCompare(a.effectiveDateTime ?? ''))[0];
  const latest = new Map<string, Observation>();
  for (const o of r.observations) {
    if (o.status === 'entered-in-error' || o.code?.coding?.some((c) => c.code === BLOOD_GROUP_LOINC))
      continue;
    const key = o.code?.coding?.[0]?.code ?? conceptText(o.code);
    const seen = latest.get(key);
    if (!seen || (o.effectiveDateTime ?? '') > (seen.effectiveDateTime ?? '')) latest.set(key, o);
  }
  return {
    ...names(p),
    ...(p.identifier?.find((i) => i.system === CNIE_SYSTEM)?.value
      ? { cnie: p.identifier.find((i) => i.system === CNIE_SYSTEM)!.value }
      : {}),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    ...(p.telecom?.find((t) => t.system === 'phone')?.value
      ? { phone: p.telecom.find((t) => t.system === 'phone')!.value }
      : {}),
    ...(blood ? { bloodGroup: blood.valueString ?? conceptText(blood.valueCodeableConcept) } : {}),
    ...(contactName
      ? {
          emergencyContact: {
            name: contactName,
            ...(contact?.relationship?.[0] ? { relationship: conceptText(contact.relationship[0]) } : {}),
            ...(contact?.telecom?.find((t) => t.system === 'phone')?.value
              ? { phone: contact.telecom.find((t) => t.system === 'phone')!.value }
              : {}),
          },
        }
      : {}),
    problems: r.conditions
      .filter(
        (c) =>
          active(c.clinicalStatus?.coding?.[0]?.code) &&
          c.verificationStatus?.coding?.[0]?.code !== 'entered-in-error',
      )
      .map((c) => ({
        text: conceptText(c.code),
        ...(c.code?.coding?.[0]?.code ? { code: c.code.coding[0].code } : {}),
        ...(c.code?.coding?.[0]?.system ? { system: c.code.coding[0].system } : {}),
        ...(c.onsetDateTime ? { since: c.onsetDateTime.slice(0, 10) } : {}),
      })),
    allergies: r.allergies
      .filter(
        (a) =>
          a.clinicalStatus?.coding?.[0]?.code !== 'resolved' &&
          a.verificationStatus?.coding?.[0]?.code !== 'entered-in-error',
      )
      .map((a) => {
        const reaction = (a.reaction ?? [])
          .flatMap((x) => x.manifestation)
          .map(conceptText)
          .filter(Boolean)
          .join(', ');
        return {
          text: conceptText(a.code),
          high: a.criticality === 'high',
          ...(reaction ? { reaction } : {}),
        };
      }),
    medicines: [
      ...r.statements
        .filter((m) => m.status === 'active')
        .map((m) => ({ text: conceptText(m.medicationCodeableConcept), dosage: m.dosage?.[0]?.text })),
      ...r.requests
        .filter((m) => m.status === 'active')
        .map((m) => ({
          text: conceptText(m.medicationCodeableConcept),
          dosage: m.dosageInstruction?.[0]?.text,
        })),
    ].map((m) => (m.dosage ? m : { text: m.text })),
    immunizations: r.immunizations
      .filter((i) => i.status === 'completed')
      .sort((a, b) => (b.occurrenceDateTime ?? '').localeCompare(a.occurrenceDateTime ?? ''))
      .map((i) => ({
        text: conceptText(i.vaccineCode),
        ...(i.occurrenceDateTime ? { date: i.occurrenceDateTime.slice(0, 10) } : {}),
        ...(i.protocolApplied?.[0]?.doseNumberPositiveInt
          ? { dose: i.protocolApplied[0].doseNumberPositiveInt }
          : {}),
      })),
    measurements: [...latest.values()]
      .map((o) => ({
        text: conceptText(o.code),
        value: quantityText(o),
        date: (o.effectiveDateTime ?? '').slice(0, 10),
      }))
      .filter((m) => m.value)
      .sort((a, b) => b.date.localeCompare(a.date)),
    notes: r.compositions
      .filter((c) => c.status !== 'entered-in-error')
      .sort((a, b) => b.date.localeCompare(a.date))
      .map((c) => ({
        title: c.title,
        date: c.date.slice(0, 10),
        ...(c.author?.[0]?.display ? { author: c.author[0].display } : {}),
        text: noteText(c),
        status: c.status,
      })),
  };
}
