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
  async function found(query: string): Promise<string[]> {
    const res = await fhirFetch(server.fhirBase, `/Observation?subject=Patient/${subject}&${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return (res.body.entry ?? []).map((e: { resource: Observation }) => names.get(e.resource.id ?? ''));
  }
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
