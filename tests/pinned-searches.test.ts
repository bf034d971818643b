/**
 * A search pinned to one patient's compartment (`Observation?subject=Patient/p1`, search/pinned.ts)
 * skips the scope's compartment test when that patient is in the caller's care: the same answers as
 * the test gave — a patient in care shows, anyone else's record stays empty, whichever way the
 * reference is written — with counts and includes alike.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let drA: Person;
let drB: Person;

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server); // drA has p1 in care (an encounter); nobody has p2
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
});
after(() => server?.close());

async function ids(who: Person, path: string): Promise<string[]> {
  const res = await who.fhir(path);
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return (res.body.entry ?? []).map(
    (e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`,
  );
}

describe('a search pinned to one patient', () => {
  it('shows the record of a patient in care, however the reference is written', async () => {
    for (const query of [
      'subject=Patient/p1',
      'subject:Patient=p1',
      `subject=${server.fhirBase}/Patient/p1`,
      'subject=Patient/p1&code=http://loinc.org|2339-0',
      'subject=p1',
      'patient=Patient/p1',
    ])
      assert.deepEqual(await ids(drA, `/Observation?${query}`), ['Observation/o1'], query);
    assert.deepEqual(await ids(drA, '/Encounter?subject=Patient/p1'), ['Encounter/e1']);
  });
  it("keeps everyone else's record out of it", async () => {
    for (const query of [
      'subject=Patient/p2',
      'subject:Patient=p2',
      'subject=p2',
      `subject=${server.fhirBase}/Patient/p2`,
      'patient=Patient/p2',
      'subject=Patient/p2&code=http://loinc.org|2339-0',
    ])
      assert.deepEqual(await ids(drA, `/Observation?${query}`), [], query);
    assert.deepEqual(await ids(drA, '/Condition?patient=Patient/p2'), []);
    assert.deepEqual(await ids(drA, '/Condition?subject=Patient/p2'), []);
    // a doctor with nobody in care sees nobody's, the in-care patient's neither
    assert.deepEqual(await ids(drB, '/Observation?subject=Patient/p1'), []);
  });
  it('answers for the listed patients only when a search names others beside them', async () => {
    assert.deepEqual(await ids(drA, '/Observation?subject=Patient/p1,Patient/p2'), ['Observation/o1']);
    assert.deepEqual(await ids(drA, '/Observation?subject=Patient/p2&subject=Patient/p1'), []);
  });
  it('counts as it lists, and includes only what the scope allows', async () => {
    const count = async (who: Person, path: string) => (await who.fhir(path)).body.total;
    assert.equal(await count(drA, '/Observation?subject=Patient/p1&_summary=count'), 1);
    assert.equal(await count(drA, '/Observation?subject=Patient/p1&_total=accurate'), 1);
    assert.equal(await count(drA, '/Observation?subject=Patient/p2&_summary=count'), 0);
    assert.deepEqual(
      (await ids(drA, '/Observation?subject=Patient/p1&_include=Observation:subject')).sort(),
      ['Observation/o1', 'Patient/p1'],
    );
    // p2's provenance names p2's observation: the reverse include from p1's page brings none of p2's
    assert.deepEqual(await ids(drA, '/Observation?subject=Patient/p1&_revinclude=Provenance:target'), [
      'Observation/o1',
    ]);
  });
});
