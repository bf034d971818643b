/**
 * A leak hunt: with one patient's session, thousands of attempts at another patient's data through
 * every read path — read, vread, search, chaining, _has, _include/_revinclude, history, $everything,
 * batch and transaction entries. Nothing of the other patient may come back, and counts must agree
 * with what is returned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { seedCareWorld } from './support/care-world.ts';
import { assertNoLeak as noLeak } from './support/leaks.ts';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const assertNoLeak = (body: unknown, what: string) => noLeak(body, what, FORBIDDEN);

let server: TestServer;
let patient1: Person;
let drA: Person;

/** Everything of p2's, and what no patient may see (a Provenance outside any compartment). */
const FORBIDDEN = new Set(['Patient/p2', 'Observation/o2', 'Condition/c2', 'Provenance/prov2']);

const TARGETS = [
  '/Patient/p2',
  '/Observation/o2',
  '/Condition/c2',
  '/Provenance/prov2',
  '/Patient/p2/_history',
  '/Observation/o2/_history/1',
  '/Patient/p2/$everything',
  '/Observation?subject=Patient/p2',
  '/Observation?patient=p2',
  '/Observation?_id=o1,o2',
  '/Observation?subject.name=Idrissi',
  '/Observation?subject:Patient.name=Omar',
  '/Condition?code:text=HIV',
  '/Condition?subject.identifier:missing=true',
  '/Patient?_has:Condition:subject:code:text=HIV',
  '/Patient?_has:Observation:subject:value-quantity=gt100',
  '/Practitioner?_has:Provenance:agent:target=Observation/o2',
  '/Observation?_include=Observation:subject',
  '/Observation?_revinclude=Provenance:target',
  '/Practitioner?_revinclude=Provenance:agent',
  '/Patient?_revinclude:iterate=Observation:subject&_include:iterate=Observation:subject',
  '/Patient?name=Omar',
  '/Patient?_id=p2',
  '/_history',
  '/Observation/_history',
  '/Patient/_history',
  '/Observation?code=2339-0&_sort=-date',
  '/Observation?_summary=count',
];

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
});
after(() => server?.close());

const request = fc.record({
  target: fc.constantFrom(...TARGETS),
  count: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  total: fc.constantFrom(undefined, 'accurate'),
  elements: fc.constantFrom(undefined, 'id', 'subject,code'),
  via: fc.constantFrom('direct', 'batch', 'transaction'),
});

describe('leak hunt', () => {
  it("returns nothing of another patient's record, whatever the path (patient session)", async () => {
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(request, async ({ target, count, total, elements, via }) => {
        const params = [
          count && `_count=${count}`,
          total && `_total=${total}`,
          elements && `_elements=${elements}`,
        ].filter(Boolean);
        const path = params.length
          ? `${target}${target.includes('?') ? '&' : '?'}${params.join('&')}`
          : target;
        attempts++;
        if (via === 'direct') {
          const res = await patient1.fhir(path);
          assert.ok(res.status < 500, `${path}: ${res.status}`);
          assertNoLeak(res.body, path);
          return;
        }
        const bundle = {
          resourceType: 'Bundle',
          type: via,
          entry: [{ request: { method: 'GET', url: path.slice(1) } }],
        };
        const res = await patient1.fhir('/', { method: 'POST', body: bundle });
        assert.ok(res.status < 500, `${via} ${path}: ${res.status}`);
        assertNoLeak(res.body, `${via} ${path}`);
      }),
      { numRuns: 1500, seed: 20261123 },
    );
    assert.ok(attempts >= 1500);
  });

  it('counts what the patient may see, no more', async () => {
    const counted = await patient1.fhir('/Observation?_summary=count');
    const listed = await patient1.fhir('/Observation?_count=1000');
    assert.equal(counted.body.total, listed.body.entry.length);
    assert.ok(listed.body.entry.every((e: any) => e.resource.subject.reference === 'Patient/p1'));
  });

  it("gives a care-giver only their patients' data through the same paths", async () => {
    for (const target of TARGETS) {
      const res = await drA.fhir(target);
      assert.ok(res.status < 500, `${target}: ${res.status}`);
      assertNoLeak(res.body, `doctor ${target}`);
    }
  });
});
