/**
 * A line of the access log as a patient should read it: who (and in what role), did what
 * (looked, added, changed, deleted), to which parts of the record, why, and whether it was an
 * emergency access. Pure.
 */
import type { AccessLogEntry } from '../api/access.ts';

export type AccessKind = 'view' | 'add' | 'change' | 'delete' | 'signIn';

export interface AccessLine {
  name: string;
  /** A machine client (another system, no person behind it): its client id, shown as such. */
  app?: string;
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
  // a system client is its own requestor: the audit names it by its client id only
  const app =
    entry.client &&
    typeof entry.who !== 'string' &&
    !entry.who.reference &&
    entry.who.display === entry.client
      ? entry.client
      : undefined;
  const signIn = /^log\s?in$/i.test(entry.interaction ?? '');
  const purpose = typeof entry.purpose === 'string' ? entry.purpose : entry.purpose?.display;
  return {
    name: who.display,
    ...(app ? { app } : {}),
    self: who.self,
    roles: who.roles.filter(Boolean),
    kind: signIn ? 'signIn' : (KINDS[entry.action ?? 'R'] ?? 'view'),
    types,
    ...(purpose ? { purpose } : {}),
    breakGlass: entry.breakGlass,
    ...(entry.breakGlassReason ? { reason: entry.breakGlassReason } : {}),
    refused: entry.outcome === 'failure',
  };
}

export interface AccessItem {
  key: string;
  /** ISO instant of the latest access the item stands for. */
  when: string;
  line: AccessLine;
}

/** One opening of a chart writes several events (identity, search, reads): read them as one visit. */
export const VISIT_WINDOW_MS = 15 * 60_000;

/**
 * Folds neighbouring lines (the log is newest first) of the same actor doing the same kind of thing
 * within `VISIT_WINDOW_MS` of the visit's latest line into one, listing each part once. An
 * emergency access or a refusal never merges with an ordinary line, so it keeps its own line.
 */
export function groupVisits(items: AccessItem[], windowMs = VISIT_WINDOW_MS): AccessItem[] {
  const out: AccessItem[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (last && sameVisit(last, item, windowMs)) {
      const types = [...new Set([...last.line.types, ...item.line.types])];
      out[out.length - 1] = {
        ...last,
        line: {
          ...last.line,
          types,
          ...(last.line.reason || !item.line.reason ? {} : { reason: item.line.reason }),
        },
      };
    } else out.push(item);
  }
  return out;
}

function sameVisit(visit: AccessItem, item: AccessItem, windowMs: number): boolean {
  const a = visit.line;
  const b = item.line;
  const gap = Math.abs(Date.parse(visit.when) - Date.parse(item.when));
  return (
    a.name === b.name &&
    a.self === b.self &&
    a.app === b.app &&
    a.kind === b.kind &&
    a.kind !== 'signIn' &&
    a.breakGlass === b.breakGlass &&
    a.refused === b.refused &&
    a.purpose === b.purpose &&
    Number.isFinite(gap) &&
    gap <= windowMs
  );
}
