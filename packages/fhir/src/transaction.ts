/**
 * Transaction bundles: all or nothing. Entries are checked first (nothing is read before the whole
 * bundle is known valid), then inside one database transaction conditionals and `urn:uuid:` /
 * conditional references are resolved, and the new versions are built and written in set-based
 * statements of WRITE_CHUNK versions each; the write hooks and unique identifiers are judged on the
 * whole bundle once it is written.
 */

import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { isResourceType } from './definitions.ts';
import { badRequest, FhirError, fail, shown } from './outcome.ts';
import { applyJsonPatch } from './patch.ts';
import { ID_PATTERN } from './references.ts';
import type { SqlExecutor } from './sql.ts';
import { noteWrites } from './statistics.ts';
import type { FhirStore } from './store.ts';
import { turnEvery, turnToEventLoop } from './turns.ts';
import { hasErrors, validationOutcome } from './validate.ts';
import {
  assertIdKeepsCompartment,
  type CurrentVersion,
  deletionVersion,
  lockCurrent,
  newId,
  nowInstant,
  stampedVersion,
} from './versions.ts';
import { type NewVersion, WRITE_CHUNK, writeVersions } from './write.ts';

export const MAX_BUNDLE_ENTRIES = 20_000;
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

export interface EntryTarget {
  index: number;
  method: string;
  type: string;
  id?: string;
  query?: string;
  entry: BundleEntry;
}

/** Reads `request.method` + `request.url` of a bundle entry (relative to the FHIR base). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** What is wrong with the JSON shape of a bundle entry, if anything (before any of it is used). */
export function entryShapeProblem(entry: unknown, index: number): string | undefined {
  const at = `Bundle.entry[${index}]`;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return `${at} must be an object`;
  const e = entry as Record<string, unknown>;
  const request = e.request as Record<string, unknown> | undefined;
  if (!request || typeof request !== 'object' || Array.isArray(request))
    return `${at}.request must be an object`;
  if (typeof request.method !== 'string' || !METHODS.includes(request.method))
    return `${at}.request.method must be one of ${METHODS.join(', ')}`;
  if (typeof request.url !== 'string' || request.url === '')
    return `${at}.request.url must be a non-empty string`;
  for (const k of ['ifNoneExist', 'ifMatch', 'ifNoneMatch', 'ifModifiedSince']) {
    if (request[k] !== undefined && typeof request[k] !== 'string')
      return `${at}.request.${k} must be a string`;
  }
  if (e.fullUrl !== undefined && typeof e.fullUrl !== 'string') return `${at}.fullUrl must be a string`;
  if (
    e.resource !== undefined &&
    (!e.resource || typeof e.resource !== 'object' || Array.isArray(e.resource))
  ) {
    return `${at}.resource must be a resource object`;
  }
  return undefined;
}

export function entryTarget(entry: BundleEntry, index: number, baseUrl: string): EntryTarget {
  const problem = entryShapeProblem(entry, index);
  if (problem) badRequest(problem, [`Bundle.entry[${index}]`]);
  const method = entry.request?.method;
  let url = entry.request?.url;
  if (!method || !url)
    badRequest(`Bundle.entry[${index}].request needs a method and a url`, [`Bundle.entry[${index}].request`]);
  if (url!.startsWith(`${baseUrl}/`)) url = url!.slice(baseUrl.length + 1);
  const [path, query] = url!.split('?');
  const [type, id, ...rest] = path.split('/').filter(Boolean);
  if (!type || !isResourceType(type))
    badRequest(`Bundle.entry[${index}].request.url names no known resource type: "${url}"`);
  if (id !== undefined && !id.startsWith('$') && !ID_PATTERN.test(id))
    badRequest(`Bundle.entry[${index}]: invalid id "${id}"`);
  return {
    index,
    method: method!,
    type,
    id: id && !id.startsWith('$') && rest.length === 0 ? id : undefined,
    query,
    entry,
  };
}

/** One resource a transaction wrote, or found for a conditional create (status 200), for the audit trail. */
export interface TransactionWrite {
  method: string;
  resourceType: string;
  id: string;
  status: number;
  /** Patients of the new version and of the one it replaced. */
  patients: string[];
}

