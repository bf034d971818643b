/**
 * A stay from planning to sending: the patient's draft (centre, dates, the sessions at their
 * rhythm), the home nephrologist's approval, the checks of what the destination needs, and the
 * sending — the patient's Consent scoped to that centre and those dates, the summary (IPS) frozen
 * as a DocumentReference, the Task addressed to the centre — in one transaction. A transfer to a
 * centre outside Morocco needs the patient's explicit consent and is flagged in the audit and
 * logged in dial_transfer (law 09-08).
 */
import type {
  Consent,
  DocumentReference,
  Extension,
  Patient,
  PractitionerRole,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { badRequest, FhirError, notFound, outcome } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { enqueueNotification, patientLanguage } from '../../notify/index.ts';
import { channelsOf } from '../scheduling/booking.ts';
import { addDays, localDate } from '../scheduling/calendar.ts';
import { patientSummary } from '../summary/index.ts';
import { audited, type DialysisDeps } from './deps.ts';
import { isReady, noticeIsEnough, type ReadinessItem, readiness } from './readiness.ts';
import { loadProfile } from './record.ts';
import { CENTRE_COLUMNS, type CentreRow } from './search.ts';
import {
  conflict,
  forbidden,
  readResource,
  requireRole,
  roleIn,
  type StayRow,
  saveRow,
  stateOf,
  stayRow,
  withState,
} from './stay-store.ts';
import {
  CONSENT_CATEGORY,
  EXT,
  GUEST_REQUEST,
  haemodialysisConcept,
  PATIENT_SUMMARY,
  SHIFTS,
  type Shift,
} from './terms.ts';

export const EXPIRY_JOB = 'dialysis.expiry-reminder';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day written YYYY-MM-DD (not 2026-13-45 nor 2026-02-30). */
const isDay = (s: string) =>
  DATE.test(s) &&
  !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
const NEPHROLOGY = '394589003';
export const LAW_09_08_POLICY = 'https://sahti.ma/fhir/policy/law-09-08-cross-border-transfer';
export const SUMMARY_POLICY = 'https://sahti.ma/fhir/policy/guest-dialysis-summary';

export async function centre(deps: DialysisDeps, serviceId: string): Promise<CentreRow | undefined> {
  return (
    await deps.ctx.db.query<CentreRow>(
      `SELECT ${CENTRE_COLUMNS} FROM dial_centre WHERE service_id = $1::text`,
      [serviceId],
    )
  ).rows[0];
}

export interface DraftInput {
  service?: unknown;
  arrival?: unknown;
  departure?: unknown;
  sessions?: unknown;
  note?: unknown;
}

/** The patient's draft: where, when, and the sessions they picked from the search. */
export async function createDraft(
  deps: DialysisDeps,
  principal: Principal,
  input: DraftInput,
): Promise<StayRow> {
  if (principal.kind !== 'patient' || !principal.fhirUser?.startsWith('Patient/'))
    throw forbidden('A patient plans their own dialysis stay');
  const patientId = principal.fhirUser.slice('Patient/'.length);
  const problems: [string, string][] = [];
  const serviceId =
    typeof input.service === 'string' ? input.service.replace(/^HealthcareService\//, '') : '';
  const c = /^[A-Za-z0-9\-.]{1,64}$/.test(serviceId) ? await centre(deps, serviceId) : undefined;
  if (!c) problems.push(['service', 'Choose a dialysis centre from the search']);
  const arrival = String(input.arrival ?? '');
  const departure = String(input.departure ?? '');
  const today = localDate(new Date());
  if (!isDay(arrival) || arrival < today)
    problems.push(['arrival', 'Give the arrival date, today or later (YYYY-MM-DD)']);
  if (!isDay(departure) || (isDay(arrival) && (departure < arrival || departure > addDays(arrival, 60))))
    problems.push(['departure', 'Give the departure date, after the arrival and within 60 days']);
  if (input.sessions !== undefined && !Array.isArray(input.sessions))
    problems.push(['sessions', 'sessions is a list of days and shifts']);
  const sessions = Array.isArray(input.sessions) ? input.sessions : [];
  const wanted: { date: string; shift: Shift }[] = [];
  for (const s of sessions.slice(0, 40)) {
    const date = String((s as { date?: unknown }).date ?? '');
    const shift = String((s as { shift?: unknown }).shift ?? '') as Shift;
    if (
      !isDay(date) ||
      date < arrival ||
      date > departure ||
      !SHIFTS.includes(shift) ||
      wanted.some((w) => w.date === date)
    ) {
      problems.push([
        'sessions',
        'Each session is a day of the stay (once) and a shift: morning, midday or afternoon',
      ]);
      break;
    }
    wanted.push({ date, shift });
  }
  if (input.note !== undefined && typeof input.note !== 'string')
    problems.push(['note', 'The note is a text']);
  else if (typeof input.note === 'string' && input.note.length > 1000)
    problems.push(['note', 'The note is 1000 characters at most']);
  if (problems.length > 0) {
    const o = outcome('error', 'invalid', problems[0][1], [problems[0][0]]);
    o.issue = problems.map(([field, text]) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: text,
      expression: [field],
    }));
    throw new FhirError(400, o);
  }
  const centreRow = c as CentreRow;
  const sr: ServiceRequest = withState(
    {
      resourceType: 'ServiceRequest',
      status: 'draft',
      intent: 'order',
      category: [{ coding: [GUEST_REQUEST] }],
      code: haemodialysisConcept(),
      subject: { reference: `Patient/${patientId}` },
      authoredOn: new Date().toISOString(),
      requester: { reference: `Patient/${patientId}` },
      performer: [{ reference: centreRow.organization }, { reference: `HealthcareService/${serviceId}` }],
      ...(centreRow.location ? { locationReference: [{ reference: centreRow.location }] } : {}),
      occurrencePeriod: { start: arrival, end: departure },
      ...(typeof input.note === 'string' && input.note.trim() ? { note: [{ text: input.note.trim() }] } : {}),
      extension: wanted.map(
        (w): Extension => ({
          url: EXT.wanted,
          extension: [
            { url: 'date', valueDate: w.date },
            { url: 'shift', valueCode: w.shift },
          ],
        }),
      ),
    },
    'draft',
  );
  return deps.ctx.db.transaction(async (tx) => {
    const created = (await deps.ctx.store.createWithin(tx, sr)).resource as ServiceRequest;
    const row = {
      id: created.id as string,
      patient_id: patientId,
      service_id: serviceId,
      organization: centreRow.organization,
      state: 'draft' as const,
      arrival,
      departure,
      abroad: centreRow.country !== 'MA',
      task_id: null,
      consent_id: null,
      summary_id: null,
    };
    await saveRow(tx, row);
    audited(deps, principal, 'create', 'ServiceRequest', [created.id as string], patientId);
    return { ...row, created_at: new Date().toISOString() };
  });
}

