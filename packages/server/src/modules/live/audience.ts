/**
 * Who hears of a committed write on the live feed, decided per connected user from the same read
 * scope the engine compiles into their queries — cheaply, without a query for almost every event:
 * the event's patients against the user's visible patients, directory types to everyone signed in,
 * and a database look only for resources addressed to them (a referral Task to a specialist).
 * Pure, except where the answer is 'ask'.
 */
import type { ReadScope } from '@sahti/fhir';

export type Audience = 'send' | 'skip' | 'ask';

export interface LiveEventFacts {
  resourceType: string;
  patients: readonly string[];
}

export function audience(
  event: LiveEventFacts,
  scope: ReadScope | undefined,
  visible: ReadonlySet<string> | 'all',
): Audience {
  if (!scope) return 'send'; // no restriction at all (access control off)
  const type = event.resourceType;
  if (scope.types && !scope.types.includes(type)) return 'skip';
  if (visible === 'all' || scope.patients === 'all') return 'send';
  if (scope.anyPatient?.includes(type)) return 'send';
  if (event.patients.length === 0) {
    if (scope.shared.includes(type)) return 'send';
  } else if (event.patients.some((p) => visible.has(p))) return 'send';
  if (scope.addressed?.params.some(([t]) => t === type) && scope.addressed.actors.length > 0) return 'ask';
  return 'skip';
}

/** `Practitioner/…` and `Organization/…` references anywhere in a resource (relative or absolute). */
export function actorReferences(resource: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'reference' && typeof v === 'string') {
          const m =
            /(?:^|\/)((?:Practitioner|Organization)\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(v);
          if (m) found.add(m[1]);
        } else walk(v);
      }
  };
  walk(resource);
  return found;
}
