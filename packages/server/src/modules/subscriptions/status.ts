/**
 * The platform moves a Subscription through its R4 statuses: `requested → active` once checked,
 * `→ error` (with Subscription.error saying why) when deliveries keep failing or the subscription
 * can no longer be served. Clients set `off` (or `requested` again) themselves. Writes are the
 * platform's own (no caller, so the owner hook lets them pass) and guarded by If-Match: a change a
 * client made meanwhile wins, and the step is retried on the next event or attempt.
 */
import type { Subscription } from '@medplum/fhirtypes';
import { FhirError, type FhirStore } from '@sahti/fhir';
import type { HostRule } from './endpoint-guard.ts';
import type { InvalidSubscription } from './registry.ts';
import { subscriptionSpec } from './spec.ts';

export interface StatusChanger {
  activate(id: string): Promise<void>;
  fail(id: string, text: string): Promise<void>;
  settleInvalid(list: readonly InvalidSubscription[]): Promise<void>;
}

export function statusChanger(deps: {
  store: FhirStore;
  hosts: () => readonly HostRule[];
  afterWrite: () => void;
}): StatusChanger {
  const current = async (id: string): Promise<Subscription | undefined> => {
    try {
      return (await deps.store.read('Subscription', id)) as Subscription;
    } catch (err) {
      if (err instanceof FhirError && (err.status === 404 || err.status === 410)) return undefined;
      throw err;
    }
  };
  const write = async (s: Subscription, next: Subscription): Promise<void> => {
    try {
      await deps.store.update('Subscription', s.id as string, next, `W/"${s.meta?.versionId}"`);
      deps.afterWrite();
    } catch (err) {
      if (err instanceof FhirError && err.status === 412) return; // changed meanwhile: theirs wins
      throw err;
    }
  };
  const fail = async (id: string, text: string): Promise<void> => {
    const s = await current(id);
    if (!s || (s.status !== 'active' && s.status !== 'requested')) return;
    const { meta: _meta, ...rest } = s;
    await write(s, { ...rest, status: 'error', error: text.slice(0, 1000) });
  };
  return {
    async activate(id) {
      const s = await current(id);
      if (s?.status !== 'requested') return;
      const { meta: _meta, error: _error, ...rest } = s;
      try {
        subscriptionSpec(s, deps.hosts());
      } catch (err) {
        await write(s, { ...rest, status: 'error', error: (err as Error).message.slice(0, 1000) });
        return;
      }
      await write(s, { ...rest, status: 'active' });
    },
    fail,
    async settleInvalid(list) {
      for (const { id, problem } of list) await fail(id, problem);
    },
  };
}
