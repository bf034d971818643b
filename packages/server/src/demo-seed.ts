/** Loads the synthetic demo data once, on the first start of an empty database, and the demo accounts. */
import type { FhirRestHandler } from '@sahti/fhir';
import { seedDemoAccounts } from './auth/index.ts';
import { buildDemoBundle, DEMO_MARKER, DEMO_MARKER_SYSTEM } from './demo/index.ts';

export async function seedDemoIfEmpty(handler: FhirRestHandler): Promise<number> {
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
