/**
 * The official HL7 R4 examples, round-tripped through the HTTP API: each one is PUT under its own
 * id (create-on-update), read back unchanged, and found again by `_id` and by the values of its own
 * search parameters (token, string, date, reference, quantity, number, uri), derived from the
 * resource and the official SearchParameter expressions. Some official examples are not valid R4
 * (the validator refuses them with 400): they are counted and explained, never a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DerivedSearch, deriveSearches, type SearchParamInfo } from './support/example-search.ts';
import {
  type Example,
  issueSummary,
  loadExamples,
  mapLimit,
  searchParamsByType,
  withoutServerMeta,
} from './support/hl7-corpus.ts';
import { firstDifference } from './support/json-diff.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const CONCURRENCY = 4;
const MIN_ACCEPTED = 0.9;
const MIN_EXAMPLES = 300;

let server: TestServer;
let examples: Example[] = [];
let params = new Map<string, SearchParamInfo[]>();
type Written = { example: Example; status: number; headers: Headers; body: any };
let written: Written[] = [];
let stored: Written[] = [];

const path = (r: { resourceType: string; id: string }) => `/${r.resourceType}/${encodeURIComponent(r.id)}`;
const label = (e: Example) => `${e.resource.resourceType}/${e.resource.id}`;

before(async () => {
  server = await startTestServer();
  examples = await loadExamples();
  params = await searchParamsByType((await fhirFetch(server.fhirBase, '/metadata')).body);
  written = await mapLimit(examples, CONCURRENCY, async (example) => ({
    example,
    ...(await fhirFetch(server.fhirBase, path(example.resource), { method: 'PUT', body: example.resource })),
  }));
  stored = written.filter((w) => w.status === 200 || w.status === 201);
});
after(() => server?.close());

/** `Type?_id=id&key=value` (strict: an unknown parameter is a 400, never silently ignored). */
async function searchById(example: Example, key: string, value: string) {
  const { resourceType, id } = example.resource;
  const query = new URLSearchParams([
    ['_id', id],
    [key, value],
  ]);
  const res = await fhirFetch(server.fhirBase, `/${resourceType}?${query}`, {
    headers: { prefer: 'handling=strict' },
  });
  const ids = (res.body?.entry ?? [])
    .filter((e: any) => e.search?.mode === 'match')
    .map((e: any) => e.resource?.id);
  return { status: res.status, ids, body: res.body };
}

/** Runs every derived search of the given kinds; returns the count run and the failures. */
async function runDerived(types: string[], negative = false): Promise<{ ran: number; failures: string[] }> {
  const jobs: { example: Example; search: DerivedSearch; value: string }[] = [];
  for (const { example } of stored) {
    const searches = deriveSearches(example.resource, params.get(example.resource.resourceType) ?? []).filter(
      (s) => types.includes(s.type) && (!negative || s.miss),
    );
    // a negative control per example is enough to show that a condition is not a no-op
    for (const search of negative ? searches.slice(0, 1) : searches)
      jobs.push({ example, search, value: negative ? (search.miss as string) : search.value });
  }
  const failures: string[] = [];
  await mapLimit(jobs, CONCURRENCY, async ({ example, search, value }) => {
    const res = await searchById(example, search.key, value);
    const found = res.ids.includes(example.resource.id);
    if (res.status !== 200 || found === negative) {
      const why =
        res.status === 200 ? `${res.ids.length} match(es)` : `${res.status} ${issueSummary(res.body)}`;
      failures.push(
        `${example.resource.resourceType}?_id=${example.resource.id}&${search.key}=${value} → ${why}`,
      );
    }
  });
  return { ran: jobs.length, failures: failures.sort() };
}

const report = (failures: string[], max = 40): string =>
  `${failures.length} failure(s):\n  ${failures.slice(0, max).join('\n  ')}${failures.length > max ? '\n  …' : ''}`;

