/**
 * Batch and transaction bundles. A batch entry is an independent request through the same route
 * table (its failure is its own response); a transaction is classified entry by entry, authorised
 * as a whole before anything is read, then written all or nothing. Each entry leaves its own
 * AccessRecord.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { badRequest, fail, outcome, shown } from '../outcome.ts';
import {
  type EntryTarget,
  entryShapeProblem,
  entryTarget,
  MAX_BUNDLE_ENTRIES,
  runTransaction,
} from '../transaction.ts';
import type { RouteContext } from './interactions.ts';
import { ok, preferredEntry, returnPreference, toEntry } from './responses.ts';
import { entryRequest, matchRoute, type OperationRegistry } from './routes.ts';
import type { AccessRecord, FhirRequest, FhirResponse, Interaction, RouteMatch } from './types.ts';

export type Dispatch = (req: FhirRequest) => Promise<FhirResponse>;

function checkBundle(body: unknown): Bundle {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle')
    badRequest('POST to the base takes a Bundle of type batch or transaction');
  if (bundle!.type !== 'batch' && bundle!.type !== 'transaction')
    badRequest(`Bundle.type must be batch or transaction, not "${shown(bundle!.type)}"`);
  if (bundle!.entry !== undefined && !Array.isArray(bundle!.entry))
    badRequest('Bundle.entry must be an array');
  if ((bundle!.entry?.length ?? 0) > MAX_BUNDLE_ENTRIES)
    fail(413, 'too-costly', `A bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries`);
  return bundle!;
}

export async function batch(ctx: RouteContext, dispatch: Dispatch): Promise<FhirResponse> {
  const bundle = checkBundle(ctx.req.body);
  if (bundle.type === 'transaction') return transaction(ctx, bundle, dispatch);
  const preference = returnPreference(ctx.req.headers.prefer);
  const entry: BundleEntry[] = [];
  const audit: AccessRecord[] = [bundleRecord('batch')];
  for (const [index, e] of (bundle.entry ?? []).entries()) {
    const res = await batchEntry(ctx, e, index, dispatch);
    const answer = toEntry(res);
    entry.push(isRead(e?.request?.method) ? answer : preferredEntry(answer, preference));
    audit.push(...(res.audit ?? []));
  }
  return ok({ resourceType: 'Bundle', type: 'batch-response', entry } as Bundle, audit);
}

async function batchEntry(
  ctx: RouteContext,
  e: BundleEntry,
  index: number,
  dispatch: Dispatch,
): Promise<FhirResponse> {
  const problem = entryShapeProblem(e, index);
  if (problem) return { status: 400, headers: {}, body: outcome('error', 'invalid', problem) };
  const url = e.request!.url!;
  const local = url.startsWith(ctx.baseUrl) ? url.slice(ctx.baseUrl.length) : url;
  const { path, query } = entryRequest(local);
  if (path === '/') {
    return {
      status: 400,
      headers: {},
      body: outcome('error', 'invalid', `Bundle.entry[${index}]: bundles do not nest`),
    };
  }
  let body: unknown = e.resource;
  if (e.request!.method === 'PATCH') {
    const data = (e.resource as { data?: unknown } | undefined)?.data;
    body = typeof data === 'string' ? safeJson(Buffer.from(data, 'base64').toString('utf8')) : undefined;
  }
  return dispatch({
    method: e.request!.method!,
    path,
    query,
    headers: {
      'if-match': e.request!.ifMatch,
      'if-none-exist': e.request!.ifNoneExist,
      'if-none-match': e.request!.ifNoneMatch,
    },
    body,
    access: ctx.access,
  });
}

const ENTRY_INTERACTION: Record<string, Interaction> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** How a transaction entry is classified: by the same route table as a request of its own. */
export function entryMatch(t: EntryTarget, baseUrl: string, operations: OperationRegistry): RouteMatch {
  const url = t.entry.request?.url ?? '';
  const { path, query } = entryRequest(url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url);
  return matchRoute({ method: t.method, path, query, headers: {}, body: t.entry.resource }, operations);
}

async function transaction(ctx: RouteContext, bundle: Bundle, dispatch: Dispatch): Promise<FhirResponse> {
  const entries = bundle.entry ?? [];
  const targets = entries.map((e, index) => entryTarget(e, index, ctx.baseUrl));
  for (const t of targets)
    ctx.access?.authorize?.(entryMatch(t, ctx.baseUrl, ctx.operations), { ...ctx.req, method: t.method });
  const reads: AccessRecord[] = [];
  const result = await runTransaction(ctx.store, bundle, async (t) => {
    const url = t.entry.request?.url ?? '';
    const { path, query } = entryRequest(url.startsWith(ctx.baseUrl) ? url.slice(ctx.baseUrl.length) : url);
    const res = await dispatch({ method: 'GET', path, query, headers: {}, access: ctx.access });
    reads.push(...(res.audit ?? []));
    return toEntry(res);
  });
  const writes: AccessRecord[] = result.written.map((w) => ({
    interaction: ENTRY_INTERACTION[w.method] ?? 'update',
    resourceType: w.resourceType,
    ids: [`${w.resourceType}/${w.id}`],
    patients: w.patients,
    status: w.status,
  }));
  const preference = returnPreference(ctx.req.headers.prefer);
  if (preference !== 'representation') {
    result.bundle.entry = result.bundle.entry?.map((e, i) =>
      isRead(entries[i]?.request?.method) ? e : preferredEntry(e, preference),
    );
  }
  return ok(result.bundle, [bundleRecord('transaction'), ...writes, ...reads]);
}

/** GET and HEAD entries are reads: the return preference is about what a write answers. */
function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

function bundleRecord(interaction: 'batch' | 'transaction'): AccessRecord {
  return { interaction, ids: [], patients: [], status: 200 };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
