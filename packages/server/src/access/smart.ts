/**
 * SMART on FHIR scopes applied to one request: what the token (or session) was granted, in the
 * context its principal acts in — `patient/` for a patient, `user/` for staff (and patients acting
 * as themselves), `system/` for system clients. An allow-list: nothing is permitted that no scope
 * names. Parsing is cached per scope string.
 */
import {
  type Interaction as Permission,
  parseScopes,
  type ScopeContext,
  type Scopes,
  scopeAllows,
} from '../auth/scopes.ts';
import type { Principal } from '../kernel/principal.ts';

export type { Permission };

const parsed = new Map<string, Scopes>();

function scopesOf(principal: Principal): Scopes {
  const key = principal.scopes.join(' ');
  let scopes = parsed.get(key);
  if (!scopes) {
    scopes = parseScopes(key);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(key, scopes);
  }
  return scopes;
}

export function contextsOf(principal: Principal): ScopeContext[] {
  if (principal.kind === 'system') return ['system'];
  if (principal.kind === 'patient') return ['patient', 'user'];
  return ['user'];
}

/** Whether the granted scopes permit `permission` on `type` (`*` for whole-system interactions). */
export function scopePermits(principal: Principal, type: string, permission: Permission): boolean {
  const scopes = scopesOf(principal);
  return contextsOf(principal).some((context) => {
    if (type !== '*') return scopeAllows(scopes, context, type, permission);
    return scopes.resources.some(
      (s) =>
        s.context === context &&
        s.resourceType === '*' &&
        s.query === undefined &&
        s.interactions.has(permission),
    );
  });
}

/**
 * Types the scopes let this principal read or search (what the engine's read scope keeps rows of);
 * undefined when every type is. Each interaction is still checked for its own permission.
 */
export function readableTypes(principal: Principal): string[] | undefined {
  const scopes = scopesOf(principal);
  const contexts = contextsOf(principal);
  const usable = scopes.resources.filter(
    (s) =>
      contexts.includes(s.context) &&
      s.query === undefined &&
      (s.interactions.has('read') || s.interactions.has('search')),
  );
  if (usable.some((s) => s.resourceType === '*')) return undefined;
  return [...new Set(usable.map((s) => s.resourceType))];
}
