/**
 * A care-giver's list of patients (search/drive.ts carePatientsPage): a doctor's `GET /Patient` is
 * answered from their care list — every patient in care, and a Patient whose `link` names one of
 * them (it belongs to that patient's compartment) — in id order, page after page, with the other
 * filters, the total and the cursor as for any search; nobody else, and nothing deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FhirStore, type ReadScope } from '../packages/fhir/src/index.ts';
import { SqlParams } from '../packages/fhir/src/search/sql-params.ts';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let drA: Person;
let drB: Person;

const IN_CARE = Array.from({ length: 14 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const ref = (r: string) => ({ reference: r });
const put = async (resource: { resourceType: string; id: string }) => {
  const res = await fhirFetch(server.fhirBase, `/${resource.resourceType}/${resource.id}`, {
    method: 'PUT',
    body: resource,
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body).slice(0, 300));
};
const patient = (id: string, family: string, extra: object = {}) => ({
  resourceType: 'Patient',
  id,
  name: [{ family, given: ['Test'] }],
  ...extra,
});

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server); // drA has p1 in care
  for (const [i, id] of IN_CARE.entries()) {
    await put(patient(id, i % 3 === 0 ? 'Benali' : 'Chraibi'));
    // a visit recorded by the hospital system: an authoritative care relationship
    await put({
      resourceType: 'Encounter',
      id: `enc-${id}`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: ref(`Patient/${id}`),
      participant: [{ individual: ref('Practitioner/pr-a') }],
    } as never);
  }
  // linked to a patient in care: in that patient's compartment, so in the doctor's list; its id
  // sorts before every listed one
  await put(patient('a-linked', 'Benali', { link: [{ other: ref('Patient/c05'), type: 'seealso' }] }));
  // linked to a patient out of care, and not linked at all: never listed
  await put(patient('b-linked-out', 'Benali', { link: [{ other: ref('Patient/p2'), type: 'seealso' }] }));
  await put(patient('c99-out', 'Benali'));
  // in care, then deleted
  const gone = await fhirFetch(server.fhirBase, '/Patient/c07', { method: 'DELETE' });
  assert.ok(gone.status === 200 || gone.status === 204, `delete: ${gone.status}`);
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
  drB = await signIn(server, ['doctor'], 'Practitioner/pr-b');
});
after(() => server?.close());

/** Every page of a search, following `next`: the ids of each page in order. */
async function pages(who: Person, query: string): Promise<{ pages: string[][]; total?: number }> {
  const out: string[][] = [];
  let path: string | undefined = `/Patient?${query}`;
  let total: number | undefined;
  while (path) {
    const res = await who.fhir(path);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    total ??= res.body.total;
    out.push((res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id));
    const next = (res.body.link ?? []).find((l: { relation: string }) => l.relation === 'next')?.url;
    path = next ? next.slice(next.indexOf('/Patient')) : undefined;
    assert.ok(out.length < 50, 'paging ends');
  }
  return { pages: out, total };
}

const expected = ['a-linked', ...IN_CARE.filter((id) => id !== 'c07'), 'p1'].sort();

