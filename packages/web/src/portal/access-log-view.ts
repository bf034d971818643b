/**
 * A line of the access log as a patient should read it: who (and in what role), did what
 * (looked, added, changed, deleted), to which parts of the record, why, and whether it was an
 * emergency access. Pure.
 */
import type { AccessLogEntry } from '../api/access.ts';

export type AccessKind = 'view' | 'add' | 'change' | 'delete';

export interface AccessLine {
  name: string;
  self: boolean;
  roles: string[];
  kind: AccessKind;
  /** Resource types touched, each once, in order of appearance (Observation, Condition…). */
  types: string[];
  purpose?: string;
  breakGlass: boolean;
  reason?: string;
  refused: boolean;
}

const KINDS: Record<string, AccessKind> = { C: 'add', R: 'view', E: 'view', U: 'change', D: 'delete' };

export function accessLine(entry: AccessLogEntry): AccessLine {
  const who =
    typeof entry.who === 'string'
      ? { display: entry.who, self: false, roles: entry.role ? [entry.role] : [] }
      : { display: entry.who.display, self: entry.who.self === true, roles: entry.who.roles ?? [] };
  const types = [
    ...new Set(
      (entry.what ?? [])
        .map((w) => /^([A-Z][A-Za-z]+)(?:\/|$)/.exec(w)?.[1])
        .filter((t): t is string => Boolean(t)),
    ),
  ];
  const purpose = typeof entry.purpose === 'string' ? entry.purpose : entry.purpose?.display;
  return {
    name: who.display,
    self: who.self,
    roles: who.roles.filter(Boolean),
    kind: KINDS[entry.action ?? 'R'] ?? 'view',
    types,
    ...(purpose ? { purpose } : {}),
    breakGlass: entry.breakGlass,
    ...(entry.breakGlassReason ? { reason: entry.breakGlassReason } : {}),
    refused: entry.outcome === 'failure',
  };
}
