/**
 * A service's own look-ups through the engine (FhirStore.readIfPresent): absence is an answer —
 * never created, deleted, a type or id that cannot exist — while a failure of the database is
 * thrown, not taken for absence (services used to swallow every error of a read as "not there").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FhirStore, type SqlClient } from '../packages/fhir/src/index.ts';
import { newEngineDatabase } from './support/engine-database.ts';

let db: SqlClient;
let close: (() => Promise<void>) | undefined;
before(async () => {
  ({ db, close } = await newEngineDatabase());
});
after(() => close?.());

const BASE = 'http://localhost/fhir/R4';

describe('a service reads a resource that may not be there', () => {
  it('gets the current version, or undefined when there is none', async () => {
    const store = new FhirStore(db, { baseUrl: BASE });
    const made = await store.create({ resourceType: 'Organization', name: 'Centre de dialyse Agadir' });
    const id = made.resource.id as string;
    const name = (made.resource as { name?: string }).name;
    assert.equal(((await store.readIfPresent('Organization', id)) as { name?: string }).name, name);
    const gone = await store.create({ resourceType: 'Organization', name: 'Fermé' });
    await store.delete('Organization', gone.resource.id as string);
    assert.equal(await store.readIfPresent('Organization', gone.resource.id as string), undefined, 'deleted');
    assert.equal(await store.readIfPresent('Organization', 'never-created'), undefined);
    assert.equal(
      await store.readIfPresent('Organization', 'not an id!'),
      undefined,
      'an id that cannot exist',
    );
    assert.equal(await store.readIfPresent('NoSuchType', id), undefined, 'a type that does not exist');
  });

  it('throws what the database throws instead of answering "not there"', async () => {
    const failing: SqlClient = {
      ...db,
      dialect: db.dialect,
      query: () => Promise.reject(new Error('connection lost')),
      exec: db.exec.bind(db),
      transaction: db.transaction.bind(db),
      close: async () => undefined,
    };
    const store = new FhirStore(failing, { baseUrl: BASE });
    await assert.rejects(store.readIfPresent('Organization', 'any-id'), /connection lost/);
  });
});