/** GET entries are answered by `read` after the writes have committed, as R4 orders them last. */
export async function runTransaction(
  store: FhirStore,
  bundle: Bundle,
  read: (t: EntryTarget) => Promise<BundleEntry>,
): Promise<{ bundle: Bundle; written: TransactionWrite[] }> {
  const written: TransactionWrite[] = [];
  const entries = bundle.entry ?? [];
  const targets = entries.map((e, i) => entryTarget(e, i, store.baseUrl));
  await checkEntries(targets, store);
  const responses: BundleEntry[] = new Array(entries.length);
  const ordered = [...targets].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
  await store.db.transaction(async (tx) => {
    const now = nowInstant();
    const references = new Map<string, string>();
    const writes: { target: EntryTarget; resource?: Resource; id: string }[] = [];

    for (const [i, t] of ordered.entries()) {
      await turnEvery(i);
      if (t.method === 'POST') {
        // answered as a conditional create of its own: the resource the caller's scoped search
        // found, recorded like a write that found it
        const condition = t.entry.request?.ifNoneExist;
        const match = condition
          ? await store.existingMatch(tx, t.type, condition, `Bundle.entry[${t.index}]: `)
          : undefined;
        const id = match?.resource.id ?? newId();
        if (t.entry.fullUrl) references.set(t.entry.fullUrl, `${t.type}/${id}`);
        if (!match) {
          writes.push({ target: t, resource: t.entry.resource, id });
          continue;
        }
        const { meta } = match.resource;
        written.push({ method: 'POST', resourceType: t.type, id, status: 200, patients: match.patients });
        responses[t.index] = {
          resource: match.resource,
          response: {
            status: '200 OK',
            location: `${t.type}/${id}/_history/${meta?.versionId}`,
            etag: `W/"${meta?.versionId}"`,
            ...(meta?.lastUpdated ? { lastModified: meta.lastUpdated } : {}),
          },
        };
      } else if (t.method === 'PUT' || t.method === 'DELETE' || t.method === 'PATCH') {
        let id = t.id;
        if (!id && t.query) {
          const matches = await store.matchCondition(tx, t.type, t.query);
          if (matches.length > 1)
            fail(
              412,
              'multiple-matches',
              `Bundle.entry[${t.index}]: the condition matched ${matches.length} resources`,
            );
          id = matches[0]?.id ?? (t.method === 'PUT' ? (t.entry.resource?.id ?? newId()) : undefined);
        }
        if (!id) {
          responses[t.index] = { response: { status: '204 No Content' } };
          continue;
        }
        if (t.entry.fullUrl) references.set(t.entry.fullUrl, `${t.type}/${id}`);
        writes.push({ target: t, resource: t.entry.resource, id });
      }
    }

    const current = await lockCurrent(
      tx,
      writes.filter((w) => w.target.method !== 'POST').map((w) => ({ type: w.target.type, id: w.id })),
    );
    const seen = new Set<string>();
    // built and written chunk by chunk: a version's index rows (most of its memory) live until its
    // chunk is written, not until the whole bundle is built; what the checks after the writes need
    // (the resources, what they replaced) is kept
    let chunk: NewVersion[] = [];
    const stored: (Pick<NewVersion, 'resourceType' | 'id'> & { resource?: Resource })[] = [];
    const previous = new Map<string, Resource | undefined>();
    for (const [i, w] of writes.entries()) {
      await turnEvery(i);
      const key = `${w.target.type}/${w.id}`;
      if (seen.has(key))
        badRequest(`Bundle.entry[${w.target.index}]: ${key} is the target of more than one entry`);
      seen.add(key);
      const before = current.get(key);
      const version = await buildVersion(tx, store, w, before, references, now);
      if (!version) {
        responses[w.target.index] = { response: { status: '204 No Content' } };
        continue;
      }
      chunk.push(version);
      stored.push({ resourceType: version.resourceType, id: version.id, resource: version.resource });
      previous.set(
        key,
        before && !before.deleted && before.content ? (JSON.parse(before.content) as Resource) : undefined,
      );
      written.push({
        method: w.target.method,
        resourceType: w.target.type,
        id: w.id,
        status: w.target.method === 'DELETE' ? 204 : version.versionId === 1 ? 201 : 200,
        patients: [...new Set([...(version.compartment ?? []), ...(before?.patients ?? [])])],
      });
      const status =
        w.target.method === 'DELETE' ? '204 No Content' : version.versionId === 1 ? '201 Created' : '200 OK';
      responses[w.target.index] = {
        ...(version.resource ? { resource: version.resource } : {}),
        response: {
          status,
          ...(version.resource
            ? {
                location: `${key}/_history/${version.versionId}`,
                etag: `W/"${version.versionId}"`,
                lastModified: now,
              }
            : {}),
        },
      };
      if (chunk.length === WRITE_CHUNK) {
        await turnToEventLoop(); // other requests between building a chunk and writing it
        await writeVersions(tx, chunk, current, store);
        chunk = [];
      }
    }
    await writeVersions(tx, chunk, current, store);
    // judged on the whole bundle once it is written, inside the same transaction: a hook's refusal
    // or an identifier another resource holds rolls every chunk back. The identifiers' check is
    // as sound after the writes as before them: it takes its locks and reads the other holders
    // then, and the bundle's own resources are compared among themselves, not through the index
    const effect = store.planHooksFor(stored, previous);
    await store.checkUniqueIdentifiers(
      tx,
      stored.flatMap((v) => (v.resource ? [v.resource] : [])),
      previous,
    );
    await effect?.(tx);
  });
  noteWrites(store.db, entries.length);
  for (const t of ordered.filter((x) => x.method === 'GET' || x.method === 'HEAD'))
    responses[t.index] = await read(t);
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction-response', entry: responses } as Bundle,
    written,
  };
}