describe("a care-giver's list of patients", () => {
  it('is every patient in care and those linked to one, in id order, page after page', async () => {
    const { pages: got } = await pages(drA, '_count=4');
    const flat = got.flat();
    assert.deepEqual(flat, expected, 'each once, in id order, across the pages');
    for (const page of got.slice(0, -1)) assert.equal(page.length, 4, 'full pages but the last');
    // one page with everything, as the web app asks
    const { pages: whole } = await pages(drA, '_count=50');
    assert.deepEqual(whole, [expected]);
  });

  it('applies the other filters, the total and the cursor', async () => {
    const benali = expected.filter(
      (id) => id === 'a-linked' || (IN_CARE.indexOf(id) % 3 === 0 && id !== 'p1'),
    );
    const { pages: got, total } = await pages(drA, 'name=Benali&_count=2&_total=accurate');
    assert.deepEqual(got.flat(), benali);
    assert.equal(total, benali.length);
    const { pages: counted } = await pages(drA, '_summary=count');
    assert.deepEqual(counted, [[]]);
    assert.equal((await drA.fhir('/Patient?_summary=count')).body.total, expected.length);
  });

  it('gives another doctor only their own patients (none here)', async () => {
    const { pages: got } = await pages(drB, '_count=5');
    assert.deepEqual(got.flat(), []);
  });

  it('follows the links as they change', async () => {
    await put(patient('a-linked', 'Benali')); // the link removed
    assert.deepEqual(
      (await pages(drA, '_count=50')).pages.flat(),
      expected.filter((id) => id !== 'a-linked'),
    );
    await put(patient('a-linked', 'Benali', { link: [{ other: ref('Patient/c05'), type: 'seealso' }] }));
    assert.deepEqual((await pages(drA, '_count=50')).pages.flat(), expected);
  });

  it("passes a care view's list as one literal that reads back the same on the database", async () => {
    // the care view is frozen, and the engine writes its literal once (search/sql-params.ts)
    const list = Object.freeze(['p1', 'b"c', 'd\\e', 'a,b', '{x}', ' space ', 'NULL', '', 'الإدريسي']);
    const p = new SqlParams();
    const placeholder = p.add(list, 'text[]');
    assert.equal(typeof p.values[0], 'string');
    const { rows } = await server.platform.db.query<{ list: string[] }>(
      `SELECT ${placeholder} AS list`,
      p.values,
    );
    assert.deepEqual(rows[0].list, list);
  });

  it("checks a kept list's linked Patients against it again, and reads a list not kept alike", async () => {
    // the engine keeps a frozen list's Patients in order (search/care-patients.ts), as long as the
    // list lives: a link removed meanwhile must count at once all the same
    const store = new FhirStore(server.platform.db, { baseUrl: server.fhirBase });
    const scopeOf = (patients: readonly string[]): ReadScope => ({ shared: [], patients });
    const ids = async (patients: readonly string[]) =>
      (await store.as({ scope: scopeOf(patients) }).search('Patient', [['_count', '2']])).stored.map(
        (m) => m.id,
      );
    const kept = Object.freeze(['c05', 'c06', 'c08']);
    assert.deepEqual(await ids(kept), ['a-linked', 'c05'], 'first page, the linked Patient first');
    assert.deepEqual(await ids(['c05', 'c06', 'c08']), ['a-linked', 'c05'], 'a list not kept, the same');
    await store.update('Patient', 'a-linked', patient('a-linked', 'Benali'));
    assert.deepEqual(await ids(kept), ['c05', 'c06'], 'the link removed: gone from the kept list at once');
    assert.deepEqual(await ids(['c05', 'c06', 'c08']), ['c05', 'c06']);
    await put(patient('a-linked', 'Benali', { link: [{ other: ref('Patient/c05'), type: 'seealso' }] }));
    assert.deepEqual(await ids(Object.freeze([...kept])), ['a-linked', 'c05'], 'a new list finds it again');
  });

  it("reads past a kept list's part full of Patients that are gone, page after page", async () => {
    // listed ids that name no Patient (deleted, or never written) between those that do: the page
    // probes past them, and the cursor carries on from the last row shown
    const store = new FhirStore(server.platform.db, { baseUrl: server.fhirBase });
    const gone = Array.from({ length: 30 }, (_, i) => `b-gone-${String(i).padStart(2, '0')}`);
    const listed = ['c05', 'c07', ...gone, 'c06', 'c08', 'c09'];
    const walk = async (patients: readonly string[], count: number) => {
      const scoped = store.as({ scope: { shared: [], patients } });
      const out: string[][] = [];
      let cursor: string | undefined;
      do {
        const query: [string, string][] = [['_count', String(count)]];
        if (cursor) query.push(['_cursor', cursor]);
        const page = await scoped.search('Patient', query);
        out.push(page.stored.map((m) => m.id));
        cursor = page.nextCursor;
      } while (cursor && out.length < 20);
      return out;
    };
    const expectedPages = [['a-linked', 'c05'], ['c06', 'c08'], ['c09']];
    assert.deepEqual(await walk(Object.freeze([...listed]), 2), expectedPages, 'kept');
    assert.deepEqual(await walk([...listed], 2), expectedPages, 'not kept');
    assert.deepEqual(
      await walk(Object.freeze([...listed]), 1),
      expectedPages.flat().map((id) => [id]),
    );
  });
});
