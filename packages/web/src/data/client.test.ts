import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { applyLiveEvent, createQueryClient, invalidate } from './client.ts';
import { readKey, searchKey } from './keys.ts';

const clients: ReturnType<typeof createQueryClient>[] = [];
// the cache's garbage-collection timers would keep the test process alive for minutes
afterEach(() => {
  for (const client of clients.splice(0)) client.clear();
});

function cacheWith(...keys: (readonly unknown[])[]) {
  const client = createQueryClient();
  clients.push(client);
  for (const key of keys) client.setQueryData(key, { cached: true });
  const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated ?? 'gone';
  return { client, stale };
}

describe('applyLiveEvent', () => {
  const consents = searchKey('Consent', { patient: 'Patient/1' });
  const consent7 = readKey('Consent', '7');
  const patient = readKey('Patient', '1');

  it('marks stale the searches of the type and the read of that resource, nothing else', async () => {
    const { client, stale } = cacheWith(consents, consent7, patient, ['session']);
    await applyLiveEvent({ resourceType: 'Consent', id: '7', action: 'update' }, client);
    assert.equal(stale(consents), true);
    assert.equal(stale(consent7), true);
    assert.equal(stale(patient), false);
    assert.equal(stale(['session']), false);
  });

  it('drops the cached read of a deleted resource', async () => {
    const { client, stale } = cacheWith(consents, consent7);
    await applyLiveEvent({ resourceType: 'Consent', id: '7', action: 'delete' }, client);
    assert.equal(stale(consent7), 'gone');
    assert.equal(stale(consents), true);
  });
});

describe('invalidate', () => {
  it('reaches everything when anything may have changed', async () => {
    const { client, stale } = cacheWith(readKey('Patient', '1'), searchKey('Observation'));
    await invalidate([{ resourceType: '*' }], client);
    assert.equal(stale(readKey('Patient', '1')), true);
    assert.equal(stale(searchKey('Observation')), true);
  });
});
