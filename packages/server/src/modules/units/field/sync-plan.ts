/**
 * How a field device's sync bundle is prepared before it runs as one FHIR transaction. Pure.
 *
 * The device sends a transaction Bundle whose new records are conditional creates on their
 * field-record identifier (`If-None-Exist: identifier=<field-record>|<uuid>`) and whose edits of
 * records it downloaded carry `If-Match` with the version it read. Before running it:
 *  - records that already exist (a replay: the answer of a previous sync was lost, or the sync was
 *    cut after its commit) are taken out and references to them point at what exists — one lookup
 *    for the whole bundle instead of a search per entry, and the unique key on field records
 *    (hooks.ts) still refuses a duplicate should two syncs race;
 *  - edits whose record changed since the device read it are conflicts: taken out, never written,
 *    shown to the team with the current version for review;
 *  - a new Patient whose CNIE already names someone in Sahti is deferred, with everything that
 *    refers to it: the team confirms the person's presence (CNIE + code) and links the visit.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { FIELD_RECORD_SYSTEM } from '../terms.ts';

export interface EntryResult {
  /** The device's fullUrl (urn:uuid:…) or the edited reference. */
  key: string;
  status: 'created' | 'existing' | 'updated' | 'conflict' | 'deferred';
  reference?: string;
  version?: string;
  reason?: string;
  /** conflict: the version the device read and the current one. */
  yourVersion?: string;
  currentVersion?: string;
}

export interface PreparedSync {
  bundle: Bundle;
  /** Index in `bundle.entry` → the key of the device's entry. */
  keys: string[];
  results: EntryResult[];
}

export interface SyncFacts {
  /** Field-record value → `Type/id` of what exists. */
  existing: Map<string, string>;
  /** `Type/id` → current version, for entries with If-Match (absent: unknown or hidden to the caller). */
  versions: Map<string, string | undefined>;
  /** CNIE values already held by a live Patient. */
  takenCnie: Set<string>;
  cnieSystem: string;
}

const FR_CONDITION = `identifier=${FIELD_RECORD_SYSTEM}|`;

export function fieldRecordOf(entry: BundleEntry): string | undefined {
  const cond = entry.request?.ifNoneExist;
  if (entry.request?.method !== 'POST' || !cond?.startsWith(FR_CONDITION)) return undefined;
  return cond.slice(FR_CONDITION.length);
}

export const editedReference = (entry: BundleEntry): string | undefined =>
  entry.request?.method === 'PUT' && entry.request.ifMatch ? entry.request.url.split('?')[0] : undefined;

/**
 * What a sync may carry: a new record as a conditional create on its field-record identifier, and
 * an edit as a PUT with If-Match of the version the device read. Anything else — a PUT without
 * If-Match (it would overwrite what changed elsewhere, or create a record under an id of the
 * sender's choosing), a PATCH, a DELETE, a POST a replay would duplicate — is refused, naming it.
 */
export function requestProblems(bundle: Bundle): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    const key = e.fullUrl ?? `entry/${i}`;
    const method = e.request?.method;
    if (method === 'POST' && fieldRecordOf(e)) {
      const value = fieldRecordOf(e);
      const carried = (e.resource as { identifier?: { system?: string; value?: string }[] } | undefined)
        ?.identifier;
      if (!carried?.some((id) => id.system === FIELD_RECORD_SYSTEM && id.value === value))
        out.push({
          field: `${key}.request.ifNoneExist`,
          message: 'The record carries the field-record identifier of its condition',
        });
      return;
    }
    if (
      method === 'PUT' &&
      e.request?.ifMatch?.trim() &&
      /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(e.request.url ?? '')
    )
      return;
    out.push({
      field: `${key}.request`,
      message:
        method === 'PUT'
          ? 'An edit names the record (Type/id) and carries If-Match with the version the device read'
          : `A sync carries new records (POST with If-None-Exist: identifier=${FIELD_RECORD_SYSTEM}|<uuid>) and edits (PUT with If-Match)`,
    });
  });
  return out;
}

const versionOf = (ifMatch: string) => /^(?:W\/)?"?([^"]*)"?$/.exec(ifMatch.trim())?.[1] ?? ifMatch;