/** The checks of what the destination needs, for this stay, now. */
export async function checksFor(
  deps: DialysisDeps,
  stay: StayRow,
): Promise<{ items: ReadinessItem[]; noticeOk: boolean }> {
  const c = await centre(deps, stay.service_id);
  const profile = await loadProfile(deps.ctx.store, stay.patient_id);
  const sr = await readResource<ServiceRequest>(deps.ctx.db, deps.ctx.store, 'ServiceRequest', stay.id);
  const approval = sr?.extension?.find((e) => e.url === EXT.approval);
  const by = approval?.extension?.find((e) => e.url === 'by')?.valueReference?.display;
  const date = approval?.extension?.find((e) => e.url === 'date')?.valueDateTime;
  if (approval && date) profile.facts.approval = { by: by ?? '', date };
  const rules = {
    serologyWindowDays: c?.serology_days ?? 90,
    labsWindowDays: c?.labs_days ?? 60,
    minNoticeDays: c?.notice_days ?? 7,
  };
  const today = localDate(new Date());
  return {
    items: readiness(profile.facts, rules, { today, arrival: stay.arrival }),
    noticeOk: noticeIsEnough(rules, today, stay.arrival) || stay.state !== 'draft',
  };
}

/** The home nephrologist approves the stay (a doctor or coordinator with a nephrology role who follows the patient). */
export async function approve(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  note: unknown,
): Promise<void> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'home') throw forbidden('The patient’s home nephrologist approves the stay');
  requireRole(principal, ['doctor', 'dialysis-coordinator'], 'approve a dialysis stay');
  const roles = await deps.ctx.store.search('PractitionerRole', [
    ['practitioner', principal.fhirUser as string],
    ['specialty', `http://snomed.info/sct|${NEPHROLOGY}`],
  ]);
  if (!(roles.matches as PractitionerRole[]).some((r) => r.active !== false))
    throw forbidden('Only a nephrologist approves a dialysis stay');
  if (!['draft', 'sent'].includes(stay.state))
    throw conflict(`The stay is ${stay.state}: it can no longer be approved`);
  if (note !== undefined && (typeof note !== 'string' || note.length > 1000))
    badRequest('The note is a short text', ['note']);
  await deps.ctx.db.transaction(async (tx) => {
    await deps.ctx.store.modifyWithin(tx, 'ServiceRequest', stay.id, (current) => {
      const sr = current as ServiceRequest;
      return {
        ...sr,
        extension: [
          ...(sr.extension ?? []).filter((e) => e.url !== EXT.approval),
          {
            url: EXT.approval,
            extension: [
              { url: 'by', valueReference: { reference: principal.fhirUser, display: principal.display } },
              { url: 'date', valueDateTime: new Date().toISOString() },
              ...(typeof note === 'string' && note.trim() ? [{ url: 'note', valueString: note.trim() }] : []),
            ],
          },
        ],
      };
    });
  });
  audited(
    deps,
    principal,
    'update',
    'ServiceRequest',
    [stay.id],
    stay.patient_id,
    'guest dialysis stay approved',
  );
}

