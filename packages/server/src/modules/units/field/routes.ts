/**
 * The field app's routes and the device gateway's (docs/api.md, "Mobile units: field app"):
 *   GET  /api/units/:id/field-day          members: what the app keeps for a day offline (patients,
 *                                          devices, facilities to refer to, the medicines list)
 *   POST /api/units/sync {batch, bundle}   care-givers: the day's records, one transaction
 *   POST /api/units/:id/gateways           administrators: a device gateway client (secret shown once)
 *   POST /api/units/gateway/readings       a gateway client: a batch of device Observations
 */
import type { Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { CARE_ROLES } from '../../../access/policy.ts';
import { clientToRegister, registerClient } from '../../../auth/index.ts';
import type { ModuleContext } from '../../../kernel/module.ts';
import { medicineDisplay, medicines } from '../../prescriptions/medicines.ts';
import { localDate } from '../../scheduling/calendar.ts';
import { asCaller, invalid, notFound, requireRole, who } from '../caller.ts';
import type { UnitsSettings } from '../settings.ts';
import { GATEWAY_READING_SYSTEM } from '../terms.ts';
import { tourOf } from '../tours/publish.ts';
import { devices, nameElement, readUnit, roster, tourSchedules, unitsOf } from '../units.ts';
import { referralFacilities } from './facilities.ts';
import { GATEWAY_CLIENT_PREFIX, type GatewayRegistry, gatewayWriteProblem, unitTeam } from './hooks.ts';
import { runSync } from './sync.ts';
import { nextVisit, visitsOn } from './visits.ts';

export function registerFieldRoutes(ctx: ModuleContext, settings: UnitsSettings, gateways: GatewayRegistry) {
  const { app, store, db } = ctx;

  app.get<{ Params: { id: string } }>('/api/units/:id/field-day', async (req, reply) => {
    const principal = await who(ctx, req);
    const unit = await readUnit(store, req.params.id);
    if (!(await unitsOf(db, store, principal)).includes(unit.id as string))
      throw notFound('No such mobile unit');
    const today = localDate(new Date());
    const schedules = await tourSchedules(store, unit.id as string);
    const stops = schedules.map((s) => ({ schedule: s, today: visitsOn(s, today) }));
    const patients = await asCaller(ctx, principal, {
      method: 'GET',
      path: '/Patient',
      query: [
        ['_count', '500'],
        ['_sort', '-_lastUpdated'],
      ],
    });
    return reply.header('cache-control', 'no-store').send({
      unit: { id: unit.id, name: unit.name, _name: nameElement(unit) },
      date: today,
      stop: stops.find((s) => s.today)?.schedule.actor?.[0] ?? null,
      next: nextVisit(schedules, today),
      stops: stops.map((s) => ({
        location: s.schedule.actor?.[0],
        commune: tourOf(s.schedule)?.commune,
        today: s.today,
      })),
      roster: await roster(store, unit.id as string),
      devices: (await devices(store, unit.id as string)).map((d) => ({
        id: `Device/${d.id}`,
        kind: d.type?.coding?.[0]?.code,
        serial: d.serialNumber,
      })),
      patients: ((patients.body as Bundle).entry ?? []).map((e) => e.resource as Patient),
      // for referrals and prescriptions written offline: the nearby facilities, the medicines list
      facilities: await referralFacilities(store, unit.id as string),
      medicines: [...medicines().values()].map((m) => ({ code: m.code, display: medicineDisplay(m) })),
    });
  });

  app.post('/api/units/sync', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, CARE_ROLES, 'synchronise field records');
    return reply.header('cache-control', 'no-store').send(
      await runSync(ctx, principal, req.body, {
        maxEntries: settings.syncMaxEntries,
        attachmentMaxBytes: settings.attachmentMaxBytes,
      }),
    );
  });

  app.post<{ Params: { id: string } }>('/api/units/:id/gateways', async (req, reply) => {
    const principal = await who(ctx, req);
    requireRole(principal, ['administrator'], 'register device gateways');
    const unit = await readUnit(store, req.params.id);
    const clientId = `${GATEWAY_CLIENT_PREFIX}${unit.id}-${crypto.randomUUID().slice(0, 8)}`;
    const client = await clientToRegister({
      clientId,
      name: `Device gateway of ${unit.name}`,
      kind: 'system',
      allowedScopes: ['system/Observation.c'],
    });
    // the client and its unit commit together: never a gateway client tied to no unit
    await db.transaction(async (tx) => {
      await registerClient(tx, client);
      await tx.query(
        'INSERT INTO units_gateway (client_id, unit, created_by) VALUES ($1::text, $2::text, $3::text)',
        [clientId, `Organization/${unit.id}`, principal.fhirUser ?? `account:${principal.id}`],
      );
    });
    const created = client.issued;
    gateways.forget();
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({ ...created, scope: 'system/Observation.c' });
  });

  app.post('/api/units/gateway/readings', async (req, reply) => {
    const principal = await who(ctx, req);
    const unit = principal.kind === 'system' ? await gateways.unitOf(principal.id) : undefined;
    if (!unit)
      throw new FhirError(
        403,
        outcome('error', 'forbidden', 'Only a registered device gateway posts readings here'),
      );
    const bundle = req.body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle' || !Array.isArray(bundle.entry) || bundle.entry.length > 1000)
      throw invalid([{ field: 'bundle', message: 'Send a Bundle of at most 1,000 Observation entries' }]);
    const owned = new Set((await devices(store, unit.slice(13))).map((d) => `Device/${d.id}`));
    const team = await unitTeam(store, db, unit);
    const readingIds = bundle.entry.flatMap((e) =>
      ((e.resource as Observation | undefined)?.identifier ?? [])
        .filter((x) => x.system === GATEWAY_READING_SYSTEM)
        .map((x) => `gateway|${x.value}`),
    );
    const known = new Map(
      (
        await db.query<{ value: string; resource_id: string }>(
          'SELECT value, resource_id FROM units_field_record WHERE value = ANY($1::text[])',
          [readingIds],
        )
      ).rows.map((r) => [r.value, r.resource_id]),
    );
    const answers: BundleEntry[] = [];
    const accepted: BundleEntry[] = [];
    const positions: number[] = [];
    for (const [i, e] of bundle.entry.entries()) {
      const o = e.resource as Observation;
      const refuse = (text: string) =>
        answers.push({
          response: { status: '422 Unprocessable Entity', outcome: outcome('error', 'invalid', text) },
        });
      const problem = gatewayWriteProblem(o, undefined);
      const readingId = o?.identifier?.find((x) => x.system === GATEWAY_READING_SYSTEM)?.value;
      if (problem) refuse(`A device gateway ${problem}`);
      else if (!readingId)
        refuse(`Each reading carries its gateway id (identifier system ${GATEWAY_READING_SYSTEM})`);
      else if (known.has(`gateway|${readingId}`))
        answers.push({
          response: { status: '200 OK', location: `Observation/${known.get(`gateway|${readingId}`)}` },
        });
      else if (!owned.has(o.device?.reference as string)) refuse('Not a device of this unit');
      else if (!(await ctx.access.relations.inCare(db, String(o.subject?.reference ?? '').slice(8), team)))
        refuse('Not a patient of this unit (register or confirm their presence first)');
      else {
        positions.push(i);
        answers.push({});
        accepted.push({
          resource: { ...o, status: o.status ?? 'final' },
          // a replay is found above; two racing ones meet the unique key of units_field_record (409)
          request: { method: 'POST', url: 'Observation' },
        });
      }
    }
    if (accepted.length) {
      const res = await ctx.fhir.handle({
        method: 'POST',
        path: '/',
        query: [],
        headers: {},
        body: { resourceType: 'Bundle', type: 'transaction', entry: accepted },
        access: await ctx.access.resolve(principal),
      });
      if (res.status !== 200) throw new FhirError(res.status, res.body as never);
      ((res.body as Bundle).entry ?? []).forEach((r, k) => {
        answers[positions[k]] = { response: r.response };
      });
      ctx.audit.record({
        principal,
        interaction: 'create',
        resourceType: 'Observation',
        ids: ((res.body as Bundle).entry ?? []).map((r) => r.response?.location?.split('/_history')[0] ?? ''),
        patientIds: [
          ...new Set(accepted.map((a) => (a.resource as Observation).subject?.reference as string)),
        ],
        outcome: 200,
      });
    }
    return reply.send({ resourceType: 'Bundle', type: 'batch-response', entry: answers });
  });
}
