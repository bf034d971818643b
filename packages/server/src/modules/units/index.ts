/**
 * Mobile medical units (issue 10): coverage analysis and the deployment planner (planning/), units
 * with their team, equipment and weekly tours published as Schedules and Slots, villagers told by
 * SMS, the field app's day synchronised as one FHIR transaction, and device gateways. The hub that
 * answers the units' tele-expertise requests is modules/hub. See README.md.
 */
import type { SahtiModule } from '../../kernel/module.ts';
import { registerTemplates } from '../../notify/index.ts';
import { seedUnitsDemo } from './demo.ts';
import { fieldRecordHook, GatewayRegistry, gatewayHook, unitRegistrationHook } from './field/hooks.ts';
import { fieldPrescriptionHook } from './field/prescribers.ts';
import { registerFieldRoutes } from './field/routes.ts';
import { UNITS_MIGRATIONS } from './migrations.ts';
import { registerPlanningRoutes } from './planning-routes.ts';
import { PlanningService } from './planning-service.ts';
import { readUnitsSettings } from './settings.ts';
import { UNITS_TEMPLATES } from './tours/messages.ts';
import { sendVisitNotices, VISIT_NOTICE_JOB } from './tours/notices.ts';
import { registerUnitRoutes } from './units-routes.ts';

/** What each registered platform holds (tests may start several in one process). */
const running: PlanningService[] = [];

export const unitsModule: SahtiModule = {
  name: 'units',
  migrations: UNITS_MIGRATIONS,
  async register(ctx) {
    const settings = readUnitsSettings();
    const planning = new PlanningService({ db: ctx.db, store: ctx.store });
    running.push(planning);
    const gateways = new GatewayRegistry(ctx.db);
    registerTemplates(UNITS_TEMPLATES);
    ctx.store.addHook(fieldRecordHook());
    ctx.store.addHook(unitRegistrationHook(ctx.access, ctx.store));
    ctx.store.addHook(gatewayHook(gateways, ctx));
    ctx.store.addHook(fieldPrescriptionHook(ctx.store));
    registerPlanningRoutes(ctx, planning, settings);
    registerUnitRoutes(ctx, planning, settings);
    registerFieldRoutes(ctx, settings, gateways);
    ctx.jobs.register(VISIT_NOTICE_JOB, async () => {
      const sent = await sendVisitNotices(ctx.db, ctx.store);
      if (sent) ctx.log.info(`unit visit notices: ${sent} SMS queued`);
    });
    ctx.jobs.schedule(VISIT_NOTICE_JOB, `0 ${settings.noticeHour} * * *`);
    await planning.forgetInterrupted();
  },
  async seedDemo(ctx) {
    const planning = running.at(-1) ?? new PlanningService({ db: ctx.db, store: ctx.store });
    return seedUnitsDemo(ctx, planning, readUnitsSettings());
  },
  async close() {
    await Promise.all(running.splice(0).map((p) => p.close()));
  },
};
