/**
 * The booking screens' JSON API (the web app; FHIR clients use `$find`, `$book` and Appointment):
 *   GET  /api/scheduling/terms                                                   (public: specialties, languages)
 *   GET  /api/scheduling/search?specialty=&place=&language=&mode=&start=&end=   (public: the directory)
 *   GET  /api/scheduling/schedules/:id                                           (public: one card)
 *   GET  /api/scheduling/schedules/:id/slots?start=&end=                         (public)
 *   POST /api/scheduling/book {slot, patient?, reason?}
 *   POST /api/scheduling/appointments/:id/cancel {reason?}
 *   POST /api/scheduling/appointments/:id/reschedule {slot}
 *   POST /api/scheduling/appointments/:id/no-show
 *   GET|POST /api/scheduling/waitlist, DELETE /api/scheduling/waitlist/:id      (patients)
 *   GET  /api/scheduling/my-schedules, PUT /api/scheduling/schedules/:id/template (practitioners)
 */

import type { Location, Practitioner, PractitionerRole, Schedule } from '@medplum/fhirtypes';
import {
  BookRequest,
  CancelRequest,
  RescheduleRequest,
  TemplateRequest,
  WaitlistRequest,
} from '@sahti/contracts';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { type BookingDeps, book, cancel, noShow, reschedule } from './book.ts';
import {
  availabilityByPractitioner,
  availabilityQuery,
  bookableFrom,
  freeSlots,
  type PractitionerAvailability,
} from './find.ts';
import { materializeSchedule } from './materialize.ts';
import type { SchedulingSettings } from './settings.ts';
import {
  TEMPLATE_URL,
  templateExtension,
  templateOf,
  templateProblems,
  type WeeklyTemplate,
} from './template.ts';
import { LANGUAGES, SPECIALTIES } from './terms.ts';

const params = (req: FastifyRequest) => {
  const q = (req.query ?? {}) as Record<string, unknown>;
  return { get: (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : undefined) };
};

