/**
 * `:text` on a token parameter (a concept's text, its codings' displays) since those texts are kept
 * on the parameter's first code row instead of rows of their own (index-rows.ts tokenRows, schema
 * version 17). Through HTTP: a word at the start of any text or after a space in one, a phrase, a
 * text alone without a code, the codes, `:not`, `:missing`, the sort and a parameter made of others
 * (`combo-code`) find what they found before; no text row is stored; the migration turns the rows
 * an older version wrote into the same rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { migrate } from '../packages/fhir/src/schema.ts';
import { namesFound } from './support/named-search.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

describe("a token parameter's texts", () => {
  let server: TestServer;
  let subject: string;
  const ids: Record<'glucose' | 'pressure' | 'pulse' | 'lab', string> = {
    glucose: '',
    pressure: '',
    pulse: '',
    lab: '',
  };
  const bodies: Record<keyof typeof ids, Partial<Observation>> = {
    // two codings with the same display and a text of its own: two texts, on the first code row
    glucose: {
      code: {
        text: 'Glycémie à jeun',
        coding: [
          { system: LOINC, code: '1558-6', display: 'Fasting glucose' },
          { system: SNOMED, code: '271062006', display: 'Fasting glucose' },
        ],
      },
    },
    // a text and no code: a row of its own without one
    pressure: { code: { text: 'Tension artérielle' } },
    // a code and no text
    pulse: { code: { coding: [{ system: LOINC, code: '8867-4' }] } },
    // the category's text alone, the code's display
    lab: {
      category: [{ text: 'Laboratoire' }],
      code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose sérique' }] },
    },
  };

  /** The names of the subject's Observations a search finds, in the order given. */
  const found = (query: string): Promise<string[]> =>
    namesFound(server.fhirBase, `/Observation?subject=Patient/${subject}&${query}`, ids);
  const sorted = async (query: string) => (await found(query)).sort();

  /** The subject's token rows of `code` and `category`, as `name code system|value text`. */
  async function rows(): Promise<string[]> {
    const res = await server.platform.db.query<{
      id: string;
      code: string;
      system: string | null;
      value: string | null;
      text: string | null;
    }>(
      `SELECT id, code, system, value, text FROM sp_token
        WHERE resource_type = 'Observation' AND id = ANY($1::text[]) AND code IN ('code', 'category')`,
      [Object.values(ids)],
    );
    const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return res.rows
      .map((r) => `${names.get(r.id)} ${r.code} ${r.system ?? ''}|${r.value ?? ''} ${r.text ?? ''}`)
      .sort();
  }

  before(async () => {
    server = await startTestServer();
    const patient = await fhirFetch(server.fhirBase, '/Patient', {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Texte', given: ['Test'] }] },
    });
    subject = patient.body.id;
    for (const [name, extra] of Object.entries(bodies) as [keyof typeof ids, Partial<Observation>][]) {
      const res = await fhirFetch(server.fhirBase, '/Observation', {
        method: 'POST',
        body: {
          resourceType: 'Observation',
          status: 'final',
          subject: { reference: `Patient/${subject}` },
          effectiveDateTime: '2026-12-07T09:00:00Z',
          ...extra,
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[name] = res.body.id;
    }
  });
  after(() => server?.close());

  it('are found by a word starting any of them, or a phrase in one', async () => {
    assert.deepEqual(await sorted('code:text=glyc'), ['glucose']);
    assert.deepEqual(await sorted('code:text=jeun'), ['glucose']); // after a space
    assert.deepEqual(await sorted('code:text=fasting'), ['glucose']); // the display
    assert.deepEqual(await sorted('code:text=glucose'), ['glucose', 'lab']);
    assert.deepEqual(await sorted('code:text=GLYC%C3%89MIE%20A'), ['glucose']); // case, accents, a phrase
    assert.deepEqual(await sorted('code:text=tension%20art'), ['pressure']); // a text without a code
    assert.deepEqual(await sorted('code:text=serique'), ['lab']);
    assert.deepEqual(await found('code:text=ucose'), []); // inside a word
    assert.deepEqual(await found('code:text=glucose%20glycemie'), []); // across two texts
    assert.deepEqual(await found('code:text=8867'), []); // a code is not a text
    assert.deepEqual(await sorted('code:text=jeun,pouls,tension'), ['glucose', 'pressure']);
    assert.deepEqual(await sorted('category:text=labo'), ['lab']);
    assert.deepEqual(await sorted('combo-code:text=tension'), ['pressure']); // read through `code`
  });

  it('leave the codes, :not, :missing and the sort as they were', async () => {
    assert.deepEqual(await sorted('code=1558-6'), ['glucose']);
    assert.deepEqual(await sorted(`code=${SNOMED}|271062006`), ['glucose']);
    assert.deepEqual(await found('code=fasting%20glucose'), []); // a text is not a code
    assert.deepEqual(await found('code=tension%20art%C3%A9rielle'), []);
    assert.deepEqual(await sorted('code:not=1558-6'), ['lab', 'pressure', 'pulse']);
    assert.deepEqual(await sorted('code:missing=false'), ['glucose', 'lab', 'pressure', 'pulse']);
    assert.deepEqual(await sorted('category:missing=true'), ['glucose', 'pressure', 'pulse']);
    // the lowest code first; a text alone has none and comes first, as a missing value does
    assert.deepEqual(await found('_sort=code'), ['pressure', 'glucose', 'lab', 'pulse']);
    assert.deepEqual(await found(`code=${LOINC}|&_sort=-code`), ['pulse', 'glucose', 'lab']);
  });

  it('are stored on one row each, and the migration merges the rows written before', async () => {
    const expected = [
      'glucose code http://loinc.org|1558-6 fasting glucose\nglycemie a jeun',
      'glucose code http://snomed.info/sct|271062006 ',
      'lab category | laboratoire',
      'lab code http://loinc.org|2345-7 glucose serique',
      'pressure code | tension arterielle',
      'pulse code http://loinc.org|8867-4 ',
    ];
    assert.deepEqual(await rows(), expected);
    const db = server.platform.db;
    // what an older version wrote: each text a row under the reserved system, no `text` on a code
    await db.query(
      `INSERT INTO sp_token (resource_type, id, code, system, value)
         SELECT resource_type, id, code, 'urn:sahti:text', unnest(string_to_array(text, E'\\n'))
           FROM sp_token WHERE id = ANY($1::text[]) AND text IS NOT NULL`,
      [Object.values(ids)],
    );
    await db.query(`DELETE FROM sp_token WHERE id = ANY($1::text[]) AND value IS NULL AND system IS NULL`, [
      Object.values(ids),
    ]);
    await db.query('UPDATE sp_token SET text = NULL WHERE id = ANY($1::text[])', [Object.values(ids)]);
    assert.equal((await rows()).length, expected.length - 2 + 5);
    await db.query('DELETE FROM sahti_migration WHERE version = 17');
    assert.deepEqual(await migrate(db), [17]);
    assert.deepEqual(await rows(), expected);
    assert.deepEqual(await sorted('code:text=glycemie'), ['glucose']);
    assert.deepEqual(await sorted('code:text=tension'), ['pressure']);
  });
});