const blockingOutcome = (items: ReadinessItem[], noticeOk: boolean, minNotice: number) => {
  const o = outcome('error', 'business-rule', 'The request cannot leave yet');
  o.issue = [
    ...items
      .filter((i) => i.blocking)
      .map((i) => ({
        severity: 'error' as const,
        code: 'business-rule' as const,
        details: {
          coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/guest-dialysis', code: i.key }],
          text: i.status,
        },
        diagnostics: i.message,
        expression: [i.key],
      })),
    ...(noticeOk
      ? []
      : [
          {
            severity: 'error' as const,
            code: 'business-rule' as const,
            details: {
              coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/guest-dialysis', code: 'notice' }],
            },
            diagnostics: `This centre asks for ${minNotice} days' notice before the arrival`,
            expression: ['arrival'],
          },
        ]),
  ];
  return new FhirError(409, o);
};

/** The patient sends the request: checks, consent, frozen summary, Task to the centre, reminders. */
export async function send(
  deps: DialysisDeps,
  principal: Principal,
  id: string,
  input: { shareSummary?: unknown; transferAbroad?: unknown },
): Promise<StayRow> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (role !== 'patient') throw forbidden('The patient sends their own request (it carries their consent)');
  if (stay.state !== 'draft') throw conflict(`The request is already ${stay.state}`);
  const c = (await centre(deps, stay.service_id)) as CentreRow;
  const { items, noticeOk } = await checksFor(deps, stay);
  if (!isReady(items) || !noticeOk) throw blockingOutcome(items, noticeOk, c.notice_days);
  if (input.shareSummary !== true)
    badRequest('The centre needs your medical summary: agree to share it with this centre for this stay', [
      'shareSummary',
    ]);
  if (stay.abroad && input.transferAbroad !== true)
    badRequest(
      'Sending your record outside Morocco needs your explicit consent (law 09-08): tick the transfer abroad',
      ['transferAbroad'],
    );
  const patientId = stay.patient_id;
  const summary = await patientSummary(deps.ctx.store, patientId, {
    language: c.country === 'MA' || c.country === 'FR' ? 'fr' : 'en',
  });
  if (!summary) notFound('Your record could not be read');
  const now = new Date();
  const until = addDays(stay.departure, deps.settings.followUpDays);
  const result = await deps.ctx.db.transaction(async (tx) => {
    const consent: Consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/consentscope',
            code: 'patient-privacy',
            display: 'Privacy Consent',
          },
        ],
      },
      category: [{ coding: [CONSENT_CATEGORY] }],
      patient: { reference: `Patient/${patientId}` },
      dateTime: now.toISOString(),
      performer: [{ reference: `Patient/${patientId}` }],
      policy: [
        { uri: SUMMARY_POLICY },
        ...(stay.abroad ? [{ authority: 'https://www.cndp.ma', uri: LAW_09_08_POLICY }] : []),
      ],
      provision: {
        type: 'permit',
        period: { start: now.toISOString(), end: `${until}T23:59:59Z` },
        actor: [
          {
            role: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                  code: 'IRCP',
                  display: 'information recipient',
                },
              ],
            },
            reference: { reference: `HealthcareService/${stay.service_id}`, display: c.name },
          },
        ],
        action: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'disclose' }] },
        ],
        purpose: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: 'TREAT',
            display: 'treatment',
          },
        ],
        data: [{ meaning: 'related', reference: { reference: `ServiceRequest/${stay.id}` } }],
      },
    };
    // written as the patient: a Consent counts only when its patient gave it
    const savedConsent = (await deps.ctx.store.as({ actor: principal }).createWithin(tx, consent))
      .resource as Consent;
    const document: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [PATIENT_SUMMARY] },
      category: [
        { coding: [{ system: 'http://loinc.org', code: '60591-5', display: 'Patient summary Document' }] },
      ],
      subject: { reference: `Patient/${patientId}` },
      date: now.toISOString(),
      description: `Résumé patient (IPS) envoyé à ${c.name}`,
      content: [
        {
          attachment: {
            contentType: 'application/fhir+json',
            language: 'fr',
            data: Buffer.from(JSON.stringify(summary!.bundle)).toString('base64'),
            title: 'International Patient Summary',
            creation: now.toISOString(),
          },
        },
      ],
      context: { related: [{ reference: `ServiceRequest/${stay.id}` }] },
    };
    const savedDocument = (await deps.ctx.store.createWithin(tx, document)).resource as DocumentReference;
    const task: Task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [GUEST_REQUEST] },
      focus: { reference: `ServiceRequest/${stay.id}` },
      for: { reference: `Patient/${patientId}` },
      authoredOn: now.toISOString(),
      requester: { reference: `Patient/${patientId}` },
      owner: { reference: stay.organization, display: c.name },
      restriction: { period: { start: stay.arrival, end: stay.departure } },
      input: [
        { type: { text: 'summary' }, valueReference: { reference: `DocumentReference/${savedDocument.id}` } },
        { type: { text: 'consent' }, valueReference: { reference: `Consent/${savedConsent.id}` } },
      ],
    };
    const savedTask = (await deps.ctx.store.createWithin(tx, task)).resource as Task;
    await deps.ctx.store.modifyWithin(tx, 'ServiceRequest', stay.id, (current) => {
      const sr = current as ServiceRequest;
      if (stateOf(sr) !== 'draft') throw conflict('The request changed meanwhile: reload it');
      return withState(sr, 'sent', {
        supportingInfo: [
          { reference: `DocumentReference/${savedDocument.id}` },
          { reference: `Consent/${savedConsent.id}` },
        ],
      });
    });
    const row = {
      ...stay,
      state: 'sent' as const,
      task_id: savedTask.id as string,
      consent_id: savedConsent.id as string,
      summary_id: savedDocument.id as string,
    };
    await saveRow(tx, row);
    await tx.query(
      `INSERT INTO dial_transfer (id, stay_id, patient_id, organization, country, abroad, consent_id, recipient, event)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::text, $8::text, 'sent')`,
      [
        crypto.randomUUID(),
        stay.id,
        patientId,
        stay.organization,
        c.country,
        stay.abroad,
        savedConsent.id,
        stay.organization,
      ],
    );
    const patient = await readResource<Patient>(tx, deps.ctx.store, 'Patient', patientId);
    await notifyPatient(tx, patient, 'dialysis-request-sent', {
      centre: c.name,
      arrival: stay.arrival,
      departure: stay.departure,
    });
    for (const item of items.filter((i) => i.validUntil && i.validUntil <= stay.departure)) {
      const at = new Date(
        Math.max(
          Date.parse(`${addDays(item.validUntil as string, -deps.settings.reminderDays)}T09:00:00Z`),
          Date.now() + 60_000,
        ),
      );
      await deps.ctx.jobs.enqueue(
        tx,
        EXPIRY_JOB,
        { stay: stay.id, item: item.key, ref: item.ref, validUntil: item.validUntil },
        {
          runAt: at,
          key: `dialysis-expiry-${stay.id}-${item.key}-${item.validUntil}`,
        },
      );
    }
    return {
      row,
      consent: savedConsent.id as string,
      document: savedDocument.id as string,
      task: savedTask.id as string,
    };
  });
  audited(
    deps,
    principal,
    'create',
    'Task',
    [`Task/${result.task}`, `Consent/${result.consent}`, `DocumentReference/${result.document}`],
    patientId,
  );
  if (stay.abroad)
    audited(
      deps,
      principal,
      'export',
      'DocumentReference',
      [`DocumentReference/${result.document}`],
      patientId,
      `cross-border transfer (law 09-08): patient summary made available to ${c.name}, ${c.country}, consent Consent/${result.consent}`,
    );
  return { ...result.row, created_at: stay.created_at };
}