export function registerSchedulingRoutes(
  ctx: ModuleContext,
  deps: BookingDeps,
  settings: SchedulingSettings,
): void {
  const app: FastifyInstance = ctx.app;
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await ctx.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  const audited = (
    principal: Principal,
    interaction: 'create' | 'update' | 'read',
    ids: string[],
    patients: string[],
    status: number,
  ) =>
    ctx.audit.record({
      principal,
      interaction,
      resourceType: 'Appointment',
      ids,
      patientIds: patients,
      outcome: status,
    });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof FhirError) return send(reply, err.status, err.outcome);
    throw err;
  };
  /** Directory resources by reference, read in one search per type (names, places, organisations). */
  const hydrate = async (refs: (string | null)[]): Promise<Map<string, unknown>> => {
    const byType = new Map<string, Set<string>>();
    for (const ref of refs) {
      if (!ref) continue;
      const [type, id] = ref.split('/');
      byType.set(type, (byType.get(type) ?? new Set()).add(id));
    }
    const found = new Map<string, unknown>();
    for (const [type, ids] of byType) {
      const page = await ctx.store.search(type, [
        ['_id', [...ids].join(',')],
        ['_count', String(ids.size)],
      ]);
      for (const r of page.matches) found.set(`${type}/${r.id}`, r);
    }
    return found;
  };

  const bookable = <Q extends { from: Date }>(q: Q): Q => bookableFrom(q, settings.minNoticeMinutes);

  app.get('/api/scheduling/terms', async () => ({ specialties: SPECIALTIES, languages: LANGUAGES }));

  /** One practitioner's schedule as the directory shows it: directory data only, public like a practice's plate. */
  const cardsOf = async (cards: PractitionerAvailability[]) => {
    const known = await hydrate(cards.flatMap((c) => [c.practitioner, c.role, c.location]));
    return cards.map((c) => {
      const practitioner = known.get(c.practitioner ?? '') as Practitioner | undefined;
      const role = known.get(c.role ?? '') as PractitionerRole | undefined;
      const location = known.get(c.location ?? '') as Location | undefined;
      return {
        scheduleId: c.scheduleId,
        practitioner: c.practitioner,
        name: practitioner?.name?.[0]
          ? [...(practitioner.name[0].given ?? []), practitioner.name[0].family].filter(Boolean).join(' ')
          : undefined,
        nameAr: practitioner?.name?.find((n) => n.extension?.some((e) => e.valueCode === 'ar'))?.text,
        gender: practitioner?.gender,
        specialties: c.specialties.map((code) => SPECIALTIES.find((s) => s.code === code)?.key ?? code),
        languages: c.languages,
        mode: c.mode,
        fee: c.fee,
        place: location
          ? { name: location.name, city: location.address?.city, province: location.address?.district }
          : undefined,
        organization: role?.organization?.display,
        next: c.next,
      };
    });
  };

  app.get('/api/scheduling/search', async (req, reply) => {
    const q = availabilityQuery(params(req));
    if (Array.isArray(q)) return send(reply, 400, problems(q));
    const cards = await availabilityByPractitioner(ctx.db, bookable(q), {
      limit: Number(params(req).get('_count') ?? 20) || 20,
      perPractitioner: 3,
    });
    return { results: await cardsOf(cards) };
  });

  // the practitioner page (and the confirmation) name the schedule: its card, even with no free time
  app.get<{ Params: { id: string } }>('/api/scheduling/schedules/:id', async (req, reply) => {
    const missing = () => send(reply, 404, outcome('error', 'not-found', 'No such schedule'));
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(req.params.id)) return missing();
    const schedule = await ctx.db.query<{ practitioner: string | null }>(
      'SELECT practitioner FROM sched_schedule WHERE schedule_id = $1::text AND active',
      [req.params.id],
    );
    const practitioner = schedule.rows[0]?.practitioner;
    if (!practitioner) return missing();
    const q = availabilityQuery({ get: () => undefined });
    if (Array.isArray(q)) return missing();
    const cards = await availabilityByPractitioner(
      ctx.db,
      { ...bookable(q), practitioner },
      { limit: 100, perPractitioner: 3 },
    );
    const card = cards.find((c) => c.scheduleId === req.params.id);
    if (!card) return missing();
    return (await cardsOf([card]))[0];
  });

  app.get<{ Params: { id: string } }>('/api/scheduling/schedules/:id/slots', async (req, reply) => {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(req.params.id))
      return send(reply, 404, outcome('error', 'not-found', 'No such schedule'));
    const q = availabilityQuery(params(req));
    if (Array.isArray(q)) return send(reply, 400, problems(q));
    const schedule = await ctx.db.query<{ practitioner: string }>(
      'SELECT practitioner FROM sched_schedule WHERE schedule_id = $1::text AND active',
      [req.params.id],
    );
    if (!schedule.rows[0]) return send(reply, 404, outcome('error', 'not-found', 'No such schedule'));
    const slots = await freeSlots(
      ctx.db,
      { ...bookable(q), practitioner: schedule.rows[0].practitioner },
      400,
    );
    return {
      slots: slots
        .filter((s) => s.scheduleId === req.params.id)
        .map(({ slotId, start, end }) => ({ slotId, start, end })),
    };
  });

  app.post('/api/scheduling/book', { schema: { body: BookRequest } }, async (req, reply) => {
    const principal = await who(req);
    try {
      const appointment = await book(deps, principal, (req.body ?? {}) as Record<string, unknown>);
      const patient = appointment.participant
        .find((p) => p.actor?.reference?.startsWith('Patient/'))
        ?.actor?.reference?.slice(8);
      audited(principal, 'create', [`Appointment/${appointment.id}`], patient ? [patient] : [], 201);
      return reply.code(201).send(appointment);
    } catch (err) {
      audited(principal, 'create', [], [], err instanceof FhirError ? err.status : 500);
      return fail(reply, err);
    }
  });

  const change =
    (action: 'cancel' | 'reschedule' | 'no-show') =>
    async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const principal = await who(req);
      const body = (req.body ?? {}) as { reason?: unknown; slot?: unknown };
      const id = req.params.id;
      if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id))
        return send(reply, 404, outcome('error', 'not-found', 'No such appointment'));
      try {
        const appointment =
          action === 'cancel'
            ? await cancel(deps, principal, id, body.reason)
            : action === 'reschedule'
              ? await reschedule(deps, principal, id, body.slot)
              : await noShow(deps, principal, id);
        const patient = appointment.participant
          .find((p) => p.actor?.reference?.startsWith('Patient/'))
          ?.actor?.reference?.slice(8);
        audited(principal, 'update', [`Appointment/${id}`], patient ? [patient] : [], 200);
        return appointment;
      } catch (err) {
        audited(principal, 'update', [`Appointment/${id}`], [], err instanceof FhirError ? err.status : 500);
        return fail(reply, err);
      }
    };
  app.post('/api/scheduling/appointments/:id/cancel', { schema: { body: CancelRequest } }, change('cancel'));
  app.post(
    '/api/scheduling/appointments/:id/reschedule',
    { schema: { body: RescheduleRequest } },
    change('reschedule'),
  );
  app.post('/api/scheduling/appointments/:id/no-show', change('no-show'));

  app.get('/api/scheduling/waitlist', async (req, reply) => {
    const principal = await who(req);
    if (principal.kind !== 'patient' || !principal.fhirUser)
      return send(reply, 403, outcome('error', 'forbidden', 'Patients keep a waiting list'));
    const rows = await ctx.db.query(
      `SELECT w.id, w.schedule_id, w.earliest, w.latest, w.created_at, w.offered_slot, w.offered_until,
              s.start_at AS offered_start, s.end_at AS offered_end, w.closed_at, w.close_reason
         FROM sched_waitlist w LEFT JOIN sched_slot s ON s.slot_id = w.offered_slot
        WHERE w.patient_id = $1::text ORDER BY w.created_at DESC LIMIT 50`,
      [principal.fhirUser.slice(8)],
    );
    return { entries: rows.rows };
  });

  app.post('/api/scheduling/waitlist', { schema: { body: WaitlistRequest } }, async (req, reply) => {
    const principal = await who(req);
    if (principal.kind !== 'patient' || !principal.fhirUser)
      return send(reply, 403, outcome('error', 'forbidden', 'Patients join a waiting list'));
    const body = (req.body ?? {}) as { schedule?: unknown; earliest?: unknown; latest?: unknown };
    const issues: { field: string; message: string }[] = [];
    if (typeof body.schedule !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(body.schedule))
      issues.push({ field: 'schedule', message: 'Choose a practitioner’s schedule' });
    const earliest = typeof body.earliest === 'string' ? Date.parse(body.earliest) : Date.now();
    const latest = typeof body.latest === 'string' ? Date.parse(body.latest) : Number.NaN;
    if (Number.isNaN(earliest) || Number.isNaN(latest) || latest <= earliest)
      issues.push({ field: 'latest', message: 'Give the dates between which you could come' });
    if (latest - earliest > 90 * 86_400_000)
      issues.push({ field: 'latest', message: 'Wait at most 90 days ahead' });
    if (issues.length) return send(reply, 400, problems(issues));
    const exists = await ctx.db.query(
      'SELECT 1 FROM sched_schedule WHERE schedule_id = $1::text AND active',
      [body.schedule],
    );
    if (!exists.rows[0]) return send(reply, 404, outcome('error', 'not-found', 'No such schedule'));
    const open = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sched_waitlist WHERE patient_id = $1::text AND closed_at IS NULL',
      [principal.fhirUser.slice(8)],
    );
    if (open.rows[0].n >= 5)
      return send(
        reply,
        409,
        outcome(
          'error',
          'business-rule',
          'You are already waiting for 5 practitioners: leave one list first',
        ),
      );
    const id = crypto.randomUUID();
    await ctx.db.query(
      'INSERT INTO sched_waitlist (id, patient_id, schedule_id, earliest, latest) VALUES ($1::text, $2::text, $3::text, $4::timestamptz, $5::timestamptz)',
      [
        id,
        principal.fhirUser.slice(8),
        body.schedule,
        new Date(earliest).toISOString(),
        new Date(latest).toISOString(),
      ],
    );
    return reply.code(201).send({ id });
  });

  app.delete<{ Params: { id: string } }>('/api/scheduling/waitlist/:id', async (req, reply) => {
    const principal = await who(req);
    const done = await ctx.db.query(
      `UPDATE sched_waitlist SET closed_at = now(), close_reason = 'left' WHERE id = $1::text AND patient_id = $2::text AND closed_at IS NULL RETURNING id`,
      [req.params.id, principal.fhirUser?.slice(8) ?? ''],
    );
    if (!done.rows[0]) return send(reply, 404, outcome('error', 'not-found', 'No such entry'));
    return reply.code(204).send();
  });

  app.get('/api/scheduling/my-schedules', async (req, reply) => {
    const principal = await who(req);
    if (!principal.fhirUser?.startsWith('Practitioner/'))
      return send(reply, 403, outcome('error', 'forbidden', 'Practitioners have schedules'));
    const rows = await ctx.db.query<{ schedule_id: string }>(
      'SELECT schedule_id FROM sched_schedule WHERE practitioner = $1::text',
      [principal.fhirUser],
    );
    const schedules = [];
    for (const r of rows.rows) {
      const found = await ctx.store.locate('Schedule', r.schedule_id);
      if (!found || found.deleted) continue;
      const schedule = JSON.parse(found.content as string) as Schedule;
      schedules.push({ id: r.schedule_id, schedule, template: templateOf(schedule) });
    }
    return { schedules };
  });

  app.put<{ Params: { id: string } }>(
    '/api/scheduling/schedules/:id/template',
    { schema: { body: TemplateRequest } },
    async (req, reply) => {
      const principal = await who(req);
      const id = req.params.id;
      const owner = await ctx.db.query<{ practitioner: string }>(
        'SELECT practitioner FROM sched_schedule WHERE schedule_id = $1::text',
        [id],
      );
      const mayEdit =
        principal.roles.includes('administrator') ||
        (owner.rows[0] && owner.rows[0].practitioner === principal.fhirUser);
      if (!owner.rows[0] || !mayEdit)
        return send(reply, 404, outcome('error', 'not-found', 'No such schedule of yours'));
      const template = normalizeTemplate(req.body);
      const issues = templateProblems(template);
      if (issues.length) return send(reply, 400, problems(issues));
      const updated = await ctx.db.transaction(async (tx) =>
        ctx.store.modifyWithin(tx, 'Schedule', id, (current) => {
          const s = current as Schedule | undefined;
          if (!s) return undefined;
          return {
            ...s,
            extension: [
              ...(s.extension ?? []).filter((e) => e.url !== TEMPLATE_URL),
              templateExtension(template),
            ],
          };
        }),
      );
      if (!updated) return send(reply, 404, outcome('error', 'not-found', 'No such schedule'));
      ctx.audit.record({
        principal,
        interaction: 'update',
        resourceType: 'Schedule',
        ids: [`Schedule/${id}`],
        patientIds: [],
        outcome: 200,
      });
      const [created, removed] = await materializeSchedule(
        ctx.fhir,
        ctx.db,
        updated.resource as Schedule,
        settings.horizonDays,
      );
      return { schedule: updated.resource, created, removed };
    },
  );
}

