/**
 * The teleconsultation's effects on the record: check-in with consent, the Encounter's life, chat
 * messages, documents and the satisfaction survey. Decisions (who is a party, what may be joined,
 * what a document may be) are the pure files beside this one; this file reads and writes.
 * Writes are made on the platform's behalf once the caller's side is established, and audited as
 * that caller.
 * Reads consider only records in the appointment's own patient's record (and chat sent by one of
 * its parties): anyone may write into their own record a Communication, a DocumentReference or a
 * QuestionnaireResponse that names someone else's appointment, and it must not show up there.
 */
import type {
  Appointment,
  Bundle,
  Communication,
  DocumentReference,
  Encounter,
  QuestionnaireResponse,
} from '@medplum/fhirtypes';
import { FhirError, type FhirResponse, outcome } from '@sahti/fhir';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { type Consultation, consultationOf, joinRefusal, type Side, sideOf } from './consultation.ts';
import { cleanTitle, detectType, documentProblem, documentReference } from './documents.ts';
import {
  arrivedEncounter,
  type CallMode,
  finishedEncounter,
  type Incident,
  incidentsOf,
  modesOf,
  startedEncounter,
  withIncident,
  withMode,
} from './encounter.ts';
import {
  CONSENT_IDENTIFIER,
  consentProblem,
  consentResponse,
  SATISFACTION_IDENTIFIER,
  satisfactionAnswers,
  satisfactionResponse,
} from './questionnaires.ts';
import type { TeleconsultSettings } from './settings.ts';

/** A document about this consultation's appointment, in its patient's own record. */
const ofConsultation = (d: DocumentReference, c: Consultation): boolean =>
  d.subject?.reference === `Patient/${c.patientId}` &&
  (d.context?.related ?? []).some((r) => r.reference === `Appointment/${c.appointmentId}`);

const refuse = (status: number, code: Parameters<typeof outcome>[1], text: string): never => {
  throw new FhirError(status, outcome('error', code, text));
};

export interface Party {
  consultation: Consultation;
  side: Side;
  /** The caller's own reference (`Patient/…`, `Practitioner/…`). */
  ref: string;
  appointment: Appointment;
}

export class TeleconsultService {
  private readonly queues = new Map<string, Promise<unknown>>();

  private readonly ctx: ModuleContext;
  readonly settings: TeleconsultSettings;

  constructor(ctx: ModuleContext, settings: TeleconsultSettings) {
    this.ctx = ctx;
    this.settings = settings;
  }

