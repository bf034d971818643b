/**
 * Two demo stays in Agadir that a live demo needs and the planning story cannot reach with a real
 * clock (the demo centres ask for days of notice): one under way — the patient arrived yesterday,
 * yesterday's session is recorded, today's and the next ones are booked on guest chairs — and one
 * over — four sessions recorded, the end-of-stay letter sent, the centre's access ended by the
 * module's own window. Their past cannot be replayed through the services (each step checks today's
 * date), so the demo writes what those steps leave behind, with the module's own shapes: the request
 * in its state (stay-store), the patient's Consent written as the patient, the summary sent ahead,
 * the Task, one Appointment per session (taking its chair's Slot through scheduling's hook when the
 * slot is still ahead), the session records and the letter (care.ts), and the care relationship
 * through the access layer's door with the window accept() opens and the end complete() sets.
 */
import type {
  Appointment,
  Consent,
  DocumentReference,
  Practitioner,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { SqlExecutor } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { OWN_NOTICES_TAG } from '../scheduling/booking.ts';
import { addDays, localDate, localToInstant } from '../scheduling/calendar.ts';
import { patientSummary } from '../summary/index.ts';
import { type SessionValues, sessionRecord, stayLetter } from './care.ts';
import { stayAccessWindow } from './decide.ts';
import type { DialysisDeps } from './deps.ts';
import { SHIFT_TIMES } from './network.ts';
import { type CentreRow, earliestBookable } from './search.ts';
import { type StayRow, type StayState, saveRow, withState } from './stay-store.ts';
import { centre, SUMMARY_POLICY } from './stays.ts';
import { CONSENT_CATEGORY, EXT, GUEST_REQUEST, haemodialysisConcept, PATIENT_SUMMARY } from './terms.ts';

const DAY = 86_400_000;

export interface DemoStayPeople {
  /** HealthcareService id of the Agadir centre. */
  service: string;
  /** The Agadir nurse coordinator and the home nephrologist, as references with their names. */
  nurse: Reference<Practitioner>;
  nephrologist: Reference;
  inProgress: string;
  ended: string;
}

interface StaySpec {
  patientId: string;
  centre: CentreRow;
  arrival: string;
  departure: string;
  state: StayState;
  /** One session a day at midday; the recorded ones with their values. */
  sessions: { date: string; record?: SessionValues }[];
  letter?: { date: Date; summary: string; recommendations: string };
}

const values = (pre: number, uf: number, incidents: string[] = []): SessionValues => ({
  pre,
  post: Math.round((pre - uf / 1000) * 10) / 10,
  preBp: { systolic: 148, diastolic: 84 },
  postBp: { systolic: 128, diastolic: 76 },
  uf,
  minutes: 240,
  incidents,
  medicines: [{ name: 'Époétine alfa 4000 UI', dose: '1 injection IV en fin de séance' }],
});

/** Seeds both stays; returns the number of resources written. */
export async function seedDemoStays(
  deps: DialysisDeps,
  people: DemoStayPeople,
  now = new Date(),
): Promise<number> {
  const c = await centre(deps, people.service);
  if (!c) throw new Error('dialysis demo: the Agadir centre is not projected');
  const today = localDate(now);
  const followUp = deps.settings.followUpDays;
  let written = 0;
  written += await writeStay(deps, people, {
    patientId: people.inProgress,
    centre: c,
    arrival: addDays(today, -1),
    departure: addDays(today, 5),
    state: 'in-progress',
    sessions: [
      { date: addDays(today, -1), record: values(71.4, 2300) },
      { date: today },
      { date: addDays(today, 2) },
      { date: addDays(today, 4) },
    ],
  });
  // over long enough for the follow-up window to have closed too
  const departure = addDays(today, -(followUp + 14));
  const arrival = addDays(departure, -6);
  written += await writeStay(deps, people, {
    patientId: people.ended,
    centre: c,
    arrival,
    departure,
    state: 'completed',
    sessions: [
      { date: arrival, record: values(58.9, 1800) },
      { date: addDays(arrival, 2), record: values(59.6, 2400, ['Crampes en fin de séance']) },
      { date: addDays(arrival, 4), record: values(59.1, 2000) },
      { date: addDays(arrival, 6), record: values(59.4, 2200) },
    ],
    letter: {
      date: localToInstant(departure, '16:00'),
      summary:
        'Quatre séances de quatre heures, bien tolérées. Crampes en fin de la deuxième séance, cédant à la baisse de l’ultrafiltration.',
      recommendations: 'Revoir le poids sec au retour (prise de poids interdialytique de 2,4 kg).',
    },
  });
  return written;
}

async function writeStay(deps: DialysisDeps, people: DemoStayPeople, spec: StaySpec): Promise<number> {
  const { store } = deps.ctx;
  const c = spec.centre;
  const patient = `Patient/${spec.patientId}`;
  const sentAt = localToInstant(addDays(spec.arrival, -14), '10:00');
  const approvedAt = new Date(sentAt.getTime() - DAY);
  const [start, end] = SHIFT_TIMES[1]; // the midday shift
  // read before the transaction: on PGlite a read outside it would wait for it to end
  const summary = await patientSummary(store, spec.patientId, { language: 'fr' });
  return deps.ctx.db.transaction(async (tx) => {
    let count = 0;
    const draft: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'draft',
      intent: 'order',
      category: [{ coding: [GUEST_REQUEST] }],
      code: haemodialysisConcept(),
      subject: { reference: patient },
      authoredOn: new Date(sentAt.getTime() - 2 * DAY).toISOString(),
      requester: { reference: patient },
      performer: [{ reference: c.organization }, { reference: `HealthcareService/${c.service_id}` }],
      ...(c.location ? { locationReference: [{ reference: c.location }] } : {}),
      occurrencePeriod: { start: spec.arrival, end: spec.departure },
      extension: [
        ...spec.sessions.map((s) => ({
          url: EXT.wanted,
          extension: [
            { url: 'date', valueDate: s.date },
            { url: 'shift', valueCode: 'midday' },
          ],
        })),
        {
          url: EXT.approval,
          extension: [
            { url: 'by', valueReference: people.nephrologist },
            { url: 'date', valueDateTime: approvedAt.toISOString() },
          ],
        },
      ],
    };
    const sr = (await store.createWithin(tx, withState(draft, 'draft'))).resource as ServiceRequest;
    const stayId = sr.id as string;
    const basis = `ServiceRequest/${stayId}`;
    const stay = { id: stayId, patient_id: spec.patientId, organization: c.organization };
    // the Consent counts only when its patient wrote it: written as the patient, as send() does
    const asPatient: Principal = {
      kind: 'patient',
      id: `demo-${spec.patientId}`,
      roles: ['patient'],
      fhirUser: patient,
      scopes: [],
      display: 'Patient (démo)',
      clientId: 'demo',
    };
    const consent: Consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [CONSENT_CATEGORY] }],
      patient: { reference: patient },
      dateTime: sentAt.toISOString(),
      performer: [{ reference: patient }],
      policy: [{ uri: SUMMARY_POLICY }],
      provision: {
        type: 'permit',
        period: {
          start: sentAt.toISOString(),
          end: `${addDays(spec.departure, deps.settings.followUpDays)}T23:59:59Z`,
        },
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' },
              ],
            },
            reference: { reference: `HealthcareService/${c.service_id}`, display: c.name },
          },
        ],
        action: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'disclose' }] },
        ],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        data: [{ meaning: 'related', reference: { reference: basis } }],
      },
    };
    const savedConsent = (await store.as({ actor: asPatient }).createWithin(tx, consent)).resource;
    const document: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [PATIENT_SUMMARY] },
      subject: { reference: patient },
      date: sentAt.toISOString(),
      description: `Résumé patient (IPS) envoyé à ${c.name}`,
      content: [
        {
          attachment: {
            contentType: 'application/fhir+json',
            language: 'fr',
            data: Buffer.from(JSON.stringify(summary?.bundle ?? {})).toString('base64'),
            title: 'International Patient Summary',
            creation: sentAt.toISOString(),
          },
        },
      ],
      context: { related: [{ reference: basis }] },
    };
    const savedDocument = (await store.createWithin(tx, document)).resource;
    count += 3;
    // the sessions, each on a guest chair; a slot still ahead is taken through scheduling's hook
    const appointments: Appointment[] = [];
    for (const s of spec.sessions) {
      const at = localToInstant(s.date, start);
      const slot = await freeSlot(tx, c.service_id, at);
      const status: Appointment['status'] = s.record
        ? 'fulfilled'
        : spec.state === 'completed'
          ? 'cancelled'
          : 'booked';
      const appointment: Appointment = {
        resourceType: 'Appointment',
        meta: { tag: [OWN_NOTICES_TAG, { system: GUEST_REQUEST.system, code: GUEST_REQUEST.code }] },
        status,
        serviceType: [haemodialysisConcept()],
        description: `Hémodialyse — ${slot?.label ?? 'Fauteuil 3'}`,
        start: at.toISOString(),
        end: localToInstant(s.date, end).toISOString(),
        created: sentAt.toISOString(),
        ...(slot ? { slot: [{ reference: `Slot/${slot.id}` }] } : {}),
        basedOn: [{ reference: basis }],
        extension: [{ url: EXT.chairLabel, valueString: slot?.label ?? 'Fauteuil 3' }],
        participant: [
          { actor: { reference: patient }, required: 'required', status: 'accepted' },
          {
            actor: { reference: `HealthcareService/${c.service_id}`, display: c.name },
            required: 'required',
            status: 'accepted',
          },
          ...(c.location ? [{ actor: { reference: c.location }, status: 'accepted' as const }] : []),
        ],
      };
      const saved = (await store.createWithin(tx, appointment)).resource as Appointment;
      appointments.push(saved);
      count += 1;
      if (!s.record) continue;
      const { procedure, parts } = sessionRecord({
        stay,
        appointment: saved,
        centre: c,
        performer: people.nurse,
        start: at,
        values: s.record,
      });
      const p = (await store.createWithin(tx, procedure)).resource;
      const rest = parts(p.id as string);
      for (const r of rest) await store.createWithin(tx, r);
      count += 1 + rest.length;
    }
    const task: Task = {
      resourceType: 'Task',
      status: 'completed',
      businessStatus: { text: 'accepted' },
      intent: 'order',
      code: { coding: [GUEST_REQUEST] },
      focus: { reference: basis },
      for: { reference: patient },
      authoredOn: sentAt.toISOString(),
      lastModified: new Date(sentAt.getTime() + DAY).toISOString(),
      requester: { reference: patient },
      owner: { reference: c.organization, display: c.name },
      restriction: { period: { start: spec.arrival, end: spec.departure } },
      input: [
        { type: { text: 'summary' }, valueReference: { reference: `DocumentReference/${savedDocument.id}` } },
        { type: { text: 'consent' }, valueReference: { reference: `Consent/${savedConsent.id}` } },
      ],
      output: appointments.map((a) => ({
        type: { text: 'session' },
        valueReference: { reference: `Appointment/${a.id}` },
      })),
    };
    const savedTask = (await store.createWithin(tx, task)).resource;
    if (spec.letter) {
      await store.createWithin(
        tx,
        stayLetter({
          stay,
          centre: c,
          author: people.nurse,
          date: spec.letter.date,
          appointments,
          summary: spec.letter.summary,
          recommendations: spec.letter.recommendations,
        }),
      );
      count += 1;
    }
    await store.modifyWithin(tx, 'ServiceRequest', stayId, (current) =>
      withState(current as ServiceRequest, spec.state, {
        supportingInfo: [
          { reference: `DocumentReference/${savedDocument.id}` },
          { reference: `Consent/${savedConsent.id}` },
        ],
      }),
    );
    const row: Omit<StayRow, 'created_at'> = {
      id: stayId,
      patient_id: spec.patientId,
      service_id: c.service_id,
      organization: c.organization,
      state: spec.state,
      arrival: spec.arrival,
      departure: spec.departure,
      abroad: false,
      task_id: savedTask.id as string,
      consent_id: savedConsent.id as string,
      summary_id: savedDocument.id as string,
    };
    await saveRow(tx, row);
    // the centre's access, as accept() opens it and complete() closes it
    await deps.ctx.access.relations.grant(tx, {
      patientId: spec.patientId,
      actor: c.organization,
      source: 'dialysis-stay',
      basis,
      grantedBy: people.nurse.reference as string,
      reason: 'guest dialysis stay accepted',
      ...stayAccessWindow(spec, deps.settings.followUpDays),
    });
    if (spec.letter)
      await deps.ctx.access.relations.end(tx, basis, 'guest dialysis stay completed', {
        at: new Date(spec.letter.date.getTime() + deps.settings.followUpDays * DAY),
      });
    return count + 1;
  });
}

/** A free standard guest chair of the centre at that start, if it is still bookable (slots are never derived in the past). */
async function freeSlot(
  tx: SqlExecutor,
  serviceId: string,
  start: Date,
): Promise<{ id: string; label: string } | undefined> {
  if (start < earliestBookable()) return undefined;
  const rows = await tx.query<{ slot_id: string; label: string }>(
    `SELECT s.slot_id, ch.label FROM dial_chair ch JOIN sched_slot s ON s.schedule_id = ch.schedule_id
      WHERE ch.service_id = $1::text AND ch.kind = 'standard' AND s.status = 'free' AND s.start_at = $2::timestamptz
      ORDER BY ch.label LIMIT 1`,
    [serviceId, start.toISOString()],
  );
  const r = rows.rows[0];
  return r ? { id: r.slot_id, label: r.label } : undefined;
}
