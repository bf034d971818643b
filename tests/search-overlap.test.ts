/**
 * A parameter that includes another's values (overlap.ts): Observation `combo-code` is `code` and
 * `component-code` together, `combo-value-quantity` is `value-quantity` and `component-value-quantity`,
 * `combo-code-value-quantity` the two code-value pairs. Their own rows are no longer written; a
 * search on them reads the included parameters' rows. Through HTTP: every modifier and the sort
 * find what the full expression would, no such row is stored, and the migration removes the rows
 * an older version wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { namesFound } from './support/named-search.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

describe('a parameter that includes another', () => {
  let server: TestServer;
  let subject: string;
  const ids: Record<'pressure' | 'pulse' | 'weight', string> = { pressure: '', pulse: '', weight: '' };

  const observation = (code: string, extra: Partial<Observation>): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: '2026-11-30T09:00:00Z',
    code: { coding: [{ system: LOINC, code }] },
    ...extra,
  });
  const quantity = (value: number, unit: string) => ({ value, unit, system: UCUM, code: unit });

  /** The names of the subject's Observations a search finds, in the order given. */
  const found = (query: string): Promise<string[]> =>
    namesFound(server.fhirBase, `/Observation?subject=Patient/${subject}&${query}`, ids);
  const sorted = async (query: string) => (await found(query)).sort();

  before(async () => {
    server = await startTestServer();
    const patient = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Overlap', given: ['Test'] }] },
    });
    subject = patient.body.id;
    const bodies = {
      pressure: observation('85354-9', {
        component: [
          { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: quantity(150, 'mm[Hg]') },
          { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: quantity(95, 'mm[Hg]') },
        ],
      }),
      pulse: observation('8867-4', { valueQuantity: quantity(72, '/min') }),
      weight: observation('29463-7', {
        code: { coding: [{ system: LOINC, code: '29463-7' }], text: 'Poids' },
        valueQuantity: quantity(80, 'kg'),
      }),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const res = await fhirFetch(server.fhirBase, '/Observation', { method: 'POST', body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name as keyof typeof ids] = res.body.id;
    }
  });
  after(() => server?.close());

  it('finds by the code and by a component code, with or without system, and by text', async () => {
    assert.deepEqual(await found('combo-code=8480-6'), ['pressure']);
    assert.deepEqual(await found(`combo-code=${LOINC}|85354-9`), ['pressure']);
    assert.deepEqual(await found('combo-code=8867-4'), ['pulse']);
    assert.deepEqual(await sorted('combo-code=8867-4,8462-4'), ['pressure', 'pulse']);
    assert.deepEqual(await found('combo-code:text=poids'), ['weight']);
    // the narrower parameters are as before
    assert.deepEqual(await found('code=8480-6'), []);
    assert.deepEqual(await found('component-code=8480-6'), ['pressure']);
  });

  it('compares values of the observation and of its components, alone and paired with their code', async () => {
    assert.deepEqual(await found('combo-value-quantity=gt100'), ['pressure']);
    assert.deepEqual(await sorted('combo-value-quantity=lt90'), ['pulse', 'weight']);
    assert.deepEqual(await found(`combo-value-quantity=72|${UCUM}|/min`), ['pulse']);
    assert.deepEqual(await found(`combo-code-value-quantity=${LOINC}|8480-6$gt140`), ['pressure']);
    assert.deepEqual(await found(`combo-code-value-quantity=${LOINC}|8462-4$gt140`), []);
    assert.deepEqual(await found(`combo-code-value-quantity=${LOINC}|8867-4$72`), ['pulse']);
    assert.deepEqual(await found('combo-code-value-quantity=29463-7$80'), ['weight']);
    // a concept's text is not a code: the pair is found by the code only
    assert.deepEqual(await found('code-value-quantity=Poids$80'), []);
  });

  it('answers :missing and :not over both sets of rows, and sorts by the lowest of them', async () => {
    assert.deepEqual(await sorted('combo-code:missing=false'), ['pressure', 'pulse', 'weight']);
    assert.deepEqual(await found('combo-code:missing=true'), []);
    assert.deepEqual(await sorted('combo-value-quantity:missing=false'), ['pressure', 'pulse', 'weight']);
    assert.deepEqual(await sorted('combo-code:not=8867-4'), ['pressure', 'weight']);
    assert.deepEqual(await sorted('combo-code:not=8480-6'), ['pulse', 'weight']);
    // lowest codes: weight 29463-7, pressure 8462-4 (a component), pulse 8867-4
    assert.deepEqual(await found('_sort=combo-code'), ['weight', 'pressure', 'pulse']);
    assert.deepEqual(await found('_sort=-combo-value-quantity'), ['pressure', 'weight', 'pulse']);
  });

  it('stores no row under the wider codes, and the migration removes those written before', async () => {
    const wide = ['combo-code', 'combo-value-quantity', 'combo-code-value-quantity'];
    const count = async () =>
      Number(
        (
          await server.platform.db.query<{ n: string }>(
            `SELECT (SELECT count(*) FROM sp_token WHERE id = ANY($1::text[]) AND code = ANY($2::text[]))
                  + (SELECT count(*) FROM sp_quantity WHERE id = ANY($1::text[]) AND code = ANY($2::text[]))
                  + (SELECT count(*) FROM sp_composite WHERE id = ANY($1::text[]) AND code = ANY($2::text[])) AS n`,
            [Object.values(ids), wide],
          )
        ).rows[0]?.n,
      );
    assert.equal(await count(), 0);

    // what an older version wrote: each value again under the wider code (the pulse's), and one
    // that only the wider code held (kept: nothing else has it)
    const db = server.platform.db;
    await db.query(
      `INSERT INTO sp_token (resource_type, id, code, system, value)
         SELECT resource_type, id, 'combo-code', system, value FROM sp_token WHERE id = $1::text AND code = 'code'`,
      [ids.pulse],
    );
    await db.query(
      `INSERT INTO sp_quantity (resource_type, id, code, system, unit, value)
         SELECT resource_type, id, 'combo-value-quantity', system, unit, value FROM sp_quantity
          WHERE id = $1::text AND code = 'value-quantity'`,
      [ids.pulse],
    );
    await db.query(
      `INSERT INTO sp_token (resource_type, id, code, system, value)
         VALUES ('Observation', $1::text, 'combo-code', $2::text, 'only-here')`,
      [ids.pulse, LOINC],
    );
    assert.equal(await count(), 3); // the code (it has no text), the quantity, the extra code
    // and a composite row taken from the concept's text, as composites were built before
    await db.query(
      `INSERT INTO sp_composite (resource_type, id, code, c1_system, c1_value, c2)
         SELECT resource_type, id, code, NULL, 'poids', c2 FROM sp_composite
          WHERE id = $1::text AND code = 'code-value-quantity'`,
      [ids.weight],
    );
    assert.deepEqual(await found('code-value-quantity=poids$80'), ['weight']);
    await db.query('DELETE FROM sahti_migration WHERE version = 6');
    assert.deepEqual(await migrate(db), [6]);
    assert.equal(await count(), 1);
    assert.deepEqual(await found('code-value-quantity=poids$80'), []);
    assert.deepEqual(await found(`code-value-quantity=${LOINC}|29463-7$80`), ['weight']);
    assert.deepEqual(await found('combo-code=only-here'), ['pulse']);
    assert.deepEqual(await found('combo-code=8867-4'), ['pulse']);
  });
});