async function checkEntries(targets: EntryTarget[], store: FhirStore): Promise<void> {
  // every resource written as sent is validated at once (elsewhere, for a large bundle, when the
  // deployment gives the store a way), then each entry is judged in order as before
  const validated = targets.filter((t) => t.method === 'POST' || t.method === 'PUT');
  const outcomes = await store.validationOutcomes(validated.map((t) => t.entry.resource));
  const outcomeOf = new Map(validated.map((t, i) => [t, outcomes[i]]));
  const issues = [];
  for (const t of targets) {
    if (!(t.method in ORDER)) badRequest(`Bundle.entry[${t.index}]: unsupported method ${t.method}`);
    if ((t.method === 'PUT' || t.method === 'DELETE' || t.method === 'PATCH') && !t.id && !t.query) {
      badRequest(`Bundle.entry[${t.index}]: ${t.method} needs an id or a condition in request.url`);
    }
    if (t.method === 'POST' || t.method === 'PUT') {
      const resource = t.entry.resource;
      const result = outcomeOf.get(t) as OperationOutcome;
      if (hasErrors(result)) {
        for (const issue of result.issue ?? []) {
          if (issue.severity !== 'error' && issue.severity !== 'fatal') continue;
          issues.push({
            ...issue,
            expression: (issue.expression ?? ['']).map(
              (e) => `Bundle.entry[${t.index}].resource${e ? `.${e.split('.').slice(1).join('.')}` : ''}`,
            ),
          });
        }
      } else if (resource?.resourceType !== t.type) {
        badRequest(
          `Bundle.entry[${t.index}]: resource type ${shown(resource?.resourceType)} does not match ${t.type}`,
        );
      } else if (t.method === 'PUT' && t.id && resource.id !== t.id) {
        badRequest(
          `Bundle.entry[${t.index}]: resource id "${resource.id ?? ''}" does not match the url id "${t.id}"`,
        );
      }
    }
  }
  if (issues.length > 0) throw new FhirError(400, { resourceType: 'OperationOutcome', issue: issues });
}

