/**
 * The access decision for one classified request (and for each bundle entry): the role's matrix,
 * the token's SMART scopes and, for aggregate-only roles, the aggregate rules — all read from the
 * engine's RouteMatch (interaction, type, parsed search), never from the raw query string. The
 * rows a request may touch are decided separately, in SQL (scope.ts) and in the write guard.
 */
import { FhirError, outcome, type RouteMatch } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { aggregateMatchProblem } from './aggregate.ts';
import { isAggregateOnly, roleMayRead, roleMayWrite } from './policy.ts';
import { type Permission, scopePermits } from './smart.ts';

const forbidden = (text: string): FhirError => new FhirError(403, outcome('error', 'forbidden', text));

/** The SMART permission a classified request needs, or undefined when it touches no stored data. */
export function permissionFor(match: RouteMatch): Permission | undefined {
  switch (match.interaction) {
    case 'read':
    case 'vread':
      return 'read';
    case 'history':
      return match.level === 'instance' ? 'read' : 'search';
    case 'search':
      return 'search';
    case 'create':
      return 'create';
    case 'update':
    case 'patch':
      return 'update';
    case 'delete':
      return 'delete';
    case 'operation': {
      const effect = match.operation?.effect;
      return effect === 'none' ? undefined : effect;
    }
    default:
      return undefined;
  }
}

const WRITES = new Set<Permission>(['create', 'update', 'delete']);

export function authorizeRequest(principal: Principal, match: RouteMatch): void {
  // a bundle is decided entry by entry; the capability statement is public
  if (
    match.interaction === 'batch' ||
    match.interaction === 'transaction' ||
    match.interaction === 'capabilities'
  )
    return;
  const type = match.resourceType ?? '*';
  const permission = permissionFor(match);
  if (!permission) return;
  if (isAggregateOnly(principal)) {
    const problem = aggregateMatchProblem(match);
    if (problem) throw forbidden(problem);
  } else if (WRITES.has(permission)) {
    const verdict = roleMayWrite(principal, type);
    if (!verdict.allowed) throw forbidden(verdict.reason);
  } else {
    const verdict = roleMayRead(principal, type);
    if (!verdict.allowed) throw forbidden(verdict.reason);
  }
  if (!scopePermits(principal, type, permission)) {
    throw forbidden(
      `The access token does not grant ${permission} on ${type === '*' ? 'all resource types' : type}`,
    );
  }
}
