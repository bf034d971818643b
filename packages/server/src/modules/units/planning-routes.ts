/**
 * Coverage analysis and the deployment planner over HTTP (administrators and programme managers;
 * facility edits: administrators). See docs/api.md, "Mobile units: planning".
 *   GET    /api/units/map                       region and province outlines as SVG paths + projection
 *   GET    /api/units/reference                 communes (compact rows), regions, provinces, facilities
 *   GET    /api/units/coverage?kinds&thresholds&ruralOnly
 *   GET    /api/units/facility-edits            the administrators' edits
 *   POST   /api/units/facility-edits            add, correct or remove a facility
 *   DELETE /api/units/facility-edits/:id        withdraw an edit
 *   POST   /api/units/plans                     {units, radiusKm, underservedKm, mode, …} → the plan (fast) or 202 (exact)
 *   GET    /api/units/plans, /api/units/plans/:id
 */
import type { Location } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { asCaller, invalid, notFound, requireRole, who } from './caller.ts';
import { editLocation, editOf, facilityEditProblems, loadFacilityEdits } from './facility-edits.ts';
import { moroccoMap } from './map.ts';
import { coverageOptionsFrom, type PlanningService, planOptionsFrom } from './planning-service.ts';
import type { UnitsSettings } from './settings.ts';

const PLANNERS = ['administrator', 'programme-manager'] as const;

export function registerPlanningRoutes(
  ctx: ModuleContext,
  planning: PlanningService,
  settings: UnitsSettings,
) {
  const { app } = ctx;
  const planner = async (req: Parameters<typeof who>[1]): Promise<Principal> => {
    const principal = await who(ctx, req);
    requireRole(principal, [...PLANNERS], 'plan mobile units');
    return principal;
  };

  app.get('/api/units/map', async (req, reply) => {
    await planner(req);
    return reply.header('cache-control', 'private, max-age=86400').send(moroccoMap());
  });

  app.get('/api/units/reference', async (req, reply) => {
    await planner(req);
    const { geography } = planning.data;
    const facilities = await planning.facilities();
    return reply.header('cache-control', 'private, no-cache').send({
      regions: geography.regions,
      provinces: geography.provinces,
      // compact rows: [code, nameFr, nameAr, rural (1|0), population, lat, lon]
      communes: geography.communes.map((c) => [
        c.code,
        c.nameFr,
        c.nameAr,
        c.rural ? 1 : 0,
        c.population,
        c.lat ?? null,
        c.lon ?? null,
      ]),
      // [id, name, kind, lat, lon]
      facilities: facilities.map((f) => [f.id, f.name, f.kind, f.lat, f.lon]),
      sources:
        'Population: HCP, RGPH 2024. Centroids and facilities: © OpenStreetMap contributors, ODbL 1.0. OSM lists a sample of health facilities only.',
    });
  });

  app.get('/api/units/coverage', async (req, reply) => {
    await planner(req);
    const { options, problems } = coverageOptionsFrom((req.query ?? {}) as Record<string, unknown>);
    if (problems.length) throw invalid(problems);
    return reply.header('cache-control', 'no-store').send(await planning.coverage(options));
  });

  app.get('/api/units/facility-edits', async (req, reply) => {
    await planner(req);
    return reply.header('cache-control', 'no-store').send({ edits: await loadFacilityEdits(ctx.store) });
  });

  app.post('/api/units/facility-edits', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'correct the facility list');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const problems = facilityEditProblems(body);
    if (problems.length) throw invalid(problems);
    const id = typeof body.id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(body.id) ? body.id : undefined;
    const location = editLocation(body, id ?? `facility-${crypto.randomUUID()}`);
    const res = await asCaller(ctx, principal, {
      method: 'PUT',
      path: `/Location/${location.id}`,
      body: location,
      ...(typeof body.ifMatch === 'string' ? { headers: { 'if-match': body.ifMatch } } : {}),
    });
    if (res.status >= 300) return send(reply, res.status, res.body);
    return reply.code(res.status).send(editOf(res.body as Location));
  });

  app.delete<{ Params: { id: string } }>('/api/units/facility-edits/:id', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'correct the facility list');
    const current = (await ctx.store.readIfPresent('Location', req.params.id)) as Location | undefined;
    if (!current || !editOf(current)) throw notFound('No such facility edit');
    const res = await asCaller(ctx, principal, { method: 'DELETE', path: `/Location/${req.params.id}` });
    if (res.status >= 300) return send(reply, res.status, res.body);
    return reply.code(204).send();
  });

  app.post('/api/units/plans', async (req, reply) => {
    const principal = await planner(req);
    const { options, problems } = planOptionsFrom(req.body, { maxExactSeconds: settings.exactMaxSeconds });
    if (problems.length) throw invalid(problems);
    const record = await planning.plan(principal.fhirUser ?? `account:${principal.id}`, options);
    if (record.status === 'failed' && record.problems) throw invalid(record.problems);
    return reply.code(record.status === 'running' ? 202 : 201).send(record);
  });

  app.get('/api/units/plans', async (req, reply) => {
    await planner(req);
    return reply.header('cache-control', 'no-store').send({ plans: await planning.list() });
  });

  app.get<{ Params: { id: string } }>('/api/units/plans/:id', async (req, reply) => {
    await planner(req);
    const record = await planning.get(req.params.id);
    if (!record) throw new FhirError(404, outcome('error', 'not-found', 'No such plan'));
    return reply.header('cache-control', 'no-store').send(record);
  });
}
