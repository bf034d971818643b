/**
 * How an AuditEvent is stored: in two parts. Its **context** — everything but its entities and its
 * instant: the agents (who, from which client and address, why), the source, the kind of
 * interaction and how it ended — is the same in all the reads a clinician makes from one session and
 * in the twenty events of a page of patients (BALP, one per patient); it is stored once, in
 * `audit_context`, under the SHA-256 of its canonical text. The event's row keeps **its own part**
 * (`entity`, `recorded`) and that digest.
 *
 * What the chain hashes did not change: the canonical text of the whole event (chain.ts), its members
 * written once here and joined both ways. Reading merges the two parts back (the `audit_trail` view,
 * migration 1104), and verification hashes the merged event, so editing a context breaks the hash of
 * every event that uses it. Rows written before migration 1104 have no context and the whole event
 * in `content`; both kinds are read the same way.
 *
 * Why: a whole event (2.6 kB for a page's event, 2 kB for a read's) passed PostgreSQL's ~2 kB
 * threshold and was compressed row by row — most of the INSERT's cost; its own part (0.5–1 kB) is
 * stored as it is (docs/performance.md, *An AuditEvent's context stored once*).
 */
import { createHash } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { type CanonicalMember, canonicalMembers, flat, joinMembers } from './chain.ts';

/** The members an event keeps in its own row; all the others are its context. */
const OWN_KEYS: readonly string[] = ['entity', 'recorded']; // in canonical order
export const OWN_MEMBERS: ReadonlySet<string> = new Set(OWN_KEYS);

export interface StoredForm {
  /** Canonical text of the whole event: what the chain hashes. */
  whole: string;
  /** Canonical text of the event's own members: `audit_event.content`. */
  own: string;
  /** Canonical text of the rest: `audit_context.content`. */
  context: string;
  /** SHA-256 of `context`, base64url: `audit_event.context`, `audit_context.digest`. */
  digest: string;
}

/** A context's part of the stored form: its members' texts, their canonical text, its digest. */
interface ContextForm {
  members: readonly CanonicalMember[];
  text: string;
  digest: string;
}

/** The form of each frozen context events were built on, written once for all of them. */
const contextForms = new WeakMap<object, ContextForm>();
/** The context each event of buildAuditEvents is made of (its members but `entity` and `recorded`). */
const contexts = new WeakMap<AuditEvent, object>();

/**
 * Records that `event` is `context`'s members and its own (`entity`, `recorded`) — the context
 * deeply frozen, the event never changed afterwards (event.ts buildAuditEvents) — so that the
 * writer takes the context's texts and digest as written for the first event built on it: a
 * clinician's reads all session share one (docs/performance.md, *An AuditEvent's texts written flat*).
 */
export function builtOn<T extends AuditEvent>(event: T, context: object): T {
  contexts.set(event, context);
  return event;
}

/**
 * The event's three texts and its context's digest. `memo` keeps the text of frozen members (shared
 * codes and contexts: chain.ts canonicalJson); `digests` the digest of each context text already
 * hashed (a batch's events share a few contexts).
 */
export function storedForm(
  event: AuditEvent,
  memo: Map<object, string>,
  digests: Map<string, string>,
): StoredForm {
  const context = contexts.get(event);
  if (context !== undefined) return formOnContext(event, contextForm(context), memo, digests);
  const members = canonicalMembers(event as unknown as Record<string, unknown>, memo);
  const own: CanonicalMember[] = [];
  const shared: CanonicalMember[] = [];
  for (const member of members) (OWN_MEMBERS.has(member[0]) ? own : shared).push(member);
  const text = joinMembers(shared);
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = sha256(text);
    digests.set(text, digest);
  }
  return { whole: joinMembers(members), own: joinMembers(own), context: text, digest };
}

function formOnContext(
  event: AuditEvent,
  context: ContextForm,
  memo: Map<object, string>,
  digests: Map<string, string>,
): StoredForm {
  const own = canonicalMembers(event as unknown as Record<string, unknown>, memo, OWN_KEYS);
  // both lists in canonical order: merged, they are the whole event's
  const members: CanonicalMember[] = [];
  let i = 0;
  for (const member of context.members) {
    while (i < own.length && own[i][0] < member[0]) members.push(own[i++]);
    members.push(member);
  }
  while (i < own.length) members.push(own[i++]);
  digests.set(context.text, context.digest);
  return {
    whole: joinMembers(members),
    own: joinMembers(own),
    context: context.text,
    digest: context.digest,
  };
}

function contextForm(context: object): ContextForm {
  let form = contextForms.get(context);
  if (form === undefined) {
    const members = canonicalMembers(context as Record<string, unknown>)
      .filter(([key]) => !OWN_MEMBERS.has(key))
      .map(([key, text]): CanonicalMember => [key, flat(text)]);
    const text = flat(joinMembers(members));
    form = { members, text, digest: sha256(text) };
    contextForms.set(context, form);
  }
  return form;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/** A json column as the driver gives it: parsed already (pg, PGlite), or its text. */
export const parsedJson = <T>(value: T | string): T =>
  typeof value === 'string' ? JSON.parse(value) : value;
