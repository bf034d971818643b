/**
 * The API as a real third-party FHIR client sees it: every interaction goes through
 * `fhir-kit-client` (its URLs, headers and paging), not through our own fetch helpers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'fhir-kit-client';
import { secondOfId } from '../packages/fhir/src/versions.ts';
import { CNIE_SYSTEM } from '../packages/server/src/identifiers/morocco.ts';
import {
  batchWithOneFailure,
  failureOf,
  header,
  observation,
  parseLocation,
  patient,
  type Resource,
  statusOf,
  transactionBundle,
  uniqueCnie,
  walkPages,
} from './support/fhir-kit.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let client: Client;
before(async () => {
  server = await startTestServer();
  client = new Client({ baseUrl: server.fhirBase, bearerToken: server.token });
});
after(() => server?.close());

const create = (body: Resource) =>
  client.create({ resourceType: body.resourceType, body: body as any }) as Promise<Resource>;
const read = (resourceType: string, id: string) => client.read({ resourceType, id }) as Promise<Resource>;
const search = (resourceType: string, searchParams: Record<string, string>) =>
  client.search({ resourceType, searchParams }) as Promise<Resource>;
const update = (body: Resource, ifMatch?: string) =>
  client.update({
    resourceType: body.resourceType,
    id: body.id,
    body: body as any,
    options: ifMatch ? { headers: { 'If-Match': ifMatch } } : undefined,
  }) as Promise<Resource>;
const vread = (resourceType: string, id: string, version: string) =>
  client.vread({ resourceType, id, version }) as Promise<Resource>;
const everything = (id: string, method: 'GET' | 'POST') =>
  client.operation({ name: 'everything', resourceType: 'Patient', id, method }) as Promise<Resource>;
const ids = (bundle: Resource): string[] =>
  (bundle.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id);

describe('CRUD with fhir-kit-client', () => {
  it('creates a patient with 201 and a Location, and reads it back', async () => {
    const created = await create(patient('Benali'));
    assert.equal(await statusOf(Promise.resolve(created)), 201);
    assert.match(header(created, 'location') ?? '', new RegExp(`/Patient/${created.id}/_history/1$`));
    assert.equal(created.meta.versionId, '1');
    const got = await read('Patient', created.id);
    assert.equal(got.name[0].family, 'Benali');
    assert.equal(header(got, 'etag'), 'W/"1"');
  });

  it('gives new resources ids of 22 characters that carry the second they were made in', async () => {
    const startedAt = Math.floor(Date.now() / 1000);
    const first = (await create(patient('Amrani'))).id;
    // the next second: every id made from then on sorts after the first
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    const later = [(await create(patient('Bennani'))).id];
    const response = (await client.transaction({ body: transactionBundle(uniqueCnie()) as any })) as Resource;
    for (const entry of response.entry) later.push(parseLocation(entry.response.location).id);
    for (const id of [first, ...later]) {
      assert.match(id, /^[0-9a-hjkmnp-tv-z]{22}$/);
      const second = secondOfId(id);
      assert.ok(second !== undefined && second >= startedAt && second <= Date.now() / 1000, id);
    }
    assert.ok(
      later.every((id) => id > first),
      `${later.join(', ')} after ${first}`,
    );
    // random within the second: ids are not guessable from each other
    assert.equal(new Set(later.map((id) => id.slice(7))).size, later.length);
  });

  it('updates a patient and still reads the first version with vread', async () => {
    const created = await create(patient('Chraibi'));
    const updated = await update({ ...created, name: [{ family: 'Chraïbi', given: ['Amina'] }] });
    assert.equal(updated.meta.versionId, '2');
    assert.equal((await vread('Patient', created.id, '1')).name[0].family, 'Chraibi');
    assert.equal((await vread('Patient', created.id, '2')).name[0].family, 'Chraïbi');
  });

  it('refuses an update whose If-Match names an old version with 412, and accepts the current one', async () => {
    const created = await create(patient('Douiri'));
    await update({ ...created, gender: 'other' });
    assert.equal(await statusOf(update({ ...created, gender: 'male' }, 'W/"1"')), 412);
    assert.equal((await read('Patient', created.id)).gender, 'other');
    const current = await update({ ...created, gender: 'male' }, 'W/"2"');
    assert.equal(current.meta.versionId, '3');
    assert.equal(current.gender, 'male');
  });

  it('applies a JSON Patch and bumps the version', async () => {
    const created = await create(patient('Essaidi'));
    const patched = (await client.patch({
      resourceType: 'Patient',
      id: created.id,
      jsonPatch: [
        { op: 'replace', path: '/gender', value: 'male' },
        { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '+212600000001' }] },
      ],
    })) as Resource;
    assert.equal(patched.meta.versionId, '2');
    assert.equal(patched.gender, 'male');
    assert.equal((await read('Patient', created.id)).telecom[0].value, '+212600000001');
  });

  it('refuses a JSON Patch whose test operation fails, and changes nothing (RFC 6902 §5)', async () => {
    const created = await create(patient('Fassi'));
    const res = await failureOf(
      client.patch({
        resourceType: 'Patient',
        id: created.id,
        jsonPatch: [
          { op: 'test', path: '/gender', value: 'male' }, // it is 'female'
          { op: 'replace', path: '/birthDate', value: '2000-01-01' },
        ],
      }),
    );
    assert.ok([400, 409, 422].includes(res.status), `got ${res.status}`);
    const after = await read('Patient', created.id);
    assert.equal(after.birthDate, '1987-03-14');
    assert.equal(after.meta.versionId, '1');
  });

  it('refuses a code outside a required value set (Patient.gender) with 400', async () => {
    const res = await failureOf(create({ ...patient('Kettani'), gender: 'unknown-gender' }));
    assert.equal(res.status, 400);
    assert.equal(res.body.resourceType, 'OperationOutcome');
  });

  it('deletes a patient: reading it answers 410 Gone, its old version stays readable', async () => {
    const created = await create(patient('Ghali'));
    await client.delete({ resourceType: 'Patient', id: created.id });
    assert.equal(await statusOf(read('Patient', created.id)), 410);
    assert.equal((await vread('Patient', created.id, '1')).name[0].family, 'Ghali');
    assert.equal(await statusOf(read('Patient', 'no-such-patient')), 404);
  });

  it('creates conditionally with If-None-Exist: the second request returns the existing patient', async () => {
    const cnie = uniqueCnie();
    const options = { headers: { 'If-None-Exist': `identifier=${CNIE_SYSTEM}|${cnie}` } };
    const conditional = () =>
      client.create({
        resourceType: 'Patient',
        body: patient('Hajji', cnie) as any,
        options,
      }) as Promise<Resource>;
    const first = await conditional();
    const second = await conditional();
    assert.equal(await statusOf(Promise.resolve(first)), 201);
    assert.equal(await statusOf(Promise.resolve(second)), 200);
    assert.equal(second.id, first.id);
    assert.deepEqual(ids(await search('Patient', { identifier: `${CNIE_SYSTEM}|${cnie}` })), [first.id]);
  });

  it('reads the history of a patient, newest version first', async () => {
    const created = await create(patient('Idrissi'));
    await client.update({
      resourceType: 'Patient',
      id: created.id,
      body: { ...created, gender: 'male' } as any,
    });
    await client.delete({ resourceType: 'Patient', id: created.id });
    const history = (await client.history({ resourceType: 'Patient', id: created.id })) as Resource;
    assert.equal(history.type, 'history');
    assert.deepEqual(
      history.entry.map((e: any) => e.response.etag),
      ['W/"3"', 'W/"2"', 'W/"1"'],
    );
    assert.equal(history.entry[0].resource, undefined, 'a deletion carries no resource');
    assert.equal(history.entry[1].resource.gender, 'male');
  });
});

describe('search paging with fhir-kit-client', () => {
  const code = (name: string) => ({ system: 'urn:sahti:test:paging', code: name });
  async function seed(name: string, n: number, subject: string): Promise<string[]> {
    const made: string[] = [];
    for (let i = 0; i < n; i++) made.push((await create(observation(subject, code(name), 60 + i))).id);
    return made;
  }
  const walk = async (params: Record<string, string>, onPage?: () => Promise<void>) =>
    (await walkPages(client, await search('Observation', params), onPage)).map((page) =>
      page.map((r) => r.id),
    );

  it('follows next links through 45 observations 10 at a time, seeing each exactly once', async () => {
    const made = await seed('plain', 45, 'Patient/paging-1');
    const pages = await walk({ code: 'urn:sahti:test:paging|plain', _count: '10' });
    assert.deepEqual(
      pages.map((p) => p.length),
      [10, 10, 10, 10, 5],
    );
    assert.deepEqual(pages.flat().sort(), [...made].sort());
  });

  for (const sort of ['', '-value-quantity']) {
    it(`keeps pages correct when observations are created between page fetches${sort ? ` (_sort=${sort})` : ''}`, async () => {
      const name = `busy${sort}`;
      const made = await seed(name, 45, 'Patient/paging-2');
      const added: string[] = [];
      const params = {
        code: `urn:sahti:test:paging|${name}`,
        _count: '10',
        ...(sort ? { _sort: sort } : {}),
      };
      const pages = await walk(params, async () => {
        added.push(...(await seed(name, 3, 'Patient/paging-2')));
      });
      const seen = pages.flat();
      assert.equal(new Set(seen).size, seen.length, 'no observation is seen twice');
      for (const id of made) assert.ok(seen.includes(id), `${id} was skipped`);
      for (const id of seen) assert.ok(made.includes(id) || added.includes(id), `${id} is not ours`);
    });
  }

  it('keeps a -_lastUpdated walk to the observations that existed when it started, newest first', async () => {
    const made = await seed('recent', 45, 'Patient/paging-3');
    const params = { code: 'urn:sahti:test:paging|recent', _count: '10', _sort: '-_lastUpdated' };
    const pages = await walkPages(client, await search('Observation', params), async () => {
      await seed('recent', 2, 'Patient/paging-3');
    });
    const seen = pages.flat();
    assert.deepEqual(seen.map((r) => r.id).sort(), [...made].sort());
    const times = seen.map((r) => Date.parse(r.meta.lastUpdated));
    assert.ok(
      times.every((t, i) => i === 0 || t <= times[i - 1]),
      'lastUpdated never increases',
    );
  });
});

describe('bundles with fhir-kit-client', () => {
  it('runs a transaction whose urn:uuid references point to the created resources', async () => {
    const cnie = uniqueCnie();
    const bundle = transactionBundle(cnie);
    const response = (await client.transaction({ body: bundle as any })) as Resource;
    assert.equal(response.type, 'transaction-response');
    for (const e of response.entry) assert.match(e.response.status, /^201/);
    const locations = response.entry.map((e: any) => parseLocation(e.response.location));
    assert.deepEqual(
      locations.map((l: any) => `${l.type} v${l.version}`),
      ['Patient v1', 'Encounter v1', 'Observation v1', 'Observation v1'],
    );
    const [patientId, encounterId, ...observationIds] = locations.map((l: any) => l.id as string);
    const encounter = await read('Encounter', encounterId);
    assert.equal(encounter.subject.reference, `Patient/${patientId}`);
    for (const id of observationIds) {
      const obs = await read('Observation', id);
      assert.equal(obs.subject.reference, `Patient/${patientId}`);
      assert.equal(obs.encounter.reference, `Encounter/${encounterId}`);
    }
    const byEncounter = await search('Observation', { encounter: `Encounter/${encounterId}` });
    assert.deepEqual(ids(byEncounter).sort(), [...observationIds].sort());
  });

  it('resolves conditional references in a transaction and leaves the rest of each resource as sent', async () => {
    const cnie = uniqueCnie();
    const known = await create(patient('Conditionnel', cnie));
    const glucose = { system: 'http://loinc.org', code: '2339-0' };
    const sent = [
      observation(`Patient?identifier=${CNIE_SYSTEM}|${cnie}`, glucose, 5.4, {
        note: [{ text: 'à jeun' }],
        performer: [{ reference: 'urn:uuid:0b6b1a0e-0000-4000-8000-000000000001' }],
      }),
      observation('Patient/unchanged-id', glucose, 6.1),
    ];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0b6b1a0e-0000-4000-8000-000000000001',
          resource: { resourceType: 'Practitioner', name: [{ family: 'Alaoui' }] },
          request: { method: 'POST', url: 'Practitioner' },
        },
        ...sent.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
      ],
    };
    const response = (await client.transaction({ body: bundle as any })) as Resource;
    const [practitioner, first, second] = response.entry.map(
      (e: any) => parseLocation(e.response.location).id,
    );
    const stored = await read('Observation', first);
    assert.equal(stored.subject.reference, `Patient/${known.id}`);
    assert.equal(stored.performer[0].reference, `Practitioner/${practitioner}`);
    assert.deepEqual(stored.note, [{ text: 'à jeun' }]);
    assert.deepEqual(stored.code, sent[0].code);
    assert.equal((await read('Observation', second)).subject.reference, 'Patient/unchanged-id');

    // a condition that matches no one refuses the whole bundle
    const before = ids(
      await search('Observation', { code: `${glucose.system}|${glucose.code}`, _count: '100' }),
    );
    const refused = await failureOf(
      client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              resource: observation(`Patient?identifier=${CNIE_SYSTEM}|XX000000`, glucose, 7),
              request: { method: 'POST', url: 'Observation' },
            },
          ],
        } as any,
      }),
    );
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /matched 0 resources/);
    const after = ids(
      await search('Observation', { code: `${glucose.system}|${glucose.code}`, _count: '100' }),
    );
    assert.deepEqual(after.sort(), before.sort());
  });

  it('runs a batch in which one failing entry does not stop the others', async () => {
    const response = (await client.batch({ body: batchWithOneFailure() as any })) as Resource;
    assert.equal(response.type, 'batch-response');
    const statuses = response.entry.map((e: any) => e.response.status.slice(0, 3));
    assert.deepEqual(statuses, ['201', '400', '404', '201']);
    assert.equal(response.entry[1].response.outcome?.resourceType, 'OperationOutcome');
    assert.equal((await read('Patient', 'batch-lahlou')).name[0].family, 'Lahlou');
    const jabri = parseLocation(response.entry[0].response.location).id;
    assert.equal((await read('Patient', jabri)).name[0].family, 'Jabri');
  });
});

describe('Prefer: return= on writes and in bundles, with fhir-kit-client', () => {
  const prefer = (value: string) => ({ headers: { Prefer: value } });

  it('answers a create with return=minimal without a body, and with return=OperationOutcome with one', async () => {
    const minimal = await client.create({
      resourceType: 'Patient',
      body: patient('Minimal', uniqueCnie()) as any,
      options: prefer('return=minimal'),
    });
    assert.ok(!minimal || Object.keys(minimal).length === 0, 'no resource in the body');
    const outcome = (await client.create({
      resourceType: 'Patient',
      body: patient('Issue', uniqueCnie()) as any,
      options: prefer('return=OperationOutcome'),
    })) as Resource;
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assert.equal(outcome.issue[0].severity, 'information');
  });

  it('leaves the resources out of a transaction’s answer with return=minimal, and writes them all', async () => {
    const response = (await client.transaction({
      body: transactionBundle(uniqueCnie()) as any,
      options: prefer('return=minimal'),
    })) as Resource;
    assert.equal(response.type, 'transaction-response');
    assert.equal(response.entry.length, 4);
    for (const e of response.entry) {
      assert.equal(e.resource, undefined);
      assert.match(e.response.status, /^201/);
      assert.match(e.response.etag, /^W\/"1"$/);
    }
    const [patientRef, encounterRef] = response.entry.map((e: any) => parseLocation(e.response.location));
    const encounter = await read('Encounter', encounterRef.id);
    assert.equal(encounter.subject.reference, `Patient/${patientRef.id}`);
  });

  it('answers each write of a transaction with an OperationOutcome when asked, and still returns what it reads', async () => {
    const known = await create(patient('Lue', uniqueCnie()));
    const bundle = transactionBundle(uniqueCnie());
    bundle.entry.push({ request: { method: 'GET', url: `Patient/${known.id}` } });
    const response = (await client.transaction({
      body: bundle as any,
      options: prefer('return=OperationOutcome'),
    })) as Resource;
    const [written, readBack] = [response.entry.slice(0, 4), response.entry[4]];
    for (const e of written) {
      assert.equal(e.resource, undefined);
      assert.match(e.response.status, /^201/);
      assert.equal(e.response.outcome.resourceType, 'OperationOutcome');
      assert.equal(e.response.outcome.issue[0].code, 'informational');
    }
    assert.equal(readBack.resource.id, known.id);
  });

  it('answers a transaction’s conditional create that finds its resource with that resource, or with nothing when asked', async () => {
    const cnie = uniqueCnie();
    const known = await create(patient('Trouvee', cnie));
    const bundle = () => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: patient('Trouvee', cnie),
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${CNIE_SYSTEM}|${cnie}` },
        },
      ],
    });
    const full = (await client.transaction({ body: bundle() as any })) as Resource;
    assert.match(full.entry[0].response.status, /^200/);
    assert.equal(full.entry[0].resource.id, known.id);
    assert.equal(full.entry[0].response.etag, `W/"${known.meta.versionId}"`);
    const minimal = (await client.transaction({
      body: bundle() as any,
      options: prefer('return=minimal'),
    })) as Resource;
    assert.equal(minimal.entry[0].resource, undefined);
    assert.equal(parseLocation(minimal.entry[0].response.location).id, known.id);
  });

  it('leaves the resources out of a batch’s writes with return=minimal; a failed entry keeps its outcome, a read its resource', async () => {
    const known = await create(patient('Lue', uniqueCnie()));
    const bundle = batchWithOneFailure();
    bundle.entry[3] = {
      request: { method: 'PUT', url: 'Patient/batch-minimal' },
      resource: { ...patient('Minimal'), id: 'batch-minimal' },
    };
    bundle.entry.push({ request: { method: 'GET', url: `Patient/${known.id}` } });
    const response = (await client.batch({
      body: bundle as any,
      options: prefer('return=minimal'),
    })) as Resource;
    const statuses = response.entry.map((e: any) => e.response.status.slice(0, 3));
    assert.deepEqual(statuses.slice(0, 3), ['201', '400', '404']);
    assert.match(statuses[3], /^20[01]$/);
    assert.equal(response.entry[0].resource, undefined);
    assert.equal(response.entry[3].resource, undefined);
    assert.equal(response.entry[1].response.outcome.resourceType, 'OperationOutcome');
    assert.equal(response.entry[4].resource.id, known.id);
    assert.equal((await read('Patient', 'batch-minimal')).name[0].family, 'Minimal');
  });
});

describe('large bundles answered entry by entry, with fhir-kit-client', () => {
  it('streams a transaction of 800 patients answered in full, and a search of them at _count=1000', async () => {
    const family = `Flux${Date.now().toString(36)}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 800 }, (_, i) => ({
        fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        request: { method: 'POST', url: 'Patient' },
        resource: { ...patient(family), name: [{ family, given: [`Ḥasna ${i}`, 'حسناء'] }] },
      })),
    };
    const response = (await client.transaction({ body: bundle as any })) as Resource;
    assert.equal(header(response, 'transfer-encoding'), 'chunked', 'sent in pieces');
    assert.equal(header(response, 'content-length'), null);
    assert.equal(response.type, 'transaction-response');
    assert.equal(response.entry.length, 800);
    const written = response.entry.map((e: any, i: number) => {
      assert.match(e.response.status, /^201/);
      assert.equal(e.resource.name[0].given[0], `Ḥasna ${i}`);
      assert.equal(e.resource.id, parseLocation(e.response.location).id);
      return e.resource.id;
    });
    const found = await search('Patient', { family, _count: '1000' });
    assert.equal(header(found, 'transfer-encoding'), 'chunked');
    assert.deepEqual(ids(found).sort(), [...written].sort());
    assert.equal((await read('Patient', written[799])).name[0].given[1], 'حسناء');
    // a small answer is still one body with its length
    const small = await search('Patient', { family, _count: '5' });
    assert.ok(Number(header(small, 'content-length')) > 0);
  });
});

describe('server-level interactions and Moroccan identifiers with fhir-kit-client', () => {
  let patientId = '';
  let cnie = '';
  let observationIds: string[] = [];
  before(async () => {
    cnie = uniqueCnie();
    const response = (await client.transaction({ body: transactionBundle(cnie) as any })) as Resource;
    const [p, , ...obs] = response.entry.map((e: any) => parseLocation(e.response.location).id);
    patientId = p;
    observationIds = obs;
  });

  it('serves a CapabilityStatement for FHIR 4.0.1 that lists the Patient search parameters', async () => {
    const cs = (await client.capabilityStatement()) as Resource;
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.equal(cs.fhirVersion, '4.0.1');
    const patientResource = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
    const names = patientResource.searchParam.map((p: any) => p.name);
    for (const name of ['identifier', 'name', 'family', 'birthdate', 'gender'])
      assert.ok(names.includes(name), `Patient search parameter ${name} is missing`);
  });

  it('returns the patient and their encounter and observations from Patient/$everything (GET)', async () => {
    const bundle = await everything(patientId, 'GET');
    const kinds = bundle.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
    assert.ok(kinds.includes(`Patient/${patientId}`));
    for (const id of observationIds) assert.ok(kinds.includes(`Observation/${id}`));
    assert.ok(kinds.some((k: string) => k.startsWith('Encounter/')));
  });

  it('answers Patient/$everything invoked with POST, the default form of an operation', async () => {
    const bundle = await everything(patientId, 'POST');
    assert.equal(bundle.resourceType, 'Bundle');
    assert.ok(bundle.entry.some((e: any) => e.resource.id === patientId));
  });

  it('finds a patient by CNIE with Patient?identifier=system|value', async () => {
    assert.deepEqual(ids(await search('Patient', { identifier: `${CNIE_SYSTEM}|${cnie}` })), [patientId]);
    assert.deepEqual(ids(await search('Patient', { identifier: `${CNIE_SYSTEM}|XX999999` })), []);
  });

  it('finds the observations of a patient known by CNIE with subject:identifier', async () => {
    const found = await search('Observation', { 'subject:identifier': `${CNIE_SYSTEM}|${cnie}` });
    assert.deepEqual(ids(found).sort(), [...observationIds].sort());
  });

  it('finds the observations of a patient known by CNIE with the chain subject.identifier', async () => {
    const found = await search('Observation', { 'subject.identifier': cnie });
    assert.deepEqual(ids(found).sort(), [...observationIds].sort());
    const qualified = await search('Observation', { 'subject:Patient.identifier': `${CNIE_SYSTEM}|${cnie}` });
    assert.deepEqual(ids(qualified).sort(), [...observationIds].sort());
  });
});
