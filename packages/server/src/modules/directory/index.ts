/**
 * The health-worker and facility directory (IHE mCSD shape: Organization, Location, Practitioner,
 * PractitionerRole with specialty and fee, Schedule with the weekly template): its demo data — a few
 * hundred practitioners across the 12 regions, with free slots over the coming weeks. Search lives
 * with availability in modules/scheduling (`$find`, /api/scheduling/search).
 */
import type { Schedule } from '@medplum/fhirtypes';
import type { SahtiModule } from '../../kernel/module.ts';
import { materializeSchedules } from '../scheduling/materialize.ts';
import { buildDirectoryDemo, DIRECTORY_DEMO_MARKER, DIRECTORY_DEMO_SYSTEM } from './demo.ts';

/** Days of slots derived at the first start (the nightly job derives the full horizon). */
const FIRST_START_DAYS = 3;

export const directoryModule: SahtiModule = {
  name: 'directory',
  async seedDemo(ctx) {
    const marker = await ctx.store.search('Organization', [
      ['identifier', `${DIRECTORY_DEMO_SYSTEM}|${DIRECTORY_DEMO_MARKER}`],
    ]);
    if (marker.matches.length > 0) return 0;
    const bundle = buildDirectoryDemo({ practitioners: Number(process.env.SAHTI_DEMO_PRACTITIONERS ?? 240) });
    const res = await ctx.fhir.handle({ method: 'POST', path: '/', query: [], headers: {}, body: bundle });
    if (res.status !== 200)
      throw new Error(`directory demo refused: ${JSON.stringify(res.body).slice(0, 400)}`);
    // the first days now, so the demo is alive at once; the full horizon in the background
    const schedules = ((res.body as { entry?: { resource?: Schedule }[] }).entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Schedule => r?.resourceType === 'Schedule');
    const [slots] = await materializeSchedules(ctx.fhir, ctx.db, schedules, FIRST_START_DAYS);
    // the rest of the horizon a minute later: the server answers first (the embedded database has
    // one connection, and a long derivation would hold the first requests back)
    await ctx.db.transaction((tx) =>
      ctx.jobs.enqueue(
        tx,
        'scheduling.materialize',
        {},
        { key: `materialize-${Date.now()}`, runAt: new Date(Date.now() + 60_000) },
      ),
    );
    return (bundle.entry?.length ?? 0) + slots;
  },
};