  /**
   * The caller as a party of this consultation; anyone else gets 404, exactly as for an unknown
   * appointment (the security model never tells a stranger that a record exists).
   */
  async party(principal: Principal | undefined, appointmentId: string): Promise<Party> {
    if (!principal) refuse(401, 'login', 'Sign in first');
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(appointmentId)) refuse(404, 'not-found', 'No such consultation');
    const appointment = await this.ctx.store.readIfPresent('Appointment', appointmentId);
    const consultation = appointment && consultationOf(appointment as Appointment);
    const side = consultation && sideOf(principal, consultation);
    if (!consultation || !side || !principal?.fhirUser)
      return refuse(404, 'not-found', 'No such consultation');
    return { consultation, side, ref: principal.fhirUser, appointment: appointment as Appointment };
  }

  /** A party that may take part now (video, open status, within the time window). */
  assertJoinable(party: Party): void {
    const refusal = joinRefusal(party.consultation, Date.now(), this.settings);
    if (refusal) refuse(refusal.status, refusal.code, refusal.text);
  }

  /**
   * The patient joins the call (its relay credentials, its signalling channel) only once their
   * consent is recorded, at check-in (law 131-13, decree 2-18-378). The doctor may wait in the call
   * before: without the patient there is no one to reach.
   */
  async assertConsented(party: Party): Promise<void> {
    if (party.side !== 'patient') return;
    const c = party.consultation;
    if (!(await this.responseBy(CONSENT_IDENTIFIER, c.appointmentId, c.patientId)))
      refuse(
        409,
        'business-rule',
        'Give your consent to the teleconsultation (check in) before joining the call',
      );
  }

  async encounterOf(appointmentId: string): Promise<Encounter | undefined> {
    const found = await this.ctx.store.search('Encounter', [
      ['appointment', `Appointment/${appointmentId}`],
      ['_sort', '-_lastUpdated'],
      ['_count', '5'],
    ]);
    return (found.matches as Encounter[]).find(
      (e) => e.status !== 'cancelled' && e.status !== 'entered-in-error',
    );
  }

  /** The patient's own answer (consent, survey): one in someone else's record does not count. */
  private async responseBy(
    system: string,
    value: string,
    patientId: string,
  ): Promise<QuestionnaireResponse | undefined> {
    const found = await this.ctx.store.search('QuestionnaireResponse', [
      ['identifier', `${system}|${value}`],
      ['subject', `Patient/${patientId}`],
    ]);
    return (found.matches as QuestionnaireResponse[]).find(
      (r) => r.subject?.reference === `Patient/${patientId}`,
    );
  }

  /** What the screens show of one consultation. */
  async state(principal: Principal, party: Party) {
    const { consultation: c } = party;
    const encounter = await this.encounterOf(c.appointmentId);
    const consent = await this.responseBy(CONSENT_IDENTIFIER, c.appointmentId, c.patientId);
    const satisfaction = encounter?.id
      ? await this.responseBy(SATISFACTION_IDENTIFIER, encounter.id, c.patientId)
      : undefined;
    const documents = await this.documents(c);
    const names = await this.names([`Patient/${c.patientId}`, ...c.practitioners]);
    this.audit(
      principal,
      'read',
      'Appointment',
      [`Appointment/${c.appointmentId}`],
      c.patientId,
      200,
      'teleconsultation state',
    );
    return {
      appointment: c.appointmentId,
      side: party.side,
      status: c.status,
      mode: c.mode,
      start: c.start,
      end: c.end,
      patient: { reference: `Patient/${c.patientId}`, name: names.get(`Patient/${c.patientId}`) },
      practitioners: c.practitioners.map((reference) => ({ reference, name: names.get(reference) })),
      joinable: !joinRefusal(c, Date.now(), this.settings),
      consent: Boolean(consent),
      encounter: encounter && {
        id: encounter.id,
        status: encounter.status,
        period: encounter.period,
        modes: modesOf(encounter),
        incidents: incidentsOf(encounter),
      },
      satisfaction: Boolean(satisfaction),
      documents,
    };
  }

  private async names(refs: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const ref of refs) {
      const [type, id] = ref.split('/');
      const r = (await this.ctx.store.readIfPresent(type, id)) as
        | { name?: { text?: string; given?: string[]; family?: string; prefix?: string[] }[] }
        | undefined;
      const n = r?.name?.[0];
      const text =
        n?.text ?? [n?.prefix?.join(' '), n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
      if (text) names.set(ref, text);
    }
    return names;
  }

  /**
   * The patient's check-in: the consent recorded, the Encounter opened (arrived) and the Appointment
   * marked arrived, in one transaction. Checking in again is harmless.
   */
  async checkIn(principal: Principal, party: Party, body: unknown): Promise<{ encounter: string }> {
    if (party.side !== 'patient') refuse(403, 'forbidden', 'Only the patient checks in');
    this.assertJoinable(party);
    const problem = consentProblem(body);
    if (problem) refuse(400, 'required', problem);
    return this.serial(party.consultation.appointmentId, async () => {
      const c = party.consultation;
      const existing = await this.encounterOf(c.appointmentId);
      const consent = await this.responseBy(CONSENT_IDENTIFIER, c.appointmentId, c.patientId);
      if (existing?.id && consent) return { encounter: existing.id };
      const now = new Date();
      const encounterUrl = existing?.id
        ? `Encounter/${existing.id}`
        : 'urn:uuid:6f1d2a4e-0b8e-4c1a-9d55-0c6c8f0e7a01';
      const appointment = (await this.ctx.store.read('Appointment', c.appointmentId)) as Appointment;
      const entries: NonNullable<Bundle['entry']> = [];
      if (!existing)
        entries.push({
          fullUrl: encounterUrl,
          resource: arrivedEncounter(c, now),
          request: {
            method: 'POST',
            url: 'Encounter',
            ifNoneExist: `appointment=Appointment/${c.appointmentId}`,
          },
        });
      entries.push({
        resource: consentResponse({
          patientId: c.patientId,
          appointmentId: c.appointmentId,
          encounterRef: encounterUrl,
          now,
        }),
        request: {
          method: 'POST',
          url: 'QuestionnaireResponse',
          ifNoneExist: `identifier=${CONSENT_IDENTIFIER}|${c.appointmentId}&subject=Patient/${c.patientId}`,
        },
      });
      if (appointment.status === 'booked')
        entries.push({
          resource: { ...appointment, status: 'arrived' },
          request: {
            method: 'PUT',
            url: `Appointment/${c.appointmentId}`,
            ifMatch: `W/"${appointment.meta?.versionId}"`,
          },
        });
      const res = await this.transaction(principal, entries);
      const location = (res.body as Bundle).entry?.[0]?.response?.location ?? '';
      const id = existing?.id ?? /Encounter\/([^/]+)/.exec(location)?.[1];
      if (!id) refuse(500, 'exception', 'The encounter was not created');
      return { encounter: id as string };
    });
  }

  private async transaction(
    principal: Principal,
    entries: NonNullable<Bundle['entry']>,
  ): Promise<FhirResponse> {
    const res = await this.ctx.fhir.handle({
      method: 'POST',
      path: '',
      query: [],
      headers: {},
      body: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    });
    this.ctx.audit.recordRequest(auditInputsForFhir({ ...principal }, res));
    if (res.status >= 400) {
      const text = (res.body as { issue?: { diagnostics?: string }[] } | undefined)?.issue?.[0]?.diagnostics;
      refuse(res.status, 'processing', text ?? 'The consultation could not be recorded');
    }
    return res;
  }

  /** Both parties are in the call: the Encounter is in progress (its start recorded once). */
  async started(appointmentId: string): Promise<void> {
    await this.updateEncounter(appointmentId, (e) => startedEncounter(e, new Date()));
  }

  async recordMode(appointmentId: string, by: string, mode: CallMode): Promise<void> {
    await this.updateEncounter(appointmentId, (e) => withMode(e, mode, by, new Date()));
  }

  async recordIncident(appointmentId: string, by: string, code: Incident, detail?: string): Promise<void> {
    await this.updateEncounter(appointmentId, (e) => withIncident(e, code, by, new Date(), detail));
  }

  /** The doctor ends the consultation: Encounter finished, Appointment fulfilled. */
  async end(principal: Principal, party: Party): Promise<{ encounter?: string }> {
    if (party.side !== 'practitioner') refuse(403, 'forbidden', 'Only the doctor ends the consultation');
    const appointmentId = party.consultation.appointmentId;
    return this.serial(appointmentId, async () => {
      const encounter = await this.encounterOf(appointmentId);
      const appointment = (await this.ctx.store.read('Appointment', appointmentId)) as Appointment;
      const entries: NonNullable<Bundle['entry']> = [];
      if (encounter?.id)
        entries.push({
          resource: finishedEncounter(encounter, new Date()),
          request: {
            method: 'PUT',
            url: `Encounter/${encounter.id}`,
            ifMatch: `W/"${encounter.meta?.versionId}"`,
          },
        });
      if (appointment.status !== 'fulfilled')
        entries.push({
          resource: { ...appointment, status: 'fulfilled' },
          request: {
            method: 'PUT',
            url: `Appointment/${appointmentId}`,
            ifMatch: `W/"${appointment.meta?.versionId}"`,
          },
        });
      if (entries.length) await this.transaction(principal, entries);
      return { encounter: encounter?.id };
    });
  }

  private async updateEncounter(appointmentId: string, change: (e: Encounter) => Encounter): Promise<void> {
    await this.serial(appointmentId, async () => {
      const encounter = await this.encounterOf(appointmentId);
      if (!encounter?.id || encounter.status === 'finished') return;
      const next = change(encounter);
      if (next === encounter) return;
      await this.ctx.store.update('Encounter', encounter.id, next);
    });
  }

  async chat(party: Party, text: string): Promise<Communication> {
    const c = party.consultation;
    const encounter = await this.encounterOf(c.appointmentId);
    const recipient = party.side === 'patient' ? c.practitioners : [`Patient/${c.patientId}`];
    const message: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      category: [
        {
          coding: [
            {
              system: 'https://sahti.ma/fhir/CodeSystem/communication-category',
              code: 'teleconsultation-chat',
            },
          ],
        },
      ],
      subject: { reference: `Patient/${c.patientId}` },
      ...(encounter?.id ? { encounter: { reference: `Encounter/${encounter.id}` } } : {}),
      basedOn: [{ reference: `Appointment/${c.appointmentId}` }],
      sent: new Date().toISOString(),
      sender: { reference: party.ref },
      recipient: recipient.map((reference) => ({ reference })),
      payload: [{ contentString: text }],
    };
    const saved = (await this.ctx.store.create(message)).resource as Communication;
    return saved;
  }

  /** The call's chat: messages in the patient's record, sent by the patient or the practitioner. */
  async chatHistory(c: Consultation): Promise<{ id?: string; from: string; text: string; sent?: string }[]> {
    const patient = `Patient/${c.patientId}`;
    const parties = new Set([patient, ...c.practitioners]);
    const found = await this.ctx.store.search('Communication', [
      ['_sort', 'sent'],
      ['_count', '200'],
      ['based-on', `Appointment/${c.appointmentId}`],
      ['subject', patient],
    ]);
    const ours = (found.matches as Communication[]).filter(
      (m) => m.subject?.reference === patient && parties.has(m.sender?.reference ?? ''),
    );
    return ours.map((m) => ({
      id: m.id,
      from: m.sender?.reference ?? '',
      text: m.payload?.[0]?.contentString ?? '',
      sent: m.sent,
    }));
  }

  /** The consultation's documents: those about its appointment in the patient's own record. */
  async documents(c: Consultation) {
    const found = await this.ctx.store.search('DocumentReference', [
      ['related', `Appointment/${c.appointmentId}`],
      ['subject', `Patient/${c.patientId}`],
      ['_sort', 'date'],
      ['_count', '100'],
    ]);
    const ours = (found.matches as DocumentReference[]).filter((d) => ofConsultation(d, c));
    return ours.map((d) => ({
      id: d.id,
      title: d.content[0]?.attachment.title,
      contentType: d.content[0]?.attachment.contentType,
      size: d.content[0]?.attachment.size,
      author: d.author?.[0]?.reference,
      date: d.date,
    }));
  }

  async upload(principal: Principal, party: Party, bytes: Buffer, name: unknown) {
    this.assertJoinable(party);
    this.assertServable(bytes);
    const type = detectType(bytes);
    if (!type) return refuse(415, 'not-supported', 'Only PDF, PNG and JPEG documents are accepted');
    const c = party.consultation;
    const encounter = await this.encounterOf(c.appointmentId);
    const doc = documentReference({
      bytes,
      type,
      title: cleanTitle(name, type),
      patientId: c.patientId,
      author: party.ref,
      encounterId: encounter?.id,
      appointmentId: c.appointmentId,
    });
    const saved = (await this.ctx.store.create(doc)).resource as DocumentReference;
    this.audit(principal, 'create', 'DocumentReference', [`DocumentReference/${saved.id}`], c.patientId, 201);
    return {
      id: saved.id as string,
      title: doc.content[0].attachment.title,
      contentType: type,
      size: bytes.length,
    };
  }

  /**
   * The document checks (type, size, active content), on the way in and again on the way out: a
   * document of the consultation may have been written by other paths than the upload route.
   */
  private assertServable(bytes: Uint8Array): void {
    const max = this.settings.documentMaxBytes;
    const problem = documentProblem(bytes, max);
    if (problem === 'too-large')
      refuse(
        413,
        'too-costly',
        `Documents are limited to ${max >= 1024 * 1024 ? `${Math.round(max / 1024 / 1024)} MB` : `${Math.round(max / 1024)} KB`}`,
      );
    if (problem === 'empty') refuse(400, 'required', 'The document is empty');
    if (problem === 'type') refuse(415, 'not-supported', 'Only PDF, PNG and JPEG documents are accepted');
    if (problem === 'active-content')
      refuse(415, 'security', 'This PDF contains active content (scripts, launch actions or attached files)');
  }

  async download(principal: Principal, party: Party, documentId: string) {
    const doc = (await this.ctx.store.readIfPresent('DocumentReference', documentId)) as
      | DocumentReference
      | undefined;
    const attachment = doc?.content[0]?.attachment;
    if (!doc || !ofConsultation(doc, party.consultation) || !attachment?.data)
      return refuse(404, 'not-found', 'No such document');
    const bytes = Buffer.from(attachment.data, 'base64');
    this.assertServable(bytes);
    const type = detectType(bytes);
    if (!type) return refuse(404, 'not-found', 'No such document');
    this.audit(
      principal,
      'read',
      'DocumentReference',
      [`DocumentReference/${documentId}`],
      party.consultation.patientId,
      200,
    );
    return { bytes, type, title: attachment.title ?? 'document' };
  }

  /** The patient's survey after the consultation; one per Encounter. */
  async satisfaction(principal: Principal, party: Party, body: unknown): Promise<{ id: string }> {
    if (party.side !== 'patient') refuse(403, 'forbidden', 'Only the patient answers the survey');
    const answers = satisfactionAnswers(body);
    if (typeof answers === 'string') return refuse(400, 'value', answers);
    const encounter = await this.encounterOf(party.consultation.appointmentId);
    if (!encounter?.id || (encounter.status !== 'finished' && encounter.status !== 'in-progress'))
      refuse(409, 'business-rule', 'The survey opens once the consultation has taken place');
    const id = encounter?.id as string;
    const response: QuestionnaireResponse = satisfactionResponse({
      answers,
      patientId: party.consultation.patientId,
      encounterId: id,
      now: new Date(),
    });
    const saved = await this.ctx.store.create(
      response,
      `identifier=${SATISFACTION_IDENTIFIER}|${id}&subject=Patient/${party.consultation.patientId}`,
    );
    if (saved.status === 200)
      refuse(409, 'duplicate', 'You have already answered the survey for this consultation');
    this.audit(
      principal,
      'create',
      'QuestionnaireResponse',
      [`QuestionnaireResponse/${saved.resource.id}`],
      party.consultation.patientId,
      201,
    );
    return { id: saved.resource.id as string };
  }

  audit(
    principal: Principal,
    interaction: 'read' | 'create' | 'update' | 'operation',
    resourceType: string,
    ids: string[],
    patientId: string,
    status: number,
    desc?: string,
  ): void {
    this.ctx.audit.record({
      principal,
      interaction,
      resourceType,
      ids,
      patientIds: [patientId],
      outcome: status,
      ...(desc ? { outcomeDesc: desc } : {}),
    });
  }

  /** Runs changes to one consultation one after the other in this process (read-modify-write). */
  serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}
