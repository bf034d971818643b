/**
 * The tele-expertise hub (docs/api.md, "Tele-expertise hub"):
 *   GET  /api/hub/queues                         a specialist's specialties, with open requests
 *   GET  /api/hub/queue/:specialty               the queue, most urgent first (members of that specialty only)
 *   GET  /api/hub/requests/:task                 the request; the patient's findings once accepted
 *   POST /api/hub/requests/:task/accept          opens the specialist's referral relationship (access v2)
 *   POST /api/hub/requests/:task/answer {kind: advice|referral|video, text, hospital?, start?}
 *   GET  /api/hub/answers?unit=&since=           a unit's team: the answers to its requests
 *   GET  /api/hub/stats                          response times per specialty (counts only)
 * Every read of patient data is made as the caller, through the engine (their scope, their audit).
 */
import type { Appointment, Bundle, Communication, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { actorReferences } from '../../access/relations/visible.ts';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { asCaller, invalid, notFound, requireRole, who } from '../units/caller.ts';
import { dueAt, OPEN_STATUSES, orderQueue, percentiles, type ServiceLevels } from './queue.ts';
import { HUB_SPECIALTIES, type HubSpecialty, hubOrganizationId, specialtyOfOwner } from './terms.ts';

const MODE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';

/** What a specialist answers with (the answer route below): a message, a referral, a video call. */
const ANSWER_TYPES = new Set(['Communication', 'ServiceRequest', 'Appointment']);
type AnswerResource = Communication | ServiceRequest | Appointment;

/** An answer to this Task: about its patient, written by the specialist who closed it. */
function isAnswerFor(r: AnswerResource, task: Task, specialist: string): boolean {
  const patient = task.for?.reference;
  if (!patient) return false;
  switch (r.resourceType) {
    case 'Communication':
      return r.subject?.reference === patient && r.sender?.reference === specialist;
    case 'ServiceRequest':
      return r.subject?.reference === patient && r.requester?.reference === specialist;
    case 'Appointment': {
      const actors = (r.participant ?? []).map((p) => p.actor?.reference);
      return actors.includes(patient) && actors.includes(specialist);
    }
  }
}

export function registerHubRoutes(ctx: ModuleContext, levels: ServiceLevels) {
  const { app, db } = ctx;

  const specialtiesOf = async (principal: Principal): Promise<HubSpecialty[]> => {
    if (!principal.fhirUser?.startsWith('Practitioner/')) return [];
    return (await actorReferences(db, principal.fhirUser))
      .map((r) => specialtyOfOwner(r))
      .filter((s): s is HubSpecialty => Boolean(s));
  };
  const specialist = async (req: Parameters<typeof who>[1]) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['hub-specialist', 'doctor'], 'answer tele-expertise requests');
    return principal;
  };
  const readAs = async <T>(principal: Principal, ref: string): Promise<T | undefined> => {
    const res = await asCaller(ctx, principal, { method: 'GET', path: `/${ref}` });
    return res.status === 200 ? (res.body as T) : undefined;
  };
  /** The Task, if it is addressed to one of the caller's specialties (else 404 as unknown). */
  const addressed = async (principal: Principal, taskId: string) => {
    const task = await readAs<Task>(principal, `Task/${taskId}`);
    const specialty = specialtyOfOwner(task?.owner?.reference);
    if (!task || !specialty || !(await specialtiesOf(principal)).includes(specialty))
      throw notFound('No such request');
    return { task, specialty };
  };

  app.get('/api/hub/queues', async (req, reply) => {
    const principal = await specialist(req);
    const mine = await specialtiesOf(principal);
    const counts = await db.query<{ specialty: string; open: string }>(
      `SELECT specialty, count(*)::text AS open FROM hub_request WHERE specialty = ANY($1::text[])
          AND status = ANY($2::text[]) GROUP BY specialty`,
      [mine, OPEN_STATUSES],
    );
    return reply.header('cache-control', 'no-store').send({
      queues: mine.map((s) => ({
        specialty: s,
        open: Number(counts.rows.find((r) => r.specialty === s)?.open ?? 0),
      })),
    });
  });

  app.get<{ Params: { specialty: string } }>('/api/hub/queue/:specialty', async (req, reply) => {
    const principal = await specialist(req);
    const specialty = req.params.specialty as HubSpecialty;
    if (!(await specialtiesOf(principal)).includes(specialty)) throw notFound('No such queue');
    const res = await asCaller(ctx, principal, {
      method: 'GET',
      path: '/Task',
      query: [
        ['owner', `Organization/${hubOrganizationId(specialty)}`],
        ['status', OPEN_STATUSES.join(',')],
        ['_include', 'Task:focus'],
        ['_count', '500'],
      ],
    });
    const entries = ((res.body as Bundle).entry ?? []).map((e) => e.resource);
    const requests = new Map(
      entries
        .filter((r): r is ServiceRequest => r?.resourceType === 'ServiceRequest')
        .map((r) => [`ServiceRequest/${r.id}`, r]),
    );
    const tasks = orderQueue(entries.filter((r): r is Task => r?.resourceType === 'Task'));
    return reply.header('cache-control', 'no-store').send({
      specialty,
      requests: tasks.map((t) => summary(t, requests.get(t.focus?.reference ?? ''), levels)),
    });
  });

  app.get<{ Params: { task: string } }>('/api/hub/requests/:task', async (req, reply) => {
    const principal = await specialist(req);
    const { task } = await addressed(principal, req.params.task);
    const request = task.focus?.reference
      ? await readAs<ServiceRequest>(principal, task.focus.reference)
      : undefined;
    // the patient and the findings: readable only once accepted (the referral relationship)
    const patient = task.for?.reference ? await readAs<Patient>(principal, task.for.reference) : undefined;
    const findings = [];
    if (patient) {
      for (const ref of request?.supportingInfo ?? []) {
        const r = ref.reference
          ? await readAs<{ resourceType: string }>(principal, ref.reference)
          : undefined;
        if (r) findings.push(r);
      }
    }
    return reply.header('cache-control', 'no-store').send({
      ...summary(task, request, levels),
      patient: patient ?? null,
      findings,
    });
  });

  app.post<{ Params: { task: string } }>('/api/hub/requests/:task/accept', async (req, reply) => {
    const principal = await specialist(req);
    const { task } = await addressed(principal, req.params.task);
    if (!['requested', 'received'].includes(task.status))
      throw new FhirError(409, outcome('error', 'business-rule', `This request is already ${task.status}`));
    const res = await asCaller(ctx, principal, {
      method: 'PUT',
      path: `/Task/${task.id}`,
      headers: { 'if-match': `W/"${task.meta?.versionId}"` },
      body: {
        ...task,
        status: 'accepted',
        executionPeriod: { start: new Date().toISOString() },
        note: [
          ...(task.note ?? []),
          {
            authorReference: { reference: principal.fhirUser },
            text: 'accepted',
            time: new Date().toISOString(),
          },
        ],
      },
    });
    if (res.status === 412)
      throw new FhirError(409, outcome('error', 'conflict', 'Someone else took this request first'));
    if (res.status >= 300) return send(reply, res.status, res.body);
    return reply.send(summary(res.body as Task, undefined, levels));
  });

  app.post<{ Params: { task: string } }>('/api/hub/requests/:task/answer', async (req, reply) => {
    const principal = await specialist(req);
    const { task } = await addressed(principal, req.params.task);
    const b = (req.body ?? {}) as { kind?: unknown; text?: unknown; hospital?: unknown; start?: unknown };
    const problems = [];
    if (!['advice', 'referral', 'video'].includes(String(b.kind)))
      problems.push({ field: 'kind', message: 'kind is advice, referral or video' });
    if (typeof b.text !== 'string' || b.text.trim().length < 5 || b.text.length > 5000)
      problems.push({ field: 'text', message: 'Write your answer (5 to 5,000 characters)' });
    if (
      b.kind === 'referral' &&
      (typeof b.hospital !== 'string' || !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(b.hospital))
    )
      problems.push({ field: 'hospital', message: 'Choose the hospital (Organization/<id>)' });
    if (b.kind === 'video' && (typeof b.start !== 'string' || Number.isNaN(Date.parse(b.start))))
      problems.push({ field: 'start', message: 'Give the time of the video call' });
    if (problems.length) throw invalid(problems);
    if (task.status !== 'accepted' && task.status !== 'in-progress')
      throw new FhirError(409, outcome('error', 'business-rule', 'Accept the request before answering it'));
    const patient = task.for?.reference as string;
    const now = new Date().toISOString();
    const answer: Communication = {
      resourceType: 'Communication',
      status: 'completed',
      subject: { reference: patient },
      about: [{ reference: `Task/${task.id}` }],
      ...(task.focus?.reference ? { basedOn: [{ reference: task.focus.reference }] } : {}),
      sender: { reference: principal.fhirUser },
      ...(task.requester ? { recipient: [task.requester] } : {}),
      sent: now,
      category: [
        {
          coding: [
            {
              system: 'https://sahti.ma/fhir/CodeSystem/communication-category',
              code: `tele-expertise-${b.kind}`,
            },
          ],
        },
      ],
      payload: [{ contentString: (b.text as string).trim() }],
    };
    const entries: Bundle['entry'] = [
      { fullUrl: 'urn:uuid:answer', resource: answer, request: { method: 'POST', url: 'Communication' } },
    ];
    if (b.kind === 'referral') {
      const referral: ServiceRequest = {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        category: [
          { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
        ],
        subject: { reference: patient },
        requester: { reference: principal.fhirUser },
        performer: [{ reference: b.hospital as string }],
        authoredOn: now,
        note: [{ text: (b.text as string).trim() }],
      };
      entries.push({
        fullUrl: 'urn:uuid:referral',
        resource: referral,
        request: { method: 'POST', url: 'ServiceRequest' },
      });
    }
    if (b.kind === 'video') {
      const start = new Date(b.start as string);
      const appointment: Appointment = {
        resourceType: 'Appointment',
        status: 'booked',
        appointmentType: { coding: [{ system: MODE_SYSTEM, code: 'video' }] },
        description: 'Tele-expertise: video call with the hub',
        start: start.toISOString(),
        end: new Date(start.getTime() + 20 * 60_000).toISOString(),
        participant: [
          { actor: { reference: patient }, status: 'accepted' },
          { actor: { reference: principal.fhirUser }, status: 'accepted' },
        ],
      };
      entries.push({
        fullUrl: 'urn:uuid:video',
        resource: appointment,
        request: { method: 'POST', url: 'Appointment' },
      });
    }
    const outputs = entries.map((e) => ({
      type: {
        text:
          e.resource?.resourceType === 'Communication'
            ? 'answer'
            : e.resource?.resourceType === 'Appointment'
              ? 'video'
              : 'referral',
      },
      valueReference: { reference: e.fullUrl },
    }));
    entries.push({
      resource: {
        ...task,
        status: 'completed',
        executionPeriod: { ...task.executionPeriod, end: now },
        output: outputs,
      },
      request: { method: 'PUT', url: `Task/${task.id}`, ifMatch: `W/"${task.meta?.versionId}"` },
    });
    const res = await asCaller(ctx, principal, {
      method: 'POST',
      path: '/',
      body: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    });
    if (res.status >= 300) return send(reply, res.status === 412 ? 409 : res.status, res.body);
    return reply
      .code(201)
      .send({ task: task.id, answer: (res.body as Bundle).entry?.[0]?.response?.location });
  });

  app.get<{ Querystring: { unit?: string; since?: string } }>('/api/hub/answers', async (req, reply) => {
    const principal = await who(ctx, req);
    const unit = `Organization/${req.query.unit ?? ''}`;
    const mine = principal.fhirUser?.startsWith('Practitioner/')
      ? await actorReferences(db, principal.fhirUser)
      : [];
    if (!mine.includes(unit)) throw notFound('No such mobile unit');
    const since =
      req.query.since && !Number.isNaN(Date.parse(req.query.since))
        ? req.query.since
        : '1970-01-01T00:00:00Z';
    const rows = await db.query<{ task_id: string; answered_by: string | null }>(
      `SELECT task_id, answered_by FROM hub_request WHERE requesting_unit = $1::text AND (answered_at > $2::timestamptz OR accepted_at > $2::timestamptz)
        ORDER BY coalesce(answered_at, accepted_at) LIMIT 200`,
      [unit, since],
    );
    // the unit asked: it gets its answers back (read on the platform's behalf, recorded as the team
    // member's read) — the answers only: what a specialist of the Task's own hub specialty wrote
    // about the Task's patient when closing it, never whatever else a Task's output may name
    const answers = [];
    for (const { task_id, answered_by } of rows.rows) {
      const task = (await ctx.store.readIfPresent('Task', task_id)) as Task | undefined;
      if (!task) continue;
      const byHub =
        !!answered_by &&
        !!task.owner?.reference &&
        (await actorReferences(db, answered_by)).includes(task.owner.reference);
      const refs = byHub
        ? (task.output ?? []).map((o) => o.valueReference?.reference).filter((r): r is string => Boolean(r))
        : [];
      const outputs = [];
      for (const ref of refs) {
        const [type, id] = ref.split('/');
        if (!ANSWER_TYPES.has(type)) continue;
        const r = await ctx.store.readIfPresent(type, id);
        if (r && isAnswerFor(r as AnswerResource, task, answered_by as string)) outputs.push(r);
      }
      answers.push({ task, outputs });
      ctx.audit.record({
        principal,
        interaction: 'read',
        resourceType: 'Task',
        ids: [`Task/${task.id}`, ...refs],
        patientIds: task.for?.reference ? [task.for.reference] : [],
        outcome: 200,
      });
    }
    return reply.header('cache-control', 'no-store').send({ answers, now: new Date().toISOString() });
  });

  app.get('/api/hub/stats', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(
      principal,
      ['hub-specialist', 'administrator', 'programme-manager'],
      'see the hub’s response times',
    );
    const rows = await db.query<{
      specialty: string;
      priority: string;
      accept: number | null;
      answer: number | null;
      due: boolean | null;
    }>(
      `SELECT specialty, priority,
              extract(epoch FROM accepted_at - received_at) / 60 AS accept,
              extract(epoch FROM answered_at - received_at) / 60 AS answer,
              NULL::boolean AS due
         FROM hub_request WHERE received_at > now() - interval '90 days'`,
    );
    const out = HUB_SPECIALTIES.map((s) => {
      const mine = rows.rows.filter((r) => r.specialty === s);
      const answered = mine.filter((r) => r.answer !== null);
      const within = answered.filter(
        (r) => Number(r.answer) <= levels[(r.priority as keyof ServiceLevels) ?? 'routine'],
      ).length;
      return {
        specialty: s,
        received: mine.length,
        answered: answered.length,
        minutesToAccept: percentiles(mine.filter((r) => r.accept !== null).map((r) => Number(r.accept))),
        minutesToAnswer: percentiles(answered.map((r) => Number(r.answer))),
        withinServiceLevel: answered.length ? within / answered.length : undefined,
      };
    });
    return reply
      .header('cache-control', 'no-store')
      .send({ days: 90, serviceLevelMinutes: levels, specialties: out });
  });
}

function summary(task: Task, request: ServiceRequest | undefined, levels: ServiceLevels) {
  return {
    id: task.id,
    status: task.status,
    priority: task.priority ?? 'routine',
    authoredOn: task.authoredOn,
    due: dueAt(task, levels),
    specialty: specialtyOfOwner(task.owner?.reference),
    description: task.description,
    question: request?.note?.map((n) => n.text).join('\n') ?? request?.code?.text,
    patient: task.for?.reference,
    requester: task.requester,
    version: task.meta?.versionId,
  };
}
