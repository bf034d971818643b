/**
 * Booking (issue "find a doctor, book…"): weekly templates → Slots, `$find` and `$book`, the one
 * rule that a slot is never booked twice (booking.ts), cancel/move cut-offs, no-shows, the waiting
 * list, and the patient's confirmation, reminder and change notices. See README.md.
 */
import type { SahtiModule } from '../../kernel/module.ts';
import { registerTemplates } from '../../notify/index.ts';
import { bookingDeps } from './book.ts';
import { bookingHook, REMINDER_JOB, sendReminder, slotHoldersHook } from './booking.ts';
import { MATERIALIZE_JOB, materializeAll } from './materialize.ts';
import { SCHEDULING_TEMPLATES } from './messages.ts';
import { SCHEDULING_MIGRATIONS } from './migrations.ts';
import { bookOperation, findOperation } from './operations.ts';
import { projectionHook } from './projection.ts';
import { registerSchedulingRoutes } from './routes.ts';
import { readSchedulingSettings } from './settings.ts';
import { expireOffer, OFFER_EXPIRY_JOB } from './waitlist.ts';

export const schedulingModule: SahtiModule = {
  name: 'scheduling',
  migrations: SCHEDULING_MIGRATIONS,
  register(ctx) {
    const settings = readSchedulingSettings();
    registerTemplates(SCHEDULING_TEMPLATES);
    ctx.store.addHook(projectionHook(ctx.store));
    ctx.store.addHook(bookingHook({ store: ctx.store, jobs: ctx.jobs, settings }));
    ctx.store.addHook(slotHoldersHook());
    const deps = bookingDeps({ db: ctx.db, store: ctx.store, access: ctx.access }, settings.bookingGroups);
    ctx.fhir.registerOperation(findOperation(deps, settings));
    ctx.fhir.registerOperation(bookOperation(deps));
    registerSchedulingRoutes(ctx, deps, settings);
    ctx.jobs.register(REMINDER_JOB, (payload: { appointment: string; start: string }) =>
      sendReminder(ctx.db, ctx.store, payload),
    );
    ctx.jobs.register(OFFER_EXPIRY_JOB, (payload: { entry: string; slot: string }) =>
      expireOffer(ctx.db, { store: ctx.store, jobs: ctx.jobs, settings }, payload),
    );
    ctx.jobs.register(MATERIALIZE_JOB, async () => {
      const done = await materializeAll(ctx.fhir, ctx.db, settings.horizonDays);
      ctx.log.info(
        `slots derived: ${done.created} new, ${done.removed} removed, ${done.schedules} schedules`,
      );
    });
    ctx.jobs.schedule(MATERIALIZE_JOB, '15 2 * * *'); // every night at 02:15, Morocco's time
  },
};
