/**
 * Every kind of bad input gets a 4xx OperationOutcome (an issue of severity error) and changes
 * nothing in the database: malformed bodies, wrong types and ids, hostile search values, broken
 * transaction bundles and stale version checks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as cases from './support/bad-input-cases.ts';
import {
  assertErrorOutcome,
  assertNamesElement,
  entriesByMode,
  expectRejected,
  type FetchInit,
  writeCounts,
} from './support/no-write.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

type H = Record<string, string>;
let server: TestServer;
const rejects = (path: string, init: FetchInit = {}, status?: number) =>
  expectRejected(server, path, init, status);
const send = (path: string, init: FetchInit = {}) => fhirFetch(server.fhirBase, path, init);
const get = (path: string, headers: H = {}) => send(path, { headers });
const put = (path: string, body: unknown) => send(path, { method: 'PUT', body });
const post = (body: unknown, headers?: H): FetchInit => ({ method: 'POST', body, headers });
const link = (id: string) => ({ link: [{ other: { reference: `Patient/${id}` }, type: 'seealso' }] });
const patient = (id: string, extra: object = {}) => ({ resourceType: 'Patient', id, ...extra });
const txn = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const matches = (res: { body: unknown }) => entriesByMode(res.body, 'match').map((e) => e.resource.id);
const txnPatients = async () => (await get('/Patient?name=Txn&_summary=count')).body.total;

before(async () => {
  // large transaction bundles validated on a worker thread (off by default), as a deployment may
  process.env.SAHTI_VALIDATION_WORKERS = '1';
  server = await startTestServer();
  const seed = [
    patient('guard', { name: [{ family: 'Guardian' }], birthDate: '1970-01-01' }),
    // a reference cycle and a long chain for _include:iterate
    ...['a', 'b', 'c'].map((x, i) => patient(`cyc-${x}`, link(`cyc-${'abc'[(i + 1) % 3]}`))),
    ...Array.from({ length: 10 }, (_, i) => patient(`chain-${i}`, i < 9 ? link(`chain-${i + 1}`) : {})),
  ];
  for (const r of seed) assert.equal((await put(`/Patient/${r.id}`, r)).status, 201);
});
after(() => server?.close());

describe('request bodies that are not a valid resource', () => {
  it('rejects malformed JSON and bodies that are not a JSON object with 400', async () => {
    for (const body of [...cases.MALFORMED_JSON, ...cases.NOT_OBJECTS]) {
      await rejects('/Patient', post(body), 400);
      await rejects('/Patient/guard', { method: 'PUT', body }, 400);
      await rejects('/', post(body), 400);
    }
  });

  it('rejects a resource whose resourceType does not match the URL', async () => {
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
    await rejects('/Patient', post(observation), 400);
    await rejects('/Patient/guard', { method: 'PUT', body: { ...observation, id: 'guard' } }, 400);
    await rejects('/', post(patient('x')), 400);
    await rejects('/Patient', post({ name: [{ family: 'NoType' }] }), 400);
  });

  it('answers 400 naming the element path of each invalid element', async () => {
    for (const [element, path] of cases.INVALID_ELEMENTS) {
      const body = { resourceType: 'Patient', ...element };
      assertNamesElement(await rejects('/Patient', post(body), 400), path);
      const update = { ...body, id: 'guard' };
      assertNamesElement(await rejects('/Patient/guard', { method: 'PUT', body: update }, 400), path);
    }
  });

  it('answers 404 for an unknown resource type', async () => {
    await rejects('/Foo', {}, 404);
    await rejects('/Foo/1', {}, 404);
    await rejects('/Foo', post({ resourceType: 'Foo' }), 404);
    await rejects('/patient/guard', {}, 404);
  });

  it('rejects a PUT whose body id differs from the URL id, or has none', async () => {
    await rejects('/Patient/guard', { method: 'PUT', body: patient('other') }, 400);
    await rejects('/Patient/guard', { method: 'PUT', body: { resourceType: 'Patient' } }, 400);
  });

  it('rejects ids with characters outside [A-Za-z0-9-.] or longer than 64', async () => {
    for (const id of cases.BAD_IDS) {
      await rejects(`/Patient/${id}`, {}, 400);
      await rejects(`/Patient/${id}`, { method: 'PUT', body: patient(decodeURIComponent(id)) }, 400);
      await rejects(`/Patient/${id}`, { method: 'DELETE' }, 400);
    }
  });

  it('refuses a body over the size limit with 413', async () => {
    const div = `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(9 * 1024 * 1024)}</div>`;
    await rejects('/Patient', post({ resourceType: 'Patient', text: { status: 'generated', div } }), 413);
  });

  it('refuses bodies of a media type other than JSON with 415', async () => {
    for (const type of cases.UNSUPPORTED_MEDIA_TYPES) {
      await rejects('/Patient', post('{"resourceType":"Patient"}', { 'content-type': type }), 415);
    }
  });

  it('refuses to answer in XML with 406', async () => {
    await rejects('/Patient', { headers: { accept: 'application/fhir+xml' } }, 406);
    await rejects('/Patient/guard?_format=xml', {}, 406);
    await rejects('/Patient', post(patient('x'), { accept: 'application/xml' }), 406);
  });
});

describe('hostile search values', () => {
  it('treats SQL in search values as data: no match, no error, tables intact', async () => {
    for (const query of cases.SQL_IN_VALUES) {
      const res = await get(`/Patient?${query}`);
      assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.deepEqual(matches(res), [], query);
    }
    assert.ok((await writeCounts(server)).resources >= 14);
  });

  it('rejects impossible dates, non-numbers, bad modifiers, deep chains and SQL in _sort with 400', async () => {
    for (const query of cases.BAD_PATIENT_QUERIES) await rejects(`/Patient?${query}`, {}, 400);
    for (const path of cases.BAD_OTHER_QUERIES) await rejects(path, {}, 400);
    assert.equal((await get('/Patient/guard')).status, 200, 'the tables are still there');
    assert.equal(
      (await get('/Observation?subject:Patient.name=x')).status,
      200,
      'one level of chaining is fine',
    );
  });

  it('clamps a huge _count to the maximum page size with a warning, not an error', async () => {
    const res = await get('/Patient?_count=99999999');
    assert.equal(res.status, 200);
    const [outcome] = entriesByMode(res.body, 'outcome');
    assert.equal(outcome?.resource.resourceType, 'OperationOutcome');
    assert.ok(outcome.resource.issue.every((i: { severity: string }) => i.severity === 'warning'));
    assert.match(JSON.stringify(outcome.resource), /_count/);
  });

  it('rejects a negative, fractional or non-numeric _count with 400', async () => {
    for (const count of ['-1', 'abc', '1.5', '1e3', '']) {
      await rejects(`/Patient?_count=${count}`, {}, 400);
      await rejects(`/_history?_count=${count}`, {}, 400);
    }
  });

  it('bounds _include:iterate over a reference cycle and a long chain', async () => {
    const cycle = await get('/Patient?_id=cyc-a&_include:iterate=Patient:link');
    assert.equal(cycle.status, 200);
    const included = entriesByMode(cycle.body, 'include').map((e) => e.resource.id);
    assert.deepEqual(included.sort(), ['cyc-b', 'cyc-c'], 'each resource of the cycle once, not the match');
    const repeated = Array.from({ length: 30 }, () => '_include:iterate=Patient:link').join('&');
    const started = Date.now();
    const chain = await get(`/Patient?_id=chain-0&${repeated}&_revinclude:iterate=Patient:link`);
    assert.equal(chain.status, 200);
    const ids = entriesByMode(chain.body, 'include').map((e) => e.resource.id);
    assert.equal(new Set(ids).size, ids.length, 'no resource is included twice');
    assert.ok(ids.length <= 9 && ids.every((id) => id.startsWith('chain-')));
    assert.ok(Date.now() - started < 5000, 'the include rounds are bounded');
  });

  it('rejects _has nested more than three deep', async () => {
    const level = '_has:Observation:subject:_has:Provenance:target:_has:Provenance:target:';
    assert.equal((await get(`/Patient?${level}_id=x`)).status, 200);
    await rejects(`/Patient?${level}_has:Provenance:target:_id=x`, {}, 400);
  });

  it('ignores unknown parameters with a warning, or rejects them under Prefer: handling=strict', async () => {
    const res = await get('/Patient?flavour=vanilla&_id=guard');
    assert.equal(res.status, 200);
    assert.deepEqual(matches(res), ['guard']);
    const [outcome] = entriesByMode(res.body, 'outcome');
    assert.equal(outcome?.resource.issue[0].severity, 'warning');
    assert.match(outcome.resource.issue[0].diagnostics, /flavour/);
    await rejects('/Patient?flavour=vanilla', { headers: { prefer: 'handling=strict' } }, 400);
  });
});

describe('transaction bundles', () => {
  const create = (i: number, extra: object = {}) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
    resource: { resourceType: 'Patient', name: [{ family: `Txn${i}` }], ...extra },
    request: { method: 'POST', url: 'Patient' },
  });

  it('rejects a bundle with one invalid entry, naming Bundle.entry[i], and stores none of it', async () => {
    const bundle = txn([create(0), create(1), create(2, { birthDate: 'yesterday' }), create(3)]);
    assertNamesElement(await rejects('/', post(bundle), 400), 'Bundle.entry[2]');
    assert.equal(await txnPatients(), 0);
  });

  it('rejects a large bundle (validated off the serving thread) naming each invalid entry, and stores none of it', async () => {
    const entries = Array.from({ length: 120 }, (_, i) => create(i));
    entries[5] = create(5, { birthDate: 'hier' });
    entries[77] = create(77, {
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: '12' }],
    });
    entries[119] = create(119, { gender: 'unknown-code' });
    const res = await rejects('/', post(txn(entries)), 400);
    const named = (res.body as { issue: { expression?: string[] }[] }).issue.flatMap(
      (i) => i.expression ?? [],
    );
    for (const at of [5, 77, 119])
      assert.ok(
        named.some((e) => e.startsWith(`Bundle.entry[${at}].resource`)),
        `entry ${at} named: ${named}`,
      );
    assert.ok(
      named.every((e) => /^Bundle\.entry\[(5|77|119)\]/.test(e)),
      named.join(', '),
    );
    assert.equal(await txnPatients(), 0);
  });

  it('rejects a bundle with an unresolvable urn:uuid reference and stores none of it', async () => {
    const subject = { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' };
    const observation = {
      resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject },
      request: { method: 'POST', url: 'Observation' },
    };
    const res = await rejects('/', post(txn([create(0), create(1), observation])), 400);
    assert.match(JSON.stringify(res.body), /Bundle\.entry\[2\]/);
    assert.equal(await txnPatients(), 0);
  });

  it('rolls back the whole bundle when a later entry fails its If-Match', async () => {
    const request = { method: 'PUT', url: 'Patient/guard', ifMatch: 'W/"99"' };
    await rejects('/', post(txn([create(0), create(1), { resource: patient('guard'), request }])), 412);
    assert.equal(await txnPatients(), 0);
  });
});

describe('version checks', () => {
  it('answers 412 to a stale If-Match on PUT, PATCH and DELETE and leaves the resource unchanged', async () => {
    const before = (await get('/Patient/guard')).body;
    const headers = { 'if-match': 'W/"99"' };
    const patch = [{ op: 'replace', path: '/birthDate', value: '2000-01-01' }];
    await rejects('/Patient/guard', { method: 'PUT', body: { ...before, active: true }, headers }, 412);
    const patchHeaders = { ...headers, 'content-type': 'application/json-patch+json' };
    await rejects('/Patient/guard', { method: 'PATCH', body: patch, headers: patchHeaders }, 412);
    await rejects('/Patient/guard', { method: 'DELETE', headers }, 412);
    assert.deepEqual((await get('/Patient/guard')).body, before);
  });

  it('answers 412 to If-None-Match * on a PUT (or a bundle entry) to a resource that exists, and creates one that does not', async () => {
    const before = (await get('/Patient/guard')).body;
    const headers = { 'if-none-match': '*' };
    await rejects('/Patient/guard', { method: 'PUT', body: { ...before, active: false }, headers }, 412);
    const request = { method: 'PUT', url: 'Patient/guard', ifNoneMatch: '*' };
    await rejects('/', post(txn([{ resource: { ...before, active: false }, request }])), 412);
    assert.deepEqual((await get('/Patient/guard')).body, before);
    const fresh = { resourceType: 'Patient', id: 'only-once', name: [{ family: 'Once' }] };
    const made = await fhirFetch(server.fhirBase, '/Patient/only-once', {
      method: 'PUT',
      body: fresh,
      headers,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await rejects('/Patient/only-once', { method: 'PUT', body: fresh, headers }, 412);
  });
});

/** Each of these answered 500 (or stored an invalid resource) when this file was written. */
describe('values the server must check before the database sees them', () => {
  it('rejects a NUL character in a search value with 400', async () => {
    for (const query of ['name=a%00b', 'identifier=%00', '_id=%00', 'family:exact=%00']) {
      await rejects(`/Patient?${query}`, {}, 400);
    }
  });

  it('rejects a forged _cursor or _since with 400', async () => {
    const forged = cases.forgedCursor;
    await rejects(`/Patient?_sort=birthdate&_cursor=${forged({ keys: ['zz'], id: 'a' })}`, {}, 400);
    await rejects(`/Patient?_sort=_lastUpdated&_cursor=${forged({ keys: [{}], id: 'a' })}`, {}, 400);
    await rejects(`/_history?_cursor=${forged(['x', 'Patient', 'a', 'b'])}`, {}, 400);
    await rejects('/Patient/guard/$everything?_since=garbage', {}, 400);
  });

  it('searches and stores dates in the year 9999 without a server error', async () => {
    for (const query of ['birthdate=9999-12-31', '_lastUpdated=9999', 'birthdate=le9999-12']) {
      const res = await get(`/Patient?${query}`);
      assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    const res = await put('/Patient/far-future', patient('far-future', { birthDate: '9999-12-31' }));
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 200));
  });

  it('rejects bundle entries with fields of the wrong JSON type with 400', async () => {
    for (const entry of cases.MALFORMED_ENTRIES) {
      for (const type of ['transaction', 'batch']) {
        const res = await send('/', post({ resourceType: 'Bundle', type, entry: [entry] }));
        const label = `${type} with entry ${JSON.stringify(entry)}`;
        if (type === 'batch' && res.status === 200) {
          assert.match(res.body.entry?.[0]?.response?.status ?? '', /^4/, label);
        } else {
          assert.equal(res.status, 400, `${label}: ${JSON.stringify(res.body).slice(0, 200)}`);
          assertErrorOutcome(res, label);
        }
      }
    }
  });

  it('answers $validate with a malformed Parameters body without a server error', async () => {
    for (const parameter of [5, [null], 'resource']) {
      const res = await send('/Patient/$validate', post({ resourceType: 'Parameters', parameter }));
      assert.ok(res.status < 500, `parameter ${JSON.stringify(parameter)}: ${res.status}`);
      assertErrorOutcome(res, `$validate with parameter ${JSON.stringify(parameter)}`);
    }
  });

  it('rejects __proto__ and constructor as unknown properties', async () => {
    for (const key of ['__proto__', 'constructor']) {
      const body = `{"resourceType":"Patient","${key}":{"birthDate":"junk"}}`;
      assertNamesElement(await rejects('/Patient', post(body), 400), `Patient.${key}`);
    }
  });

  it('rejects empty objects anywhere in a resource with 400 naming the element, and stores nothing', async () => {
    const before = (await get('/Patient?name=Vide&_summary=count')).body.total;
    const bodies: [object, string][] = [
      // "given" is a list of strings: an empty object there once reached the index rows and gave a 500
      [{ name: [{ family: 'Vide', given: {} }] }, 'Patient.name[0].given'],
      [{ name: [{ family: 'Vide' }], identifier: {} }, 'Patient.identifier'],
      [{ name: [{ family: 'Vide' }], telecom: [{}] }, 'Patient.telecom[0]'],
      [{ name: [{ family: 'Vide' }], meta: {} }, 'Patient.meta'],
    ];
    for (const [extra, element] of bodies) {
      const body = { resourceType: 'Patient', ...extra };
      assertNamesElement(await rejects('/Patient', post(body), 400), element);
      assertNamesElement(
        await rejects('/Patient/vide', { method: 'PUT', body: { ...body, id: 'vide' } }, 400),
        element,
      );
      const bundle = txn([{ resource: body, request: { method: 'POST', url: 'Patient' } }]);
      await rejects('/', post(bundle), 400);
    }
    assert.equal((await get('/Patient?name=Vide&_summary=count')).body.total, before);
  });

  it('takes empty arrays as absent, even where one value is expected, and refuses what they leave missing', async () => {
    const created = await send('/Observation', {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        // @medplum/core passes [] as a text; it once reached the index rows and gave a 500
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: [] }], text: [] },
        category: [],
        valueQuantity: { value: 120, unit: 'mmHg' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const stored = (await get(`/Observation/${created.body.id}`)).body;
    assert.deepEqual(stored.code, { coding: [{ system: 'http://loinc.org', code: '8480-6' }] });
    assert.equal(stored.category, undefined);
    assert.equal(
      (await get(`/Observation?_id=${created.body.id}&code=http://loinc.org|8480-6`)).body.total,
      1,
    );
    const phone = await send('/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Vide', given: [] }], telecom: [{ value: [] }] },
    });
    assert.equal(phone.status, 201, JSON.stringify(phone.body));
    assert.equal((await get(`/Patient/${phone.body.id}`)).body.telecom, undefined);
    const noCode = { resourceType: 'Observation', status: 'final', code: { coding: [] } };
    assertNamesElement(await rejects('/Observation', post(noCode), 400), 'Observation.code');
  });

  it('rejects a code outside a required binding (Patient.gender) with 400 naming the element', async () => {
    const body = { resourceType: 'Patient', gender: 'sometimes' };
    assertNamesElement(await rejects('/Patient', post(body), 400), 'Patient.gender');
  });

  it('rejects NUL characters and unpaired surrogates in any string element with 400', async () => {
    for (const body of cases.UNSTORABLE_STRINGS) await rejects('/Patient', post(body), 400);
  });

  it('stores an identifier too long to index whole, and finds it by that value (no 500)', async () => {
    // base64url: no comma, pipe or backslash, which search syntax would read as separators
    const value = randomBytes(9_000).toString('base64url');
    const created = await fhirFetch(
      server.fhirBase,
      '/Patient',
      post({ resourceType: 'Patient', identifier: [{ system: 'urn:x', value }] }),
    );
    assert.equal(created.status, 201);
    const found = await fhirFetch(
      server.fhirBase,
      `/Patient?identifier=${encodeURIComponent(`urn:x|${value.slice(0, 1500)}`)}`,
    );
    assert.equal(found.status, 200);
    assert.deepEqual(
      found.body.entry.map((e: any) => e.resource.id),
      [created.body.id],
    );
  });

  it('answers a malformed percent-encoding in the path with an OperationOutcome', async () => {
    await rejects('/Patient/%E0%A4%A', {}, 400);
  });
});