describe('official HL7 R4 examples through the HTTP API', () => {
  it('takes a broad sample: hundreds of examples over many resource types', () => {
    const types = new Set(examples.map((e) => e.resource.resourceType));
    console.log(`# ${examples.length} examples of ${types.size} resource types (${server.backend})`);
    assert.ok(examples.length >= MIN_EXAMPLES, `only ${examples.length} examples`);
    assert.ok(types.size >= 100, `only ${types.size} resource types`);
    for (const type of ['Patient', 'Observation', 'Encounter', 'MedicationRequest', 'Appointment', 'Slot'])
      assert.ok(types.has(type), `no ${type} example`);
  });

  it('stores at least 90% of them; the rest are refused with 400 and a reason', () => {
    const refused = written.filter((w) => w.status === 400);
    const lines = refused.map((w) => `${w.example.file}: ${issueSummary(w.body)}`);
    console.log(`# stored ${stored.length}/${written.length}; refused with 400: ${refused.length}`);
    for (const line of lines) console.log(`#   ${line}`);
    assert.ok(stored.length / written.length >= MIN_ACCEPTED, report(lines));
    for (const w of refused) assert.equal(w.body?.resourceType, 'OperationOutcome', w.example.file);
  });

  it('never answers an example with a 5xx or an unexpected status', () => {
    const odd = written.filter((w) => ![200, 201, 400].includes(w.status));
    assert.deepEqual(
      odd.map((w) => `${w.example.file}: ${w.status} ${issueSummary(w.body)}`),
      [],
      'a 5xx is always a server bug',
    );
  });

  it('creates each example under its own id with 201, version 1, ETag and Location', () => {
    const wrong: string[] = [];
    for (const w of stored) {
      const { resourceType, id } = w.example.resource;
      const location = w.headers.get('location') ?? '';
      if (
        w.status !== 201 ||
        w.body?.id !== id ||
        w.body?.meta?.versionId !== '1' ||
        w.headers.get('etag') !== 'W/"1"' ||
        !location.endsWith(`/${resourceType}/${id}/_history/1`)
      )
        wrong.push(`${label(w.example)}: ${w.status} etag=${w.headers.get('etag')} location=${location}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('reads every stored example back as sent, apart from meta.versionId and meta.lastUpdated', async () => {
    const diffs: string[] = [];
    await mapLimit(stored, CONCURRENCY, async ({ example, body }) => {
      const res = await fhirFetch(server.fhirBase, path(example.resource));
      const sent = withoutServerMeta(example.resource);
      if (res.status !== 200) diffs.push(`${label(example)}: read ${res.status}`);
      else {
        const diff =
          firstDifference(sent, withoutServerMeta(res.body)) ??
          firstDifference(sent, withoutServerMeta(body));
        if (diff) diffs.push(`${label(example)}: ${diff}`);
      }
    });
    assert.deepEqual(diffs.sort(), []);
  });

  it('finds every stored example by _id', async () => {
    const missing: string[] = [];
    await mapLimit(stored, CONCURRENCY, async ({ example }) => {
      const { resourceType, id } = example.resource;
      const res = await fhirFetch(server.fhirBase, `/${resourceType}?_id=${encodeURIComponent(id)}`);
      const ids = (res.body?.entry ?? []).map((e: any) => e.resource?.id);
      if (res.status !== 200 || ids.length !== 1 || ids[0] !== id)
        missing.push(`${resourceType}?_id=${id} → ${res.status} [${ids.join(', ')}]`);
    });
    assert.deepEqual(missing, []);
  });

  // Each kind must be exercised broadly, or a derivation bug would pass as "nothing failed".
  const kinds: [string, string[], number][] = [
    ['token (identifier, code, status, category, telecom, tag…)', ['token'], 800],
    ['string (name, address, title, description…)', ['string'], 150],
    ['date (birthdate, effective, period, authored…)', ['date'], 300],
    ['reference (subject, patient, performer, canonical…)', ['reference'], 500],
    ['quantity, number and uri', ['quantity', 'number', 'uri'], 30],
  ];
  for (const [name, types, minimum] of kinds) {
    it(`finds every stored example by its own ${name} values`, async () => {
      const { ran, failures } = await runDerived(types);
      console.log(`# ${types.join('/')}: ${ran} searches, ${failures.length} failed`);
      assert.ok(ran >= minimum, `only ${ran} ${types.join('/')} searches were derived`);
      assert.equal(failures.length, 0, report(failures));
    });
  }

  it('does not find an example by an altered token or string value', async () => {
    const { ran, failures } = await runDerived(['token', 'string'], true);
    assert.ok(ran >= 500, `only ${ran} negative searches`);
    console.log(`# negative controls: ${ran} searches, ${failures.length} failed`);
    assert.equal(failures.length, 0, report(failures));
  });
});

// Engine bugs the examples revealed, pinned on their own so each failure names its cause.
describe('search cases found with the official examples', () => {
  const matches = async (query: string, id: string) => {
    const res = await fhirFetch(server.fhirBase, query);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.entry ?? []).some((e: any) => e.resource?.id === id);
  };

  it('finds a practitioner by an email with capitals, exactly as written in the resource', async () => {
    // Practitioner/f001 telecom: { system: 'email', value: 'E.M.vandenbroek@bmc.nl' }
    assert.ok(await matches(`/Practitioner?email=${encodeURIComponent('E.M.vandenbroek@bmc.nl')}`, 'f001'));
    assert.ok(await matches(`/Practitioner?telecom=${encodeURIComponent('E.M.vandenbroek@bmc.nl')}`, 'f001'));
  });

  it('finds an observation by its exact quantity even with 14 decimals', async () => {
    // Observation/body-height valueQuantity.value: 66.89999999999999 [in_i]
    assert.ok(await matches('/Observation?_id=body-height&value-quantity=66.89999999999999', 'body-height'));
    assert.ok(await matches('/Observation?_id=body-height&value-quantity=66.9', 'body-height'));
  });
});
