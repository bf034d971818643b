/**
 * SMART on FHIR scopes as a pure structure. Both versions are read:
 *   v1  `patient/*.read`, `user/*.*`, `system/Observation.write`   (read = r+s, write = c+u+d)
 *   v2  `patient/Observation.rs`, `user/*.cruds`                   (letters in the order c r u d s)
 * A v2 scope with a query (`patient/Observation.rs?category=…`) is parsed but grants nothing until
 * such conditions are enforced: granting it as if unconditioned would give more than was asked.
 */
import type { Role } from '../kernel/principal.ts';

export type ScopeContext = 'patient' | 'user' | 'system';
export type Interaction = 'create' | 'read' | 'update' | 'delete' | 'search';

export interface ResourceScope {
  /** The scope as written. */
  text: string;
  context: ScopeContext;
  /** A resource type, or `*` for every type. */
  resourceType: string;
  interactions: ReadonlySet<Interaction>;
  query?: string;
}

export interface Scopes {
  resources: ResourceScope[];
  /** Scopes that are not about resources: openid, fhirUser, launch/patient, offline_access… */
  other: string[];
  /** Words that look like resource scopes but are malformed (ignored, reported for errors). */
  invalid: string[];
}

const LETTERS: ReadonlyArray<readonly [string, Interaction]> = [
  ['c', 'create'],
  ['r', 'read'],
  ['u', 'update'],
  ['d', 'delete'],
  ['s', 'search'],
];
const V1: Record<string, Interaction[]> = {
  read: ['read', 'search'],
  write: ['create', 'update', 'delete'],
  '*': ['create', 'read', 'update', 'delete', 'search'],
};
const RESOURCE_SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]*)\.([a-z*]+)(\?.+)?$/;
const V2_LETTERS = /^c?r?u?d?s?$/;
const OTHER_SCOPES = new Set([
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'offline_access',
  'online_access',
]);

export function parseScopes(scope: string): Scopes {
  const result: Scopes = { resources: [], other: [], invalid: [] };
  for (const word of new Set(scope.split(/\s+/).filter(Boolean))) {
    const m = RESOURCE_SCOPE.exec(word);
    if (!m) {
      (OTHER_SCOPES.has(word) ? result.other : result.invalid).push(word);
      continue;
    }
    const [, context, resourceType, permissions, query] = m;
    let interactions: Interaction[] | undefined;
    if (!query && permissions in V1) interactions = V1[permissions];
    else if (V2_LETTERS.test(permissions) && permissions !== '') {
      interactions = LETTERS.filter(([letter]) => permissions.includes(letter)).map(([, i]) => i);
    }
    if (!interactions) result.invalid.push(word);
    else {
      result.resources.push({
        text: word,
        context: context as ScopeContext,
        resourceType,
        interactions: new Set(interactions),
        ...(query ? { query: query.slice(1) } : {}),
      });
    }
  }
  return result;
}

/** Whether the scopes let `kind` perform `interaction` on `resourceType`. */
export function scopeAllows(
  scopes: Scopes | readonly string[],
  kind: ScopeContext,
  resourceType: string,
  interaction: Interaction,
): boolean {
  const parsed = Array.isArray(scopes) ? parseScopes(scopes.join(' ')) : (scopes as Scopes);
  return parsed.resources.some(
    (s) =>
      s.context === kind &&
      s.query === undefined &&
      (s.resourceType === '*' || s.resourceType === resourceType) &&
      s.interactions.has(interaction),
  );
}

const sameScope = (a: ResourceScope, b: ResourceScope) =>
  a.context === b.context &&
  a.resourceType === b.resourceType &&
  a.query === b.query &&
  a.interactions.size === b.interactions.size &&
  [...a.interactions].every((i) => b.interactions.has(i));

/** The scope as worded by one of `originals` when it is one of them, else as v2 text (`user/Observation.rs`). */
function formatResourceScope(scope: ResourceScope, ...originals: ResourceScope[]): string {
  const same = originals.find((o) => sameScope(o, scope));
  if (same) return same.text;
  const letters = LETTERS.filter(([, i]) => scope.interactions.has(i))
    .map(([l]) => l)
    .join('');
  return `${scope.context}/${scope.resourceType}.${letters}${scope.query ? `?${scope.query}` : ''}`;
}

/** What both `requested` and `allowed` permit, worded as either says it where one does. */
export function intersectScopes(requested: Scopes, allowed: Scopes): Scopes {
  const resources = new Map<string, ResourceScope>();
  for (const r of requested.resources) {
    for (const a of allowed.resources) {
      if (a.context !== r.context) continue;
      const resourceType = r.resourceType === '*' ? a.resourceType : r.resourceType;
      if (a.resourceType !== '*' && a.resourceType !== resourceType) continue;
      if (r.query && a.query && r.query !== a.query) continue;
      const interactions = new Set([...r.interactions].filter((i) => a.interactions.has(i)));
      if (interactions.size === 0) continue;
      const narrowed: ResourceScope = { text: '', context: r.context, resourceType, interactions };
      const query = r.query ?? a.query;
      if (query) narrowed.query = query;
      narrowed.text = formatResourceScope(narrowed, r, a);
      resources.set(narrowed.text, narrowed);
    }
  }
  return {
    resources: withoutSubsumed([...resources.values()]),
    other: requested.other.filter((o) => allowed.other.includes(o)),
    invalid: [],
  };
}

/** Drops scopes that another one in the list already covers (`user/*.rs` beside `user/*.cruds`). */
function withoutSubsumed(scopes: ResourceScope[]): ResourceScope[] {
  const covers = (t: ResourceScope, s: ResourceScope) =>
    t.context === s.context &&
    t.query === s.query &&
    (t.resourceType === '*' || t.resourceType === s.resourceType) &&
    [...s.interactions].every((i) => t.interactions.has(i));
  return scopes.filter((s, i) => !scopes.some((t, j) => j !== i && covers(t, s) && (!covers(s, t) || j < i)));
}

export function formatScopes(scopes: Scopes): string {
  return [...scopes.resources.map((s) => s.text), ...scopes.other].join(' ');
}

/**
 * The most each role may be granted. Patients act in their own compartment; clinicians in the
 * name of the user (the access layer narrows to care relations and consent); the programme
 * manager reads (indicators); the pharmacist reads the directory and records dispensings through
 * the prescription routes, never a record. Apps launched for a patient by a clinician are not supported yet.
 */
export const ROLE_SCOPES: Record<Role, string> = {
  patient: 'patient/*.cruds',
  doctor: 'user/*.cruds',
  nurse: 'user/*.cruds',
  'unit-assistant': 'user/*.cruds',
  'hub-specialist': 'user/*.cruds',
  'dialysis-coordinator': 'user/*.cruds',
  'programme-manager': 'user/*.rs',
  pharmacist: 'user/*.rs',
  administrator: 'user/*.cruds',
};

const USER_OTHER_SCOPES = 'openid fhirUser profile launch/patient offline_access online_access';

/** The ceiling for a person with these roles: the union of their role scopes, plus identity scopes. */
export function roleCeiling(roles: readonly Role[]): Scopes {
  return parseScopes([...roles.map((r) => ROLE_SCOPES[r]), USER_OTHER_SCOPES].join(' '));
}
