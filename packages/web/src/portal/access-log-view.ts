/**
 * A line of the access log as a patient should read it: who (and in what role), did what
 * (looked, added, changed, deleted), to which parts of the record, why, and whether it was an
 * emergency access. Pure.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import type { AccessLogEntry } from '../api/access.ts';
import { personName } from '../fhir/display.ts';

export type AccessKind = 'view' | 'add' | 'change' | 'delete' | 'signIn';

export interface AccessLine {
  /** The name the audit recorded (the account's display name, in Latin letters for staff). */
  name: string;
  /** `Practitioner/12`… when the actor has a resource: the name to show is read from it. */
  reference?: string;
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
  const reference = typeof entry.who === 'string' ? undefined : entry.who.reference;
  return {
    name: who.display,
    ...(reference ? { reference } : {}),
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

/**
 * The practitioners an access log names, each once: the audit keeps the display name of the moment
 * (never rewritten); the directory, which a patient may read, has the Arabic form of the name.
 */
export function practitionerReferences(entries: AccessLogEntry[]): string[] {
  const refs = entries.map((e) => (typeof e.who === 'string' ? undefined : e.who.reference));
  return [...new Set(refs.filter((r): r is string => Boolean(r?.startsWith('Practitioner/'))))].sort();
}

/** The actor's name in the reader's script when their resource is at hand, else as recorded. */
export function actorName(
  recorded: string,
  practitioner: Pick<Practitioner, 'name'> | undefined,
  language: string,
): string {
  return (practitioner && personName(practitioner.name, language)) || recorded;
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
