/**
 * Units, teams, equipment and tours (docs/api.md, "Mobile units: tours"):
 *   GET  /api/units                       administrators and programme managers: every unit; a member: theirs
 *   POST /api/units {name, baseCommune}   administrators
 *   GET  /api/units/:id                   the unit, base, roster (and what it lacks), devices, tour
 *                                         (its Schedules, and the cycle read back: a stop per day), last check
 *   PUT  /api/units/:id/roster {members:[{practitioner, role}]}              administrators
 *   POST /api/units/:id/devices {kind, serial, model?}                      administrators
 *   POST /api/units/:id/equipment-checks {items:[{device, present, working, note?}]}   members
 *   POST /api/units/:id/tour/proposal {communes?, radiusKm?, weeks}         planners
 *   POST /api/units/:id/tour {communes, weeks, start?, horizonWeeks?}       administrators: publish
 */
import type { Bundle, Device, QuestionnaireResponse, Schedule } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { localDate } from '../scheduling/calendar.ts';
import { materializeSchedules } from '../scheduling/materialize.ts';
import { asCaller, invalid, notFound, requireRole, who } from './caller.ts';
import { haversineKm } from './planning/index.ts';
import type { PlanningService } from './planning-service.ts';
import type { UnitsSettings } from './settings.ts';
import { EQUIPMENT_CHECK_QUESTIONNAIRE, TEAM_ROLES, type TeamRole } from './terms.ts';
import { mondayOf, tourEntries, tourOf } from './tours/publish.ts';
import { type PublishedTour, publishedTour } from './tours/read.ts';
import { planTour, type TourStopInput } from './tours/tour.ts';
import {
  baseLocation,
  devices,
  equipmentCheck,
  isDeviceKind,
  listUnits,
  newDevice,
  newUnit,
  readUnit,
  roster,
  rosterGaps,
  rosterRole,
  stopPositions,
  tourSchedules,
  type UnitNameTranslations,
  type UnitSummary,
  unitNameTranslationProblems,
  unitsOf,
} from './units.ts';

const PLANNERS = ['administrator', 'programme-manager'] as const;
const isPlanner = (p: Principal) =>
  p.kind === 'staff' && p.roles.some((r) => (PLANNERS as readonly string[]).includes(r));

