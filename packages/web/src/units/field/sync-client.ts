/**
 * Sends the outbox as one sync: the batch id is kept until an answer arrives, so a retry after a
 * cut (the network, the server) asks for the same batch and gets the same answer, or runs it again
 * — the server creates nothing twice. Conflicts and deferred records go to review; references to
 * records the server created replace the local `urn:uuid:` ones.
 */
import { request } from '../../api/http.ts';
import { fieldDb, getMeta, setMeta } from './db.ts';

export interface SyncOutcome {
  created: number;
  existing: number;
  conflict: number;
  deferred: number;
  updated: number;
}

interface Result {
  key: string;
  status: keyof SyncOutcome;
  reference?: string;
  version?: string;
  reason?: string;
  yourVersion?: string;
  currentVersion?: string;
}

export async function syncNow(): Promise<SyncOutcome> {
  const pending = await fieldDb.outbox.orderBy('seq').toArray();
  const empty = { created: 0, existing: 0, conflict: 0, deferred: 0, updated: 0 };
  if (pending.length === 0) return empty;
  let batch = await getMeta<{ id: string; seqs: number[] }>('batch');
  if (!batch || batch.seqs.join() !== pending.map((p) => p.seq).join()) {
    batch = { id: crypto.randomUUID(), seqs: pending.map((p) => p.seq as number) };
    await setMeta('batch', batch);
  }
  const { body } = await request<{ results: Result[]; counts: SyncOutcome }>('POST', '/api/units/sync', {
    body: {
      batch: batch.id,
      bundle: { resourceType: 'Bundle', type: 'transaction', entry: pending.map((p) => p.entry) },
    },
  });
  const byKey = new Map(pending.map((p) => [p.key, p]));
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
      await fieldDb.outbox.bulkDelete(pending.map((p) => p.seq as number));
      await fieldDb.meta.delete('batch');
      await setMeta('lastSync', new Date().toISOString());
    },
  );
  return body.counts;
}
