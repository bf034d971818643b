/** Loads the synthetic demo data once, on the first start of an empty database. */
import type { FhirRestHandler } from '@sahti/fhir';
import { buildDemoBundle, DEMO_MARKER, DEMO_MARKER_SYSTEM } from './demo/index.ts';

export async function seedDemoIfEmpty(handler: FhirRestHandler): Promise<number> {
  const marker = await handler.store.search('Organization', [['identifier', `${DEMO_MARKER_SYSTEM}|${DEMO_MARKER}`]]);
  if (marker.matches.length > 0) return 0;
  const bundle = buildDemoBundle();
  const res = await handler.handle({ method: 'POST', path: '/', query: [], headers: {}, body: bundle });
  if (res.status !== 200) throw new Error(`demo data was refused: ${JSON.stringify(res.body).slice(0, 500)}`);
  return bundle.entry?.length ?? 0;
}