export function registerUnitRoutes(ctx: ModuleContext, planning: PlanningService, settings: UnitsSettings) {
  const { app, store, db } = ctx;

  /** The commune's names in French and Arabic (communes.csv), for a screen in either script. */
  const communeNames = (code: string | undefined) => {
    const c = planning.data.geography.communes.find((x) => x.code === code);
    return c ? { nameFr: c.nameFr, nameAr: c.nameAr } : {};
  };
  const withCommuneNames = (u: UnitSummary): UnitSummary =>
    u.base ? { ...u, base: { ...u.base, ...communeNames(u.base.commune) } } : u;

  /** A planner, or a member of this unit; anyone else: 404 as for an unknown unit. */
  const mayView = async (principal: Principal, unitId: string) => {
    if (isPlanner(principal)) return;
    if (!(await unitsOf(db, store, principal)).includes(unitId)) throw notFound('No such mobile unit');
  };

  app.get('/api/units', async (req, reply) => {
    const principal = await who(ctx, req);
    const all = (await listUnits(store)).map(withCommuneNames);
    if (isPlanner(principal)) return reply.send({ units: all });
    const mine = await unitsOf(db, store, principal);
    return reply.header('cache-control', 'no-store').send({ units: all.filter((u) => mine.includes(u.id)) });
  });

  app.post('/api/units', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'create mobile units');
    const b = (req.body ?? {}) as { name?: unknown; baseCommune?: unknown; translations?: unknown };
    const commune = planning.data.geography.communes.find((c) => c.code === b.baseCommune);
    const problems = [...unitNameTranslationProblems(b.translations)];
    if (typeof b.name !== 'string' || b.name.trim().length < 2)
      problems.push({ field: 'name', message: 'Give the unit a name (2 characters or more)' });
    if (!commune || commune.lat === undefined || commune.lon === undefined)
      problems.push({
        field: 'baseCommune',
        message: 'baseCommune is the code of a located commune (communes.csv)',
      });
    if (problems.length) throw invalid(problems);
    const id = `unit-${crypto.randomUUID().slice(0, 8)}`;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        newUnit({
          id,
          name: (b.name as string).trim(),
          translations: b.translations as UnitNameTranslations | undefined,
        }),
        baseLocation(id, commune as Required<typeof commune> & { lat: number; lon: number }),
      ].map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
    };
    const res = await asCaller(ctx, principal, { method: 'POST', path: '/', body: bundle });
    if (res.status !== 200) return send(reply, res.status, res.body);
    return reply.code(201).send({ id });
  });

  app.get<{ Params: { id: string } }>('/api/units/:id', async (req, reply) => {
    const principal = await who(ctx, req);
    await mayView(principal, req.params.id);
    const unit = await readUnit(store, req.params.id);
    const found = (await listUnits(store)).find((u) => u.id === unit.id);
    const summary = found && withCommuneNames(found);
    const members = await roster(store, unit.id as string);
    const schedules = await tourSchedules(store, unit.id as string);
    const checks = await store.search('QuestionnaireResponse', [
      ['questionnaire', EQUIPMENT_CHECK_QUESTIONNAIRE],
      ['subject', `Organization/${unit.id}`],
      ['_sort', '-authored'],
      ['_count', '20'],
    ]);
    // the team's own checks (or staff's): a response a patient filed about the unit is no check
    const team = new Set(members.map((m) => m.practitioner));
    const lastCheck = (checks.matches as QuestionnaireResponse[]).find((q) => byTeam(q, team));
    return reply.header('cache-control', 'no-store').send({
      ...summary,
      roster: members,
      gaps: rosterGaps(members),
      devices: (await devices(store, unit.id as string)).map(deviceSummary),
      tour: schedules.map(scheduleSummary),
      weeklyTour: withStopNames(
        publishedTour(
          schedules,
          await stopPositions(store, unit.id as string),
          summary?.base?.lat !== undefined && summary.base.lon !== undefined
            ? { lat: summary.base.lat, lon: summary.base.lon }
            : undefined,
          settings,
        ),
        communeNames,
      ),
      lastCheck: checkSummary(lastCheck),
    });
  });

  app.put<{ Params: { id: string } }>('/api/units/:id/roster', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'set a unit’s team');
    const unit = await readUnit(store, req.params.id);
    const members = ((req.body ?? {}) as { members?: unknown }).members;
    if (!Array.isArray(members) || members.length > 20)
      throw invalid([{ field: 'members', message: 'members is a list of {practitioner, role}' }]);
    const problems: { field: string; message: string }[] = [];
    const wanted = members.map((m, i) => {
      const practitioner = String((m as { practitioner?: unknown }).practitioner ?? '');
      const role = (m as { role?: unknown }).role as TeamRole;
      if (!/^Practitioner\/[A-Za-z0-9\-.]{1,64}$/.test(practitioner))
        problems.push({ field: `members[${i}].practitioner`, message: 'practitioner is Practitioner/<id>' });
      if (!TEAM_ROLES.includes(role))
        problems.push({ field: `members[${i}].role`, message: `role is one of ${TEAM_ROLES.join(', ')}` });
      return rosterRole(unit.id as string, practitioner.slice(13), role);
    });
    if (problems.length) throw invalid(problems);
    const current = await roster(store, unit.id as string);
    const keep = new Set(wanted.map((r) => r.id));
    const entries = [
      ...wanted.map((r) => ({
        resource: r,
        request: { method: 'PUT' as const, url: `PractitionerRole/${r.id}` },
      })),
      ...current
        .filter((m) => !keep.has(m.roleId))
        .map((m) => ({
          resource: {
            ...rosterRole(unit.id as string, m.practitioner.slice(13), m.role),
            id: m.roleId,
            active: false,
          },
          request: { method: 'PUT' as const, url: `PractitionerRole/${m.roleId}` },
        })),
    ];
    const res = await asCaller(ctx, principal, {
      method: 'POST',
      path: '/',
      body: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    });
    if (res.status !== 200) return send(reply, res.status, res.body);
    const after = await roster(store, unit.id as string);
    return reply.send({ roster: after, gaps: rosterGaps(after) });
  });

  app.post<{ Params: { id: string } }>('/api/units/:id/devices', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'register a unit’s equipment');
    const unit = await readUnit(store, req.params.id);
    const b = (req.body ?? {}) as { kind?: unknown; serial?: unknown; model?: unknown };
    const problems = [];
    if (!isDeviceKind(b.kind))
      problems.push({
        field: 'kind',
        message: 'kind is a device kind of the unit (bp-monitor, glucometer…)',
      });
    if (typeof b.serial !== 'string' || !b.serial.trim())
      problems.push({ field: 'serial', message: 'Give the serial number' });
    if (problems.length) throw invalid(problems);
    // a Device names no patient: directory-like equipment, written for the unit by the platform after the check above
    const created = await ctx.store.create(
      newDevice(unit.id as string, {
        kind: b.kind as string,
        serial: (b.serial as string).trim(),
        ...(typeof b.model === 'string' ? { model: b.model } : {}),
      }),
    );
    ctx.audit.record({
      principal,
      interaction: 'create',
      resourceType: 'Device',
      ids: [`Device/${created.resource.id}`],
      patientIds: [],
      outcome: 201,
    });
    return reply.code(201).send(deviceSummary(created.resource as Device));
  });

  app.post<{ Params: { id: string } }>('/api/units/:id/equipment-checks', async (req, reply) => {
    const principal = await who(ctx, req);
    const unit = await readUnit(store, req.params.id);
    if (!(await unitsOf(db, store, principal)).includes(unit.id as string))
      throw notFound('No such mobile unit');
    const items = ((req.body ?? {}) as { items?: unknown }).items;
    const owned = new Set((await devices(store, unit.id as string)).map((d) => `Device/${d.id}`));
    if (!Array.isArray(items) || items.length === 0)
      throw invalid([
        { field: 'items', message: 'Check each device: items is a list of {device, present, working}' },
      ]);
    const problems: { field: string; message: string }[] = [];
    items.forEach((i, n) => {
      const item = i as { device?: unknown; present?: unknown; working?: unknown };
      if (!owned.has(String(item.device)))
        problems.push({ field: `items[${n}].device`, message: 'Not a device of this unit' });
      if (typeof item.present !== 'boolean' || typeof item.working !== 'boolean')
        problems.push({ field: `items[${n}]`, message: 'present and working are true or false' });
    });
    if (problems.length) throw invalid(problems);
    const created = await ctx.store.create(
      equipmentCheck(unit.id as string, principal.fhirUser ?? `account:${principal.id}`, items as never),
    );
    ctx.audit.record({
      principal,
      interaction: 'create',
      resourceType: 'QuestionnaireResponse',
      ids: [`QuestionnaireResponse/${created.resource.id}`],
      patientIds: [],
      outcome: 201,
    });
    return reply.code(201).send(checkSummary(created.resource as QuestionnaireResponse));
  });

  /** A real calendar day written YYYY-MM-DD (not 2026-13-45 nor 2026-02-30). */
  const isDay = (s: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(s) &&
    !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
    new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
  const tourInput = (unitId: string, body: unknown) => {
    const b = (body ?? {}) as { communes?: unknown; radiusKm?: unknown; weeks?: unknown };
    const weeks = typeof b.weeks === 'number' ? b.weeks : 1;
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > 4)
      throw invalid([{ field: 'weeks', message: 'A tour cycle lasts 1 to 4 weeks' }]);
    return { b, weeks, unitId };
  };
  const candidates = async (unitId: string, b: { communes?: unknown; radiusKm?: unknown }, limit: number) => {
    const summary = (await listUnits(store)).find((u) => u.id === unitId);
    if (summary?.base?.lat === undefined || summary.base.lon === undefined)
      throw new FhirError(409, outcome('error', 'business-rule', 'The unit has no base: set it first'));
    const base = { lat: summary.base.lat, lon: summary.base.lon };
    const communes = planning.data.geography.communes.filter(
      (c) => c.lat !== undefined && c.lon !== undefined,
    );
    type Located = (typeof communes)[number];
    let chosen: Located[];
    if (Array.isArray(b.communes)) {
      const unknown = b.communes.filter((c) => !communes.some((x) => x.code === c));
      if (unknown.length || b.communes.length === 0)
        throw invalid([
          {
            field: 'communes',
            message: `Unknown or unlocated communes: ${unknown.join(', ') || '(none given)'}`,
          },
        ]);
      chosen = communes.filter((c) => (b.communes as string[]).includes(c.code));
    } else {
      const radius = typeof b.radiusKm === 'number' && b.radiusKm > 0 && b.radiusKm <= 100 ? b.radiusKm : 20;
      chosen = communes
        .filter((c) => c.rural && haversineKm(base.lat, base.lon, c.lat as number, c.lon as number) <= radius)
        .sort((x, y) => y.population - x.population)
        .slice(0, limit);
    }
    return {
      base,
      stops: chosen.map(
        (c): TourStopInput => ({
          code: c.code,
          name: c.nameFr,
          population: c.population,
          lat: c.lat as number,
          lon: c.lon as number,
        }),
      ),
    };
  };

  app.post<{ Params: { id: string } }>('/api/units/:id/tour/proposal', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, [...PLANNERS], 'plan tours');
    const unit = await readUnit(store, req.params.id);
    const { b, weeks } = tourInput(unit.id as string, req.body);
    const { base, stops } = await candidates(unit.id as string, b, weeks * settings.workDays.length);
    return reply.send(
      planTour(base, stops, {
        weeks,
        workDays: settings.workDays,
        speedKmh: settings.speedKmh,
        detourFactor: settings.detourFactor,
      }),
    );
  });

  app.post<{ Params: { id: string } }>('/api/units/:id/tour', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'publish tours');
    const unit = await readUnit(store, req.params.id);
    const { b, weeks } = tourInput(unit.id as string, req.body);
    const asked = (b as { start?: unknown }).start;
    if (typeof asked === 'string' && !isDay(asked))
      throw invalid([{ field: 'start', message: 'start is a date (YYYY-MM-DD)' }]);
    const { base, stops } = await candidates(unit.id as string, b, weeks * settings.workDays.length);
    const tour = planTour(base, stops, {
      weeks,
      workDays: settings.workDays,
      speedKmh: settings.speedKmh,
      detourFactor: settings.detourFactor,
    });
    const start = mondayOf(
      typeof (b as { start?: unknown }).start === 'string'
        ? String((b as { start?: string }).start)
        : localDate(new Date()),
    );
    const horizon = Number((b as { horizonWeeks?: unknown }).horizonWeeks ?? 12);
    const entries = tourEntries(tour, {
      unitId: unit.id as string,
      unitName: unit.name ?? '',
      start,
      horizonWeeks: Number.isInteger(horizon) && horizon >= 1 && horizon <= 52 ? horizon : 12,
      dayStart: settings.dayStart,
      dayEnd: settings.dayEnd,
      slotMinutes: 30,
      arabicName: (code) => communeNames(code).nameAr,
    });
    const kept = new Set(entries.map((e) => e.request?.url));
    for (const old of await tourSchedules(store, unit.id as string)) {
      if (!kept.has(`Schedule/${old.id}`))
        entries.push({
          resource: { ...old, active: false },
          request: { method: 'PUT', url: `Schedule/${old.id}` },
        });
    }
    const res = await asCaller(ctx, principal, {
      method: 'POST',
      path: '/',
      body: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    });
    if (res.status !== 200) return send(reply, res.status, res.body);
    const schedules = entries
      .filter((e) => e.resource?.resourceType === 'Schedule')
      .map((e) => e.resource as Schedule);
    const [slots] = await materializeSchedules(ctx.fhir, db, schedules, horizonDays());
    return reply
      .code(201)
      .send({ tour, start, schedules: schedules.filter((s) => s.active).map(scheduleSummary), slots });
  });
}

