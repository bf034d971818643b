/**
 * Guest dialysis, as the screens and third parties call it (JSON; see docs/api.md):
 *   GET  /api/dialysis/places?q=                     where the patient will stay (communes, cities abroad)
 *   GET  /api/dialysis/profile[?patient=]            rhythm, usual shift, isolation need (from the record)
 *   GET  /api/dialysis/search?destination=&arrival=&departure=[&days=&shift=&language=&patient=]
 *   GET|POST /api/dialysis/stays                     the caller's stays / the patient's new draft
 *   GET  /api/dialysis/stays/:id                     a stay, with the checks, sessions and letter
 *   POST /api/dialysis/stays/:id/{approve|send|accept|decline|confirm|cancel|complete}
 *   GET  /api/dialysis/stays/:id/{summary|capacity}  the summary sent ahead / the free chairs
 *   POST /api/dialysis/stays/:id/sessions/:appointment/{check-in|record}
 *   POST /api/dialysis/results                       the patient adds a serology or ECG result
 */
import type { Observation } from '@medplum/fhirtypes';
import { badRequest, FhirError, normalizeText, notFound, outcome } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { isCareGiver } from '../../access/policy.ts';
import type { Principal } from '../../kernel/principal.ts';
import type { Weekday } from '../scheduling/calendar.ts';
import { localDate } from '../scheduling/calendar.ts';
import { checkIn, complete, recordSession } from './care.ts';
import { accept, cancel, capacityFor, confirm, decline } from './decide.ts';
import { audited, type DialysisDeps } from './deps.ts';
import { type Destination, findCommunes } from './places.ts';
import { loadTravelNeeds } from './record.ts';
import { searchTrip } from './search.ts';
import { forbidden } from './stay-store.ts';
import { approve, createDraft, send, sentSummary } from './stays.ts';
import { ECG, NEGATIVE, POSITIVE, SEROLOGY, type SerologyKey, SHIFTS, type Shift } from './terms.ts';
import { listFor, stayView } from './views.ts';

const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day written YYYY-MM-DD (not 2026-13-45 nor 2026-02-30). */
const isDay = (s: string) =>
  DATE.test(s) &&
  !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

