/**
 * POST /api/units/sync: a field device's day, as one FHIR transaction run as the signed-in team
 * member (their read scope, write guard and audit trail), prepared by sync-plan.ts. A batch id
 * makes a retried request whose answer was lost get the same answer; a sync cut before its commit
 * left nothing, one cut after it is recognised by its field records — either way the device sends
 * the same bundle again and nothing is created twice.
 */
import type { Bundle, BundleEntry, Organization, Patient } from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { CNIE_SYSTEM, isValidCnie } from '../../../identifiers/morocco.ts';
import type { ModuleContext } from '../../../kernel/module.ts';
import type { Principal } from '../../../kernel/principal.ts';
import { prescriptionOf } from '../../prescriptions/drafts.ts';
import { asCaller, invalid } from '../caller.ts';
import { devices, isUnit, unitsOf } from '../units.ts';
import { clinicalRecordProblems, devicesNamed, referralTargets } from './clinical.ts';
import { checkFieldPrescribers } from './prescribers.ts';
import { type EntryResult, prepareSync, requestProblems, syncLookups } from './sync-plan.ts';

/** A prescription of the sync, once its drafts are in: signed, or left a draft with the reason. */
export interface SyncedPrescription {
  prescription: string;
  status: 'signed' | 'draft';
  reason?: string;
}

export interface SyncAnswer {
  batch: string;
  results: EntryResult[];
  counts: Record<EntryResult['status'], number>;
  prescriptions: SyncedPrescription[];
  ms: number;
}

const BATCH_ID = /^[A-Za-z0-9-]{8,64}$/;
/** Batches being synchronised by this process. */
const inFlight = new Set<string>();

export async function runSync(
  ctx: ModuleContext,
  principal: Principal,
  body: unknown,
  limits: { maxEntries: number; attachmentMaxBytes: number },
): Promise<SyncAnswer> {
  const started = performance.now();
  const b = (body ?? {}) as { batch?: unknown; bundle?: Bundle };
  if (typeof b.batch !== 'string' || !BATCH_ID.test(b.batch))
    throw invalid([
      { field: 'batch', message: 'batch is the id the device gave this sync (8–64 letters, digits, -)' },
    ]);
  const bundle = b.bundle;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'transaction' || !Array.isArray(bundle.entry))
    throw invalid([{ field: 'bundle', message: 'bundle is a FHIR transaction Bundle' }]);
  if (bundle.entry.length > limits.maxEntries)
    throw invalid([
      { field: 'bundle.entry', message: `At most ${limits.maxEntries} entries per sync: send the rest next` },
    ]);
  const account = `${principal.kind}:${principal.id}`;

  // the batch id first: a finished batch answers what it answered, to the account that ran it, even
  // if the unit's devices or roster changed since (its checks passed when it ran; nothing is written)
  const previous = await ctx.db.query<{
    account: string;
    status: string;
    summary: SyncAnswer | null;
    started_at: string | Date;
  }>('SELECT account, status, summary, started_at FROM units_sync_batch WHERE id = $1::text', [b.batch]);
  const row = previous.rows[0];
  if (row && row.account !== account)
    throw new FhirError(409, outcome('error', 'conflict', 'This batch id is taken: make a new one'));
  if (row?.status === 'done' && row.summary) return row.summary;
  const problems = [...requestProblems(bundle), ...clinicalRecordProblems(bundle, limits)];
  if (problems.length) throw invalid(problems);
  await checkReferences(ctx, principal, bundle);
  await checkFieldPrescribers(ctx, principal, bundle);
  // running here: a double tap. Running elsewhere, or left 'running' by a process that died mid-sync:
  // run it again — what committed is found by its field records, and a race meets their unique key
  if (inFlight.has(b.batch))
    throw new FhirError(
      409,
      outcome('error', 'conflict', 'This batch is being synchronised: try again in a moment'),
    );
  inFlight.add(b.batch);
  await ctx.db.query(
    `INSERT INTO units_sync_batch (id, account, status) VALUES ($1::text, $2::text, 'running')
     ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = now()`,
    [b.batch, account],
  );

  try {
    const lookups = syncLookups(bundle, CNIE_SYSTEM);
    const existing = new Map<string, string>();
    if (lookups.fieldRecords.length) {
      const rows = await ctx.db.query<{ value: string; resource_type: string; resource_id: string }>(
        'SELECT value, resource_type, resource_id FROM units_field_record WHERE value = ANY($1::text[])',
        [lookups.fieldRecords],
      );
      for (const r of rows.rows) existing.set(r.value, `${r.resource_type}/${r.resource_id}`);
    }
    const versions = new Map<string, string | undefined>();
    for (const ref of lookups.edited) {
      // read as the caller: a record they may not see has no version for them
      const res = await asCaller(ctx, principal, { method: 'GET', path: `/${ref}` });
      versions.set(
        ref,
        res.status === 200
          ? String((res.body as { meta?: { versionId?: string } }).meta?.versionId)
          : undefined,
      );
    }
    const takenCnie = new Set<string>();
    // a CNIE of the wrong form is refused with its Patient, and none is stored: asked for valid ones only
    const asked = [...new Set(lookups.cnie.filter(isValidCnie))];
    if (asked.length) {
      const holders = (await ctx.store.searchWithin(ctx.db, 'Patient', [
        ['identifier', asked.map((value) => `${CNIE_SYSTEM}|${value}`).join(',')],
      ])) as Patient[];
      for (const holder of holders)
        for (const id of holder.identifier ?? [])
          if (id.system === CNIE_SYSTEM && id.value && asked.includes(id.value)) takenCnie.add(id.value);
    }
    const prepared = prepareSync(bundle, { existing, versions, takenCnie, cnieSystem: CNIE_SYSTEM });
    const results = [...prepared.results];
    if (prepared.bundle.entry?.length) {
      const res = await asCaller(ctx, principal, { method: 'POST', path: '/', body: prepared.bundle });
      if (res.status === 412 || res.status === 409)
        throw new FhirError(
          409,
          outcome('error', 'conflict', 'A record changed during the sync: sync again'),
        );
      if (res.status !== 200) {
        // the device learns which of its entries was refused, by its own keys
        const body = res.body as { issue?: { expression?: string[]; diagnostics?: string }[] };
        const issues = (body.issue ?? []).map((i) => {
          const index = /Bundle\.entry\[(\d+)\]/.exec(
            `${i.expression?.join(' ') ?? ''} ${i.diagnostics ?? ''}`,
          )?.[1];
          return {
            ...i,
            expression: index !== undefined ? [prepared.keys[Number(index)]] : (i.expression ?? []),
          };
        });
        throw new FhirError(res.status, { resourceType: 'OperationOutcome', issue: issues as never });
      }
      const entries = ((res.body as Bundle).entry ?? []) as BundleEntry[];
      entries.forEach((e, i) => {
        const location = e.response?.location ?? '';
        const [type, id, , version] = location.split('/');
        const isEdit = prepared.bundle.entry?.[i]?.request?.method === 'PUT';
        results.push({
          key: prepared.keys[i],
          status: e.response?.status?.startsWith('201') ? 'created' : isEdit ? 'updated' : 'existing',
          ...(type && id ? { reference: `${type}/${id}` } : {}),
          ...(version ? { version } : {}),
        });
      });
    }
    const counts = { created: 0, existing: 0, updated: 0, conflict: 0, deferred: 0 };
    for (const r of results) counts[r.status] += 1;
    const answer: SyncAnswer = {
      batch: b.batch,
      results,
      counts,
      prescriptions: await signPrescriptions(ctx, principal, bundle, results),
      ms: Math.round(performance.now() - started),
    };
    await ctx.db.query(
      `UPDATE units_sync_batch SET status = 'done', finished_at = now(), summary = $2::jsonb WHERE id = $1::text`,
      [b.batch, JSON.stringify(answer)],
    );
    return answer;
  } catch (error) {
    await ctx.db.query(
      `UPDATE units_sync_batch SET status = 'failed', finished_at = now() WHERE id = $1::text`,
      [b.batch],
    );
    throw error;
  } finally {
    inFlight.delete(b.batch);
  }
}