/**
 * An address by its parts (overlap.ts STRING_PARTS): Patient `address` is an address's text, lines,
 * city, district, state, postal code and country, and `address-city`, `-state`, `-postalcode` and
 * `-country` keep rows of their own, so `address` keeps rows only for the text, lines and district.
 * Searching, paging and sorting find what they found when every part was written again under the
 * wider code. A name is not split (overlap.ts SPLIT_TYPES): `name` keeps a row for every part, and
 * its searches find what they found.
 */
describe('an address searched by parts other parameters hold; a name by all its parts', () => {
  let server: TestServer;
  const ids: Record<string, string> = {};
  const people = {
    amina: {
      name: [{ family: 'Qorchi', given: ['Amina', 'Zineb'] }],
      address: [{ city: 'Qalaat Sraghna', line: ['12 derb Lqods'] }],
    },
    badr: {
      name: [{ family: 'Qodsi', given: ['Badr'], prefix: ['Dr'] }],
      address: [{ city: 'Tiznit', country: 'MA' }],
    },
    chama: {
      name: [{ text: 'Chama Qotbi', family: 'Qotbi', given: ['Chama'] }],
      address: [{ city: 'Oujda', postalCode: '60000' }],
    },
    // the same word as family and given name: found once
    driss: {
      name: [{ family: 'Qobbaj', given: ['Qobbaj'] }],
      address: [{ district: 'Qasbah', city: 'Taza' }],
    },
    ella: { name: [{ family: 'Moqri', given: ['Ella'], suffix: ['Qadi'] }] },
  };
  const names = () => new Map(Object.entries(ids).map(([name, id]) => [id, name]));

  /** Every page of a search, by name, in the order given (fails on a repeated resource). */
  async function found(query: string): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/Patient?${query}`;
    while (path) {
      const res = await fhirFetch(server.fhirBase, path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      for (const e of res.body.entry ?? []) out.push(names().get(e.resource.id) ?? `other:${e.resource.id}`);
      const next = (res.body.link ?? []).find((l: { relation: string }) => l.relation === 'next')?.url;
      path = next ? next.slice(next.indexOf('/Patient')) : undefined;
    }
    assert.equal(new Set(out).size, out.length, `a resource twice: ${out}`);
    return out.filter((n) => !n.startsWith('other:'));
  }
  const sorted = async (query: string) => (await found(query)).sort();

  before(async () => {
    server = await startTestServer();
    for (const [name, body] of Object.entries(people)) {
      const res = await fhirFetch(server.fhirBase, '/Patient', {
        method: 'POST',
        body: { resourceType: 'Patient', ...body },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name] = res.body.id;
    }
  });
  after(() => server?.close());

  it('finds a name by any of its parts, page after page, each patient once', async () => {
    assert.deepEqual(await sorted('name=qo&_count=2'), ['amina', 'badr', 'chama', 'driss']);
    assert.deepEqual(await sorted('name=q&_count=1'), ['amina', 'badr', 'chama', 'driss', 'ella']);
    assert.deepEqual(await found('name=zineb'), ['amina']);
    assert.deepEqual(await found('name=dr'), ['badr']);
    assert.deepEqual(await found('name=chama qot'), ['chama']);
    assert.deepEqual(await found('name=qadi'), ['ella']);
    assert.deepEqual(await found('name:exact=Qobbaj'), ['driss']);
    assert.deepEqual(await found('name:exact=qobbaj'), []);
    assert.deepEqual(await sorted('name:contains=orch,oqr'), ['amina', 'ella']);
    // with another filter, the name checked on each candidate
    assert.deepEqual(await found(`_id=${ids.badr},${ids.chama}&name=dr`), ['badr']);
    // the narrower parameters are as before
    assert.deepEqual(await found('family=qobbaj'), ['driss']);
    assert.deepEqual(await found('given=qadi'), []);
  });

  it('finds an address by any of its parts, sorts, and answers :missing over all the rows', async () => {
    assert.deepEqual(await found('address=qalaat'), ['amina']);
    assert.deepEqual(await found('address=12 derb'), ['amina']);
    assert.deepEqual(await found('address=60000'), ['chama']);
    assert.deepEqual(await found('address=qasbah'), ['driss']);
    assert.deepEqual(await sorted('address=t'), ['badr', 'driss']);
    assert.deepEqual(await found('address-city=taza'), ['driss']);
    const mine = `_id=${Object.values(ids).join(',')}`;
    assert.deepEqual(await found(`${mine}&address:missing=true`), ['ella']);
    assert.deepEqual(await sorted(`${mine}&name:missing=false`), ['amina', 'badr', 'chama', 'driss', 'ella']);
    // ascending by the lowest of each one's parts: Amina, Badr, Chama, Ella, Qobbaj; descending by
    // the highest: Tiznit, Taza, Qalaat Sraghna, Oujda, and no address last
    assert.deepEqual(await found(`${mine}&_sort=name`), ['amina', 'badr', 'chama', 'ella', 'driss']);
    assert.deepEqual(await found(`${mine}&_sort=-address`), ['badr', 'driss', 'amina', 'chama', 'ella']);
  });

  it('stores under `address` only the parts no other parameter holds, under `name` every part; the migration removes the rest', async () => {
    const db = server.platform.db;
    const rows = async () =>
      (
        await db.query<{ code: string; value: string }>(
          `SELECT code, value FROM sp_string WHERE id = ANY($1::text[]) AND code = 'address'
            ORDER BY code, value`,
          [Object.values(ids)],
        )
      ).rows.map((r) => `${r.code}:${r.value}`);
    const own = ['address:12 derb lqods', 'address:qasbah'];
    assert.deepEqual(await rows(), own);
    const names = await db.query<{ value: string }>(
      `SELECT value FROM sp_string WHERE id = $1::text AND code = 'name' ORDER BY value`,
      [ids.amina],
    );
    assert.deepEqual(
      names.rows.map((r) => r.value),
      ['amina', 'qorchi', 'zineb'],
    );
    // what an older version wrote: every part again under the wider code
    await db.query(
      `INSERT INTO sp_string (resource_type, id, code, value, exact)
         SELECT resource_type, id, 'address', value, exact FROM sp_string WHERE id = ANY($1::text[])
            AND code IN ('address-city', 'address-postalcode', 'address-country')`,
      [Object.values(ids)],
    );
    assert.equal((await rows()).length, own.length + 6); // four cities, a country, a postal code
    await db.query('DELETE FROM sahti_migration WHERE version = 16');
    assert.deepEqual(await migrate(db), [16]);
    assert.deepEqual(await rows(), own);
    assert.deepEqual(await sorted('address=t'), ['badr', 'driss']);
  });
});