/** Every reference string inside a resource. */
function referencesIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) referencesIn(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

function rewrite<T>(node: T, map: Map<string, string>): T {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, map)) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === 'reference' && typeof v === 'string' && map.has(v) ? map.get(v) : rewrite(v, map);
    }
    return out as T;
  }
  return node;
}

export function prepareSync(input: Bundle, facts: SyncFacts): PreparedSync {
  const entries = input.entry ?? [];
  const results: EntryResult[] = [];
  const mapped = new Map<string, string>();
  const dropped = new Set<number>();
  const keyOf = (e: BundleEntry, i: number) => e.fullUrl ?? editedReference(e) ?? `entry/${i}`;

  entries.forEach((e, i) => {
    const fr = fieldRecordOf(e);
    const found = fr ? facts.existing.get(fr) : undefined;
    if (found) {
      dropped.add(i);
      if (e.fullUrl) mapped.set(e.fullUrl, found);
      results.push({ key: keyOf(e, i), status: 'existing', reference: found });
      return;
    }
    const edited = editedReference(e);
    if (edited) {
      const current = facts.versions.get(edited);
      const yours = versionOf(e.request?.ifMatch as string);
      if (current !== yours) {
        dropped.add(i);
        results.push({
          key: keyOf(e, i),
          status: 'conflict',
          reference: edited,
          yourVersion: yours,
          ...(current ? { currentVersion: current } : {}),
          reason: current
            ? 'Changed elsewhere since this device read it: review both versions'
            : 'No longer visible to you, or deleted',
        });
      }
      return;
    }
    const resource = e.resource as Resource & { identifier?: { system?: string; value?: string }[] };
    if (
      e.request?.method === 'POST' &&
      resource?.resourceType === 'Patient' &&
      resource.identifier?.some(
        (id) => id.system === facts.cnieSystem && id.value && facts.takenCnie.has(id.value),
      )
    ) {
      dropped.add(i);
      results.push({
        key: keyOf(e, i),
        status: 'deferred',
        reason:
          'This CNIE number already has a Sahti record: confirm the person’s presence (CNIE + code), then link the visit',
      });
    }
  });

  // whatever refers to a deferred or conflicting new record waits with it (to a fixed point)
  const waiting = new Set(
    [...dropped]
      .map((i) => entries[i].fullUrl)
      .filter((u): u is string => Boolean(u) && !mapped.has(u as string)),
  );
  for (let changed = true; changed; ) {
    changed = false;
    entries.forEach((e, i) => {
      if (dropped.has(i)) return;
      if (referencesIn(e.resource).some((r) => waiting.has(r))) {
        dropped.add(i);
        if (e.fullUrl) waiting.add(e.fullUrl);
        results.push({ key: keyOf(e, i), status: 'deferred', reason: 'Waits for a record it refers to' });
        changed = true;
      }
    });
  }

  const kept: BundleEntry[] = [];
  const keys: string[] = [];
  entries.forEach((e, i) => {
    if (dropped.has(i)) return;
    const { ifNoneExist: _checked, ...request } = e.request ?? ({} as NonNullable<BundleEntry['request']>);
    kept.push({
      ...e,
      ...(e.resource ? { resource: rewrite(e.resource, mapped) } : {}),
      request: fieldRecordOf(e) ? request : (e.request as NonNullable<BundleEntry['request']>),
    });
    keys.push(keyOf(e, i));
  });
  return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: kept }, keys, results };
}

/** The identifiers and edited references a bundle names, for the lookups before prepareSync. */
export function syncLookups(
  input: Bundle,
  cnieSystem: string,
): { fieldRecords: string[]; edited: string[]; cnie: string[] } {
  const fieldRecords: string[] = [];
  const edited: string[] = [];
  const cnie: string[] = [];
  for (const e of input.entry ?? []) {
    const fr = fieldRecordOf(e);
    if (fr) fieldRecords.push(fr);
    const ed = editedReference(e);
    if (ed) edited.push(ed);
    const r = e.resource as Resource & { identifier?: { system?: string; value?: string }[] };
    if (e.request?.method === 'POST' && r?.resourceType === 'Patient')
      for (const id of r.identifier ?? []) if (id.system === cnieSystem && id.value) cnie.push(id.value);
  }
  return { fieldRecords, edited, cnie };
}