function withStopNames(
  tour: PublishedTour,
  names: (code: string) => { nameFr?: string; nameAr?: string },
): PublishedTour {
  return {
    ...tour,
    stops: tour.stops.map((s) => ({ ...s, ...names(s.commune) })),
    days: tour.days.map((d) => ({ ...d, ...names(d.stop) })),
  };
}

const horizonDays = () => Number(process.env.SAHTI_SLOT_HORIZON_DAYS ?? 28);

function deviceSummary(d: Device) {
  return {
    id: `Device/${d.id}`,
    kind: d.type?.coding?.[0]?.code,
    serial: d.serialNumber,
    model: d.modelNumber,
    status: d.status,
  };
}

function scheduleSummary(s: Schedule) {
  const tour = tourOf(s);
  return {
    id: s.id,
    commune: tour?.commune,
    name: s.actor?.[0]?.display,
    location: s.actor?.[0]?.reference,
    horizon: s.planningHorizon,
  };
}

/**
 * Written by a member of the roster, or through the checks route by a staff account with no
 * practitioner record (its author is the account): never a response someone else filed about the unit.
 */
function byTeam(q: QuestionnaireResponse, team: Set<string>): boolean {
  const author = q.author?.reference ?? '';
  return team.has(author) || author.startsWith('account:');
}

function checkSummary(q: QuestionnaireResponse | undefined) {
  if (!q) return undefined;
  return {
    id: q.id,
    authored: q.authored,
    author: q.author?.reference,
    items: (q.item ?? []).map((i) => ({
      device: i.linkId,
      present: i.item?.find((x) => x.linkId === 'present')?.answer?.[0]?.valueBoolean,
      working: i.item?.find((x) => x.linkId === 'working')?.answer?.[0]?.valueBoolean,
    })),
  };
}
