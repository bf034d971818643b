/**
 * The Encounter of a teleconsultation (class VR, virtual): created when the patient checks in
 * (status arrived), in progress once both parties are in the call, finished when the doctor ends
 * it. It records start and end (period), the participants, every mode used (video, audio, chat) and
 * the technical incidents, as extensions. Pure: each function returns the next version.
 */
import type { Encounter, Extension } from '@medplum/fhirtypes';
import type { Consultation } from './consultation.ts';

export const MODE_EXTENSION = 'https://sahti.ma/fhir/StructureDefinition/teleconsultation-mode';
export const INCIDENT_EXTENSION = 'https://sahti.ma/fhir/StructureDefinition/teleconsultation-incident';

export const CALL_MODES = ['video', 'audio', 'chat'] as const;
export type CallMode = (typeof CALL_MODES)[number];

export const INCIDENTS = [
  'ice-failed',
  'disconnected',
  'reconnected',
  'low-bandwidth',
  'media-denied',
  'peer-left',
  'signalling-lost',
] as const;
export type Incident = (typeof INCIDENTS)[number];

export function arrivedEncounter(c: Consultation, now: Date): Encounter {
  return {
    resourceType: 'Encounter',
    status: 'arrived',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
    serviceType: { text: 'Téléconsultation' },
    subject: { reference: `Patient/${c.patientId}` },
    participant: c.practitioners.map((reference) => ({
      type: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
              code: 'PPRF',
              display: 'primary performer',
            },
          ],
        },
      ],
      individual: { reference },
    })),
    appointment: [{ reference: `Appointment/${c.appointmentId}` }],
    statusHistory: [{ status: 'arrived', period: { start: now.toISOString() } }],
  };
}

/** Both parties are in the call: the consultation starts (once). */
export function startedEncounter(e: Encounter, now: Date): Encounter {
  if (e.status === 'in-progress' || e.status === 'finished') return e;
  return {
    ...e,
    status: 'in-progress',
    period: { ...e.period, start: e.period?.start ?? now.toISOString() },
    statusHistory: [
      ...closeLast(e.statusHistory, now),
      { status: 'in-progress', period: { start: now.toISOString() } },
    ],
  };
}

export function finishedEncounter(e: Encounter, now: Date): Encounter {
  if (e.status === 'finished') return e;
  return {
    ...e,
    status: 'finished',
    period: { start: e.period?.start ?? now.toISOString(), end: now.toISOString() },
    statusHistory: [
      ...closeLast(e.statusHistory, now),
      { status: 'finished', period: { start: now.toISOString() } },
    ],
  };
}

/** A mode used from `now` by one side (recorded when it changes). */
export function withMode(e: Encounter, mode: CallMode, by: string, now: Date): Encounter {
  const last = [...(e.extension ?? [])]
    .reverse()
    .find((x) => x.url === MODE_EXTENSION && part(x, 'by') === by);
  if (last && part(last, 'mode') === mode) return e;
  return {
    ...e,
    extension: [
      ...(e.extension ?? []),
      {
        url: MODE_EXTENSION,
        extension: [
          { url: 'mode', valueCode: mode },
          { url: 'start', valueDateTime: now.toISOString() },
          { url: 'by', valueReference: { reference: by } },
        ],
      },
    ],
  };
}

export function withIncident(
  e: Encounter,
  incident: Incident,
  by: string,
  now: Date,
  detail?: string,
): Encounter {
  const count = (e.extension ?? []).filter((x) => x.url === INCIDENT_EXTENSION).length;
  if (count >= 200) return e; // a flapping connection must not grow the record without end
  return {
    ...e,
    extension: [
      ...(e.extension ?? []),
      {
        url: INCIDENT_EXTENSION,
        extension: [
          { url: 'code', valueCode: incident },
          { url: 'at', valueDateTime: now.toISOString() },
          { url: 'by', valueReference: { reference: by } },
          ...(detail ? [{ url: 'detail', valueString: detail.slice(0, 200) }] : []),
        ],
      },
    ],
  };
}

/** The modes recorded, in order: what the report and the indicators read. */
export function modesOf(e: Encounter): { mode: string; start: string; by: string }[] {
  return (e.extension ?? [])
    .filter((x) => x.url === MODE_EXTENSION)
    .map((x) => ({ mode: part(x, 'mode') ?? '', start: part(x, 'start') ?? '', by: part(x, 'by') ?? '' }));
}

export function incidentsOf(e: Encounter): { code: string; at: string; by: string }[] {
  return (e.extension ?? [])
    .filter((x) => x.url === INCIDENT_EXTENSION)
    .map((x) => ({ code: part(x, 'code') ?? '', at: part(x, 'at') ?? '', by: part(x, 'by') ?? '' }));
}

function part(x: Extension, url: string): string | undefined {
  const p = x.extension?.find((y) => y.url === url);
  return p?.valueCode ?? p?.valueDateTime ?? p?.valueString ?? p?.valueReference?.reference;
}

function closeLast(history: Encounter['statusHistory'], now: Date): NonNullable<Encounter['statusHistory']> {
  const list = [...(history ?? [])];
  const last = list.at(-1);
  if (last && !last.period.end)
    list[list.length - 1] = { ...last, period: { ...last.period, end: now.toISOString() } };
  return list;
}