export const accessDeps = (deps: DialysisDeps) => ({
  db: deps.ctx.db,
  store: deps.ctx.store,
  access: deps.ctx.access,
});

/** One message to the patient on each of their channels, in their language. */
export async function notifyPatient(
  tx: Parameters<typeof enqueueNotification>[0],
  patient: Patient | undefined,
  template: string,
  params: Record<string, string>,
): Promise<void> {
  if (!patient?.id) return;
  for (const { channel, recipient } of channelsOf(patient)) {
    await enqueueNotification(tx, {
      patientId: patient.id,
      channel,
      recipient,
      template,
      params,
      ...(patientLanguage(patient) ? { language: patientLanguage(patient) } : {}),
    });
  }
}

/**
 * Whether the destination may still see what the patient shared with it: the stay's Consent, given
 * by the patient, active and within its period, and the stay neither declined nor cancelled.
 */
export async function sharingInForce(deps: DialysisDeps, stay: StayRow): Promise<boolean> {
  if (!stay.consent_id || ['declined', 'cancelled'].includes(stay.state)) return false;
  const consent = await readResource<Consent>(deps.ctx.db, deps.ctx.store, 'Consent', stay.consent_id);
  const author = (
    await deps.ctx.db.query<{ author: string }>(
      'SELECT author FROM consent_author WHERE consent_id = $1::text',
      [stay.consent_id],
    )
  ).rows[0]?.author;
  const period = consent?.provision?.period;
  const now = new Date().toISOString();
  return (
    consent?.status === 'active' &&
    author === `Patient/${stay.patient_id}` &&
    (!period?.start || period.start <= now) &&
    (!period?.end || now <= period.end)
  );
}