async function buildVersion(
  tx: SqlExecutor,
  store: FhirStore,
  w: { target: EntryTarget; resource?: Resource; id: string },
  current: CurrentVersion | undefined,
  references: Map<string, string>,
  now: string,
): Promise<NewVersion | undefined> {
  const { target } = w;
  const ifMatch = target.entry.request?.ifMatch;
  if (
    ifMatch !== undefined &&
    `W/"${current?.versionId}"` !== ifMatch &&
    `"${current?.versionId}"` !== ifMatch &&
    String(current?.versionId) !== ifMatch
  ) {
    fail(
      412,
      'conflict',
      `Bundle.entry[${target.index}]: version conflict (If-Match ${ifMatch}, current ${current?.versionId ?? 'none'})`,
    );
  }
  // If-None-Match: * (RFC 9110 §13.1.2): the entry writes a resource that must not exist yet
  if (target.entry.request?.ifNoneMatch === '*' && current && !current.deleted)
    fail(
      412,
      'conflict',
      `Bundle.entry[${target.index}]: ${target.type}/${w.id} exists (If-None-Match *, current ${current.versionId})`,
    );
  const nextVersion = (current?.versionId ?? 0) + 1;
  const previous =
    current && !current.deleted && current.content ? (JSON.parse(current.content) as Resource) : undefined;
  if (target.method === 'DELETE') {
    if (!current || current.deleted) return undefined;
    await store.access.guard?.(tx, undefined, previous);
    return deletionVersion(target.type, w.id, nextVersion, now);
  }
  let resource: Resource;
  if (target.method === 'PATCH') {
    if (!current || current.deleted)
      fail(404, 'not-found', `Bundle.entry[${target.index}]: ${target.type}/${w.id} does not exist`);
    resource = applyJsonPatch(
      JSON.parse(current!.content as string) as Resource,
      patchOperations(target),
      `Bundle.entry[${target.index}]: `,
    );
    const result = validationOutcome(resource, store.rules);
    if (hasErrors(result)) throw new FhirError(400, result);
  } else {
    resource = { ...(w.resource as Resource), id: w.id };
  }
  resource = await rewriteReferences(tx, store, resource, references, target.index);
  const version = stampedVersion(resource, w.id, nextVersion, now, target.method as NewVersion['method']);
  assertIdKeepsCompartment(target.type, w.id, current, version);
  await store.access.guard?.(tx, version.resource, previous);
  return version;
}

/** In a transaction, a PATCH entry carries its JSON Patch as a Binary resource. */
function patchOperations(t: EntryTarget): unknown[] {
  const binary = t.entry.resource as { resourceType?: string; data?: string } | undefined;
  if (binary?.resourceType !== 'Binary' || !binary.data)
    badRequest(`Bundle.entry[${t.index}]: a PATCH entry needs a Binary with a JSON Patch`);
  try {
    const ops = JSON.parse(Buffer.from(binary!.data as string, 'base64').toString('utf8'));
    if (Array.isArray(ops)) return ops;
  } catch {
    // fall through
  }
  return badRequest(`Bundle.entry[${t.index}]: the Binary does not hold a JSON Patch array`);
}

/**
 * Replaces `urn:uuid:` / fullUrl references and resolves conditional ones (`Patient?identifier=…`).
 * Copy on write: only the objects on the way to a changed reference are new; the rest is shared
 * with the entry (nothing writes to a resource once it is stamped).
 */
async function rewriteReferences(
  tx: SqlExecutor,
  store: FhirStore,
  resource: Resource,
  references: Map<string, string>,
  index: number,
): Promise<Resource> {
  const resolved = new Map<string, string>();
  for (const ref of referencesIn(resource)) {
    if (references.has(ref) || resolved.has(ref)) continue;
    if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:'))
      badRequest(`Bundle.entry[${index}]: reference ${ref} names no entry of this bundle`);
    if (!/^[A-Z][A-Za-z]+\?/.test(ref)) continue;
    const [type, condition] = ref.split('?');
    const found = await store.matchCondition(tx, type, condition);
    if (found.length !== 1)
      badRequest(
        `Bundle.entry[${index}]: conditional reference ${ref} matched ${found.length} resources (needs exactly 1)`,
      );
    resolved.set(ref, `${type}/${found[0].id}`);
  }
  if (resolved.size === 0 && references.size === 0) return resource;
  return withReferences(resource, (ref) => references.get(ref) ?? resolved.get(ref)) as Resource;
}

/** Every `reference` string in a resource, in document order. */
function referencesIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) referencesIn(item, out);
  else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (typeof obj.reference === 'string') out.push(obj.reference);
    for (const key in obj) {
      const value = obj[key];
      if (value && typeof value === 'object') referencesIn(value, out);
    }
  }
  return out;
}

/** The node with each `reference` that `mapped` knows replaced; the same node when none is. */
function withReferences(node: unknown, mapped: (ref: string) => string | undefined): unknown {
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const next = withReferences(node[i], mapped);
      if (next !== node[i]) {
        copy ??= [...node];
        copy[i] = next;
      }
    }
    return copy ?? node;
  }
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    let next = value;
    if (key === 'reference' && typeof value === 'string') next = mapped(value) ?? value;
    else if (value && typeof value === 'object') next = withReferences(value, mapped);
    if (next !== value) {
      copy ??= { ...obj };
      copy[key] = next;
    }
  }
  return copy ?? obj;
}