export function registerDialysisRoutes(deps: DialysisDeps): void {
  const { app, auth } = deps.ctx;
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  /** The query's parameters, each given once (a repeated one is refused, naming it). */
  const query = (req: FastifyRequest) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(q))
      if (typeof value !== 'string')
        throw new FhirError(400, outcome('error', 'invalid', `${name} is given more than once`, [name]));
    return q as Record<string, string | undefined>;
  };
  const body = (req: FastifyRequest) =>
    (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;

  /** The patient a caller asks about: themselves, or one a care-giver may see. */
  const patientFor = async (principal: Principal, asked: string | undefined): Promise<string> => {
    if (principal.kind === 'patient' && principal.fhirUser?.startsWith('Patient/')) {
      if (asked && asked.replace(/^Patient\//, '') !== principal.fhirUser.slice(8))
        throw forbidden('A patient plans for themselves');
      return principal.fhirUser.slice(8);
    }
    if (!isCareGiver(principal) || !asked) throw forbidden('Say which patient (a patient in your care)');
    const id = asked.replace(/^Patient\//, '');
    const found = await deps.ctx.store.as(await deps.ctx.access.resolve(principal)).locate('Patient', id);
    if (!found?.visible || found.deleted) notFound(`Patient/${id} does not exist`);
    return id;
  };

  const destinations = async (text: string): Promise<Destination[]> => {
    const q = normalizeText(text).trim();
    if (!q) return [];
    const abroad = await deps.ctx.db.query<{ city: string; country: string }>(
      "SELECT DISTINCT city, country FROM dial_centre WHERE country <> 'MA' AND city IS NOT NULL",
    );
    const cities = abroad.rows
      .filter((r) => normalizeText(r.city).startsWith(q))
      .map((r) => ({ label: { fr: r.city, ar: r.city }, country: r.country, city: r.city }));
    return [...findCommunes(text, 8), ...cities].slice(0, 10);
  };

  app.get('/api/dialysis/places', async (req) => {
    await who(req);
    return { places: await destinations(String(query(req).q ?? '').slice(0, 80)) };
  });

  app.get('/api/dialysis/profile', async (req) => {
    const principal = await who(req);
    const patientId = await patientFor(principal, query(req).patient);
    const profile = await loadTravelNeeds(deps.ctx.store, patientId);
    return {
      patient: `Patient/${patientId}`,
      homeDays: profile.homeDays,
      shift: profile.shift,
      needsIsolation: profile.needsIsolation,
      hasPrescription: !!profile.prescription,
    };
  });

  app.get('/api/dialysis/search', async (req) => {
    const principal = await who(req);
    const q = query(req);
    const patientId = await patientFor(principal, q.patient);
    const problems: [string, string][] = [];
    const [destination] = await destinations(String(q.destination ?? '').slice(0, 80));
    if (!destination)
      problems.push([
        'destination',
        'Say where you will stay (a town in Morocco, or a city abroad with partner centres)',
      ]);
    const today = localDate(new Date());
    const arrival = String(q.arrival ?? '');
    const departure = String(q.departure ?? '');
    if (!isDay(arrival) || arrival < today)
      problems.push(['arrival', 'Give the arrival date, today or later (YYYY-MM-DD)']);
    if (
      !isDay(departure) ||
      departure < arrival ||
      Date.parse(departure) - Date.parse(arrival) > 60 * 86_400_000
    )
      problems.push(['departure', 'Give the departure date, after the arrival and within 60 days']);
    const profile = await loadTravelNeeds(deps.ctx.store, patientId);
    const days = q.days ? (q.days.split(',') as Weekday[]) : profile.homeDays;
    if (days.length === 0 || days.some((d) => !DAYS.includes(d)))
      problems.push(['days', 'days is a list such as mon,wed,fri']);
    const shift = (q.shift ?? profile.shift) as Shift | undefined;
    if (shift && !SHIFTS.includes(shift)) problems.push(['shift', 'shift is morning, midday or afternoon']);
    if (q.language && !/^[a-z]{2,3}$/.test(q.language))
      problems.push(['language', 'language is a code such as fr, ar, ary, es']);
    if (problems.length > 0) {
      const o = outcome('error', 'invalid', problems[0][1], [problems[0][0]]);
      o.issue = problems.map(([f, t]) => ({
        severity: 'error',
        code: 'invalid',
        diagnostics: t,
        expression: [f],
      }));
      throw new FhirError(400, o);
    }
    const results = await searchTrip(deps.ctx.db, {
      destination: destination as Destination,
      arrival,
      departure,
      homeDays: days,
      ...(shift ? { shift } : {}),
      ...(q.language ? { language: q.language } : {}),
      chairKind: profile.needsIsolation ? 'isolation' : 'standard',
      limit: Math.min(Math.max(Number(q._count ?? 10) || 10, 1), 30),
      today,
    });
    return {
      destination,
      chairKind: profile.needsIsolation ? 'isolation' : 'standard',
      homeDays: days,
      shift,
      results,
    };
  });

  /** A stay shown is a read of its patient's data: one event per stay, in the patient's log. */
  const readOf = (principal: Principal, stays: { id: string; patient: { reference: string } }[]) => {
    for (const stay of stays)
      audited(
        deps,
        principal,
        'read',
        'ServiceRequest',
        [`ServiceRequest/${stay.id}`],
        stay.patient.reference.slice('Patient/'.length),
        'guest dialysis stay',
      );
  };
  app.get('/api/dialysis/stays', async (req, reply) => {
    const principal = await who(req);
    const lists = await listFor(deps, principal);
    readOf(principal, [...lists.mine, ...lists.incoming, ...lists.followed]);
    return reply.header('cache-control', 'no-store').send(lists);
  });
  app.post('/api/dialysis/stays', async (req, reply) => {
    const principal = await who(req);
    const row = await createDraft(deps, principal, body(req));
    return reply.code(201).send(await stayView(deps, principal, row.id));
  });
  app.get<{ Params: { id: string } }>('/api/dialysis/stays/:id', async (req, reply) => {
    const principal = await who(req);
    const view = await stayView(deps, principal, req.params.id);
    readOf(principal, [view]);
    return reply.header('cache-control', 'no-store').send(view);
  });
  app.get<{ Params: { id: string } }>('/api/dialysis/stays/:id/summary', async (req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type('application/fhir+json; charset=utf-8')
      .send(JSON.stringify(await sentSummary(deps, await who(req), req.params.id))),
  );
  app.get<{ Params: { id: string } }>('/api/dialysis/stays/:id/capacity', async (req) =>
    capacityFor(deps, await who(req), req.params.id),
  );
  const action = (
    name: string,
    run: (p: Principal, id: string, b: Record<string, unknown>) => Promise<unknown>,
  ) =>
    app.post<{ Params: { id: string } }>(`/api/dialysis/stays/:id/${name}`, async (req) => {
      const principal = await who(req);
      await run(principal, req.params.id, body(req));
      return stayView(deps, principal, req.params.id);
    });
  action('approve', (p, id, b) => approve(deps, p, id, b.note));
  action('send', (p, id, b) => send(deps, p, id, b));
  action('accept', (p, id, b) => accept(deps, p, id, b));
  action('decline', (p, id, b) => decline(deps, p, id, b));
  action('confirm', (p, id) => confirm(deps, p, id));
  action('cancel', (p, id, b) => cancel(deps, p, id, b.reason));
  action('complete', (p, id, b) => complete(deps, p, id, b));
  app.post<{ Params: { id: string; appointment: string } }>(
    '/api/dialysis/stays/:id/sessions/:appointment/check-in',
    async (req) => {
      const principal = await who(req);
      await checkIn(deps, principal, req.params.id, req.params.appointment);
      return stayView(deps, principal, req.params.id);
    },
  );
  app.post<{ Params: { id: string; appointment: string } }>(
    '/api/dialysis/stays/:id/sessions/:appointment/record',
    async (req, reply) => {
      const principal = await who(req);
      const written = await recordSession(deps, principal, req.params.id, req.params.appointment, body(req));
      return reply.code(201).send(written);
    },
  );

  app.post('/api/dialysis/results', async (req, reply) => {
    const principal = await who(req);
    if (principal.kind !== 'patient' || !principal.fhirUser?.startsWith('Patient/'))
      throw forbidden('A patient adds their own results here (clinicians write Observations)');
    const b = body(req);
    const test = String(b.test ?? '');
    const date = String(b.date ?? '');
    const today = localDate(new Date());
    if (!['hbv', 'hcv', 'hiv', 'ecg'].includes(test)) badRequest('test is hbv, hcv, hiv or ecg', ['test']);
    if (!isDay(date) || date > today || Date.parse(today) - Date.parse(date) > 400 * 86_400_000)
      badRequest('Give the date of the sample or the exam (within the last year)', ['date']);
    const result = String(b.result ?? '');
    if (test !== 'ecg' && !['negative', 'positive'].includes(result))
      badRequest('result is negative or positive', ['result']);
    if (test === 'ecg' && (result.length === 0 || result.length > 500))
      badRequest('Write the ECG conclusion', ['result']);
    const lab = typeof b.lab === 'string' ? b.lab.trim().slice(0, 200) : '';
    const patient = principal.fhirUser;
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: test === 'ecg' ? 'procedure' : 'laboratory',
            },
          ],
        },
      ],
      code: { coding: [test === 'ecg' ? ECG : SEROLOGY[test as SerologyKey]] },
      subject: { reference: patient },
      effectiveDateTime: date,
      issued: new Date().toISOString(),
      performer: [{ reference: patient }],
      ...(test === 'ecg'
        ? { valueString: result }
        : { valueCodeableConcept: { coding: [result === 'positive' ? POSITIVE : NEGATIVE] } }),
      note: [{ text: `Résultat saisi par le patient${lab ? ` — laboratoire : ${lab}` : ''}` }],
    };
    const writer = deps.ctx.store.as(await deps.ctx.access.resolve(principal));
    const saved = (await writer.create(observation)).resource;
    audited(deps, principal, 'create', 'Observation', [`Observation/${saved.id}`], patient.slice(8));
    return reply.code(201).send(saved);
  });
}