/** The summary sent ahead: the patient and home care-givers always; the destination under the patient's consent. */
export async function sentSummary(deps: DialysisDeps, principal: Principal, id: string): Promise<unknown> {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  if (!stay.summary_id) notFound('No summary has been sent for this stay yet');
  if (role === 'destination') {
    if (!(await sharingInForce(deps, stay)))
      throw forbidden(
        'The patient’s consent to share this summary with your centre is not (or no longer) in force',
      );
  }
  const document = await readResource<DocumentReference>(
    deps.ctx.db,
    deps.ctx.store,
    'DocumentReference',
    stay.summary_id as string,
  );
  const data = document?.content?.[0]?.attachment?.data;
  if (!data) notFound('The summary is no longer available');
  audited(
    deps,
    principal,
    'read',
    'DocumentReference',
    [`DocumentReference/${stay.summary_id}`],
    stay.patient_id,
  );
  // a read from abroad is flagged and registered by cross-border.ts, as every read by that centre is
  if (role === 'destination' && !stay.abroad) {
    const c = await centre(deps, stay.service_id);
    await deps.ctx.db.query(
      `INSERT INTO dial_transfer (id, stay_id, patient_id, organization, country, abroad, consent_id, recipient, event)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, false, $6::text, $7::text, 'read')`,
      [
        crypto.randomUUID(),
        stay.id,
        stay.patient_id,
        stay.organization,
        c?.country ?? 'MA',
        stay.consent_id,
        principal.fhirUser ?? principal.id,
      ],
    );
  }
  return JSON.parse(Buffer.from(data as string, 'base64').toString('utf8'));
}
