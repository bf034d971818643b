/**
 * Sends the outbox as one sync: the batch id is kept until an answer arrives, so a retry after a
 * cut (the network, the server) asks for the same batch and gets the same answer, or runs it again
 * — the server creates nothing twice. Conflicts and deferred records go to review; references to
 * records the server created replace the local `urn:uuid:` ones.
 */
import { request } from '../../api/http.ts';
import { PRESCRIPTION } from './clinical-records.ts';
import { type DayEncounters, fieldDb, getMeta, setMeta } from './db.ts';

export interface SyncOutcome {
  created: number;
  existing: number;
  conflict: number;
  deferred: number;
  updated: number;
  /** Prescriptions left drafts (not signed): never dispensable until signed. */
  unsigned: number;
}

interface Result {
  key: string;
  status: Exclude<keyof SyncOutcome, 'unsigned'>;
  reference?: string;
  version?: string;
  reason?: string;
  yourVersion?: string;
  currentVersion?: string;
}

const prescriptionOf = (r: Record<string, unknown>): string | undefined =>
  r.resourceType === 'MedicationRequest'
    ? (r.identifier as { system?: string; value?: string }[] | undefined)?.find(
        (i) => i.system === PRESCRIPTION,
      )?.value
    : undefined;

/** The entry with its `urn:uuid:` references replaced by the records the server made of them. */
function withReferences<T>(entry: T, created: Map<string, string>): T {
  const rewrite = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(rewrite)
      : node && typeof node === 'object'
        ? Object.fromEntries(
            Object.entries(node).map(([k, v]) => [
              k,
              k === 'reference' && typeof v === 'string' ? (created.get(v) ?? v) : rewrite(v),
            ]),
          )
        : node;
  return rewrite(entry) as T;
}

export async function syncNow(): Promise<SyncOutcome> {
  const pending = await fieldDb.outbox.orderBy('seq').toArray();
  const empty = { created: 0, existing: 0, conflict: 0, deferred: 0, updated: 0, unsigned: 0 };
  if (pending.length === 0) return empty;
  let batch = await getMeta<{ id: string; seqs: number[] }>('batch');
  if (!batch || batch.seqs.join() !== pending.map((p) => p.seq).join()) {
    batch = { id: crypto.randomUUID(), seqs: pending.map((p) => p.seq as number) };
    await setMeta('batch', batch);
  }
  const { body } = await request<{
    results: Result[];
    counts: Omit<SyncOutcome, 'unsigned'>;
    prescriptions?: { prescription: string; status: 'signed' | 'draft'; reason?: string }[];
  }>('POST', '/api/units/sync', {
    body: {
      batch: batch.id,
      bundle: { resourceType: 'Bundle', type: 'transaction', entry: pending.map((p) => p.entry) },
    },
  });
  const byKey = new Map(pending.map((p) => [p.key, p]));
  // the day's consultations, by the server's references once they exist
  const created = new Map(body.results.filter((r) => r.reference).map((r) => [r.key, r.reference as string]));
  const encounters = (await getMeta<DayEncounters>('encounters')) ?? {};
  const remapped: DayEncounters = Object.fromEntries(
    Object.entries(encounters).map(([patient, e]) => [
      created.get(patient) ?? patient,
      { ...e, encounter: created.get(e.encounter) ?? e.encounter },
    ]),
  );
  await fieldDb.transaction(
    'rw',
    [fieldDb.outbox, fieldDb.review, fieldDb.patients, fieldDb.meta],
    async () => {
      for (const r of body.results) {
        const p = byKey.get(r.key);
        if (r.status === 'conflict' || r.status === 'deferred') {
          if (p)
            await fieldDb.review.put({
              key: r.key,
              status: r.status,
              reason: r.reason,
              reference: r.reference,
              yourVersion: r.yourVersion,
              currentVersion: r.currentVersion,
              entry: p.entry,
            });
        }
        if (r.status === 'updated' && r.reference) {
          const local = await fieldDb.patients.get(r.reference);
          if (local) await fieldDb.patients.put({ ...local, version: r.version });
        }
        if (r.reference && r.key.startsWith('urn:uuid:')) {
          const local = await fieldDb.patients.get(r.key);
          if (local) {
            await fieldDb.patients.delete(r.key);
            const id = r.reference.split('/')[1];
            await fieldDb.patients.put({
              ...local,
              ref: r.reference,
              pending: false,
              version: r.version,
              ...(local.resource ? { resource: { ...local.resource, id } } : {}),
            });
          }
        }
      }
      await setMeta('encounters', remapped);
      // a prescription left unsigned stays in the outbox, now naming what the server created:
      // the next sync finds its drafts existing and asks again for their signature
      const unsigned = new Set(
        (body.prescriptions ?? []).filter((p) => p.status !== 'signed').map((p) => p.prescription),
      );
      const kept = pending.filter((p) => unsigned.has(prescriptionOf(p.entry.resource) ?? ''));
      for (const p of kept) await fieldDb.outbox.put({ ...p, entry: withReferences(p.entry, created) });
      await fieldDb.outbox.bulkDelete(pending.filter((p) => !kept.includes(p)).map((p) => p.seq as number));
      await fieldDb.meta.delete('batch');
      await setMeta('lastSync', new Date().toISOString());
    },
  );
  return {
    ...body.counts,
    unsigned: (body.prescriptions ?? []).filter((p) => p.status !== 'signed').length,
  };
}