/** The Devices and facilities the new records name: the caller's unit's devices, the directory's facilities. */
async function checkReferences(ctx: ModuleContext, principal: Principal, bundle: Bundle): Promise<void> {
  const named = devicesNamed(bundle);
  if (named.length) {
    const owned = new Set<string>();
    for (const unit of await unitsOf(ctx.db, ctx.store, principal))
      for (const d of await devices(ctx.store, unit)) owned.add(`Device/${d.id}`);
    const foreign = named.filter((d) => !owned.has(d));
    if (foreign.length)
      throw new FhirError(
        403,
        outcome('error', 'forbidden', `Not a device of your unit: ${foreign.join(', ')}`, ['device']),
      );
  }
  for (const ref of referralTargets(bundle)) {
    const org = (await ctx.store.readIfPresent('Organization', ref.slice('Organization/'.length))) as
      | Organization
      | undefined;
    if (!org || org.active === false || isUnit(org))
      throw invalid([
        {
          field: 'performer',
          message: `${ref} is not a facility of the directory: choose one from the list`,
        },
      ]);
  }
}

/**
 * A GP's prescriptions arrive as drafts: signed now, as the GP, by the prescriptions service's
 * `MedicationRequest/$sign` (their key never leaves the server). Those already signed answer as
 * such, so a replay signs nothing twice; one that fails stays a draft, never dispensable, and the
 * answer says why (the app keeps its drafts and sends them again with its next sync).
 */
async function signPrescriptions(
  ctx: ModuleContext,
  principal: Principal,
  input: Bundle,
  results: EntryResult[],
): Promise<SyncedPrescription[]> {
  const arrived = new Set(
    results.filter((r) => r.status === 'created' || r.status === 'existing').map((r) => r.key),
  );
  const ids = new Set<string>();
  for (const e of input.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType !== 'MedicationRequest' || r.status !== 'draft' || !arrived.has(e.fullUrl ?? ''))
      continue;
    const id = prescriptionOf(r);
    if (id) ids.add(id);
  }
  const out: SyncedPrescription[] = [];
  for (const prescription of ids) {
    const res = await asCaller(ctx, principal, {
      method: 'POST',
      path: '/MedicationRequest/$sign',
      body: { resourceType: 'Parameters', parameter: [{ name: 'prescription', valueString: prescription }] },
    });
    const reason = (res.body as { issue?: { diagnostics?: string }[] } | undefined)?.issue?.[0]?.diagnostics;
    out.push(
      res.status === 200
        ? { prescription, status: 'signed' }
        : { prescription, status: 'draft', reason: reason ?? `Not signed (${res.status})` },
    );
  }
  return out;
}
