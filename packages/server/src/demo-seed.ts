/**
 * Loads the synthetic demo data once, on the first start of an empty database — the shared record's
 * patients and care team, then each module's own (its seedDemo is idempotent) — and the demo accounts.
 */
import { seedDemoAccounts } from './auth/index.ts';
import { buildDemoBundle, DEMO_MARKER, DEMO_MARKER_SYSTEM } from './demo/index.ts';
import type { Platform } from './platform.ts';

export async function seedDemoIfEmpty(platform: Platform): Promise<number> {
  const handler = platform.handler;
  const core = await seedCore(handler);
  let modules = 0;
  for (const module of platform.modules.list)
    modules += (await module.seedDemo?.(platform.modules.context)) ?? 0;
  return core + modules;
}

async function seedCore(handler: Platform['handler']): Promise<number> {
  const marker = await handler.store.search('Organization', [
    ['identifier', `${DEMO_MARKER_SYSTEM}|${DEMO_MARKER}`],
  ]);
  if (marker.matches.length > 0) {
    await seedDemoAccounts(handler.store); // a database seeded before demo accounts existed gets them too
    return 0;
  }
  const bundle = buildDemoBundle();
  const res = await handler.handle({ method: 'POST', path: '/', query: [], headers: {}, body: bundle });
  if (res.status !== 200) throw new Error(`demo data was refused: ${JSON.stringify(res.body).slice(0, 500)}`);
  await seedDemoAccounts(handler.store);
  return bundle.entry?.length ?? 0;
}