function problems(list: { field: string; message: string }[]) {
  return {
    resourceType: 'OperationOutcome',
    issue: list.map((p) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: p.message,
      details: { text: p.message },
      expression: [p.field],
    })),
  };
}

/** A template from the editor's JSON, with the defaults filled in (checked by templateProblems). */
function normalizeTemplate(body: unknown): WeeklyTemplate {
  const b = (body ?? {}) as Partial<WeeklyTemplate>;
  const sessions = (list: unknown) =>
    Array.isArray(list)
      ? list.map((s) => ({
          day: String((s as { day?: unknown }).day),
          start: String((s as { start?: unknown }).start),
          end: String((s as { end?: unknown }).end),
        }))
      : [];
  return {
    slotMinutes: Number(b.slotMinutes),
    sessions: sessions(b.sessions) as WeeklyTemplate['sessions'],
    ...(Array.isArray(b.ramadanSessions) && b.ramadanSessions.length
      ? { ramadanSessions: sessions(b.ramadanSessions) as WeeklyTemplate['sessions'] }
      : {}),
    exceptions: Array.isArray(b.exceptions)
      ? b.exceptions.map((e) => ({
          from: String((e as { from?: unknown }).from),
          to: String((e as { to?: unknown }).to),
          kind: (e as { kind?: unknown }).kind === 'hours' ? 'hours' : 'closed',
          ...((e as { sessions?: unknown }).sessions
            ? { sessions: sessions((e as { sessions?: unknown }).sessions) as WeeklyTemplate['sessions'] }
            : {}),
          ...(typeof (e as { label?: unknown }).label === 'string'
            ? { label: (e as { label: string }).label.slice(0, 100) }
            : {}),
        }))
      : [],
    closedOnHolidays: b.closedOnHolidays !== false,
  };
}
