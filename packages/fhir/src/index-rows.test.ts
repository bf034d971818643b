import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { buildIndexRows, type IndexRows, indexTablesOf } from './index-rows.ts';

describe('index rows', () => {
  it('knows which tables a type can have rows in (an update deletes from those only)', () => {
    // uri: `_profile` and `_source`, on every type's meta
    assert.deepEqual([...indexTablesOf('Patient')].sort(), ['date', 'reference', 'string', 'token', 'uri']);
    assert.ok(indexTablesOf('Observation').has('quantity') && indexTablesOf('Observation').has('composite'));
    // every row a full resource produces lands in one of its type's tables
    const observation: Observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2026-01-02',
      valueQuantity: { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      component: [{ code: { text: 'x' }, valueQuantity: { value: 1 } }],
      meta: { profile: ['http://example.org/p'] },
    };
    const rows = buildIndexRows(observation);
    for (const table of Object.keys(rows) as (keyof IndexRows)[])
      if (rows[table].length > 0) assert.ok(indexTablesOf('Observation').has(table), table);
  });

  it('indexes a patient by its official parameters', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'BE123456' }],
      name: [{ family: 'El Amrani', given: ['Mohammed'] }],
      birthDate: '1980-05',
      managingOrganization: { reference: 'Organization/o1' },
    };
    const rows = buildIndexRows(patient);
    assert.ok(rows.token.some((t) => t.code === 'identifier' && t.value === 'BE123456'));
    assert.ok(
      rows.string.some((s) => s.code === 'given' && s.value === 'mohammed' && s.exact === 'Mohammed'),
    );
    assert.deepEqual(
      rows.date.find((d) => d.code === 'birthdate'),
      { code: 'birthdate', low: '1980-05-01T00:00:00.000Z', high: '1980-06-01T00:00:00.000Z' },
    );
    assert.ok(
      rows.reference.some(
        (r) => r.code === 'organization' && r.target_type === 'Organization' && r.target_id === 'o1',
      ),
    );
  });
  it('indexes code text for :text and composite pairs per component', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 150, code: 'mm[Hg]' },
        },
      ],
    };
    const rows = buildIndexRows(bp);
    assert.deepEqual(
      rows.token.filter((t) => t.code === 'code'),
      [{ code: 'code', system: 'http://loinc.org', value: '85354-9', text: 'blood pressure panel' }],
    );
    const pair = rows.composite.find((c) => c.code === 'component-code-value-quantity');
    assert.equal(pair?.c1_value, '8480-6');
    assert.equal(pair?.c2.value, 150);
  });

  it("keeps a parameter's texts on its first code row, or on a row of their own without a code", () => {
    const observation: Observation = {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      code: {
        text: 'Glycémie  à jeun',
        coding: [
          { system: 'http://loinc.org', code: '1558-6', display: 'Fasting glucose' },
          { system: 'http://snomed.info/sct', code: '271062006', display: 'Fasting glucose' },
        ],
      },
      category: [{ text: 'Laboratoire' }],
      valueCodeableConcept: { text: 'élevée', coding: [{ system: 'http://example.org/v', code: 'H' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: 'x' }] },
          valueCodeableConcept: { text: 'only' },
        },
      ],
    };
    const rows = buildIndexRows(observation);
    // the texts once each, normalised, sorted, joined by a line break; the other code row has none
    assert.deepEqual(
      rows.token.filter((t) => t.code === 'code'),
      [
        {
          code: 'code',
          system: 'http://loinc.org',
          value: '1558-6',
          text: 'fasting glucose\nglycemie a jeun',
        },
        { code: 'code', system: 'http://snomed.info/sct', value: '271062006', text: null },
      ],
    );
    assert.deepEqual(
      rows.token.filter((t) => t.code === 'category'),
      [{ code: 'category', system: null, value: null, text: 'laboratoire' }],
    );
    assert.ok(rows.token.every((t) => t.system !== 'urn:sahti:text'));
    // a composite's second component pairs with codes only: no text, no row for a text alone
    const pairs = rows.composite.filter((c) => c.code === 'component-code-value-concept');
    assert.deepEqual(pairs, []);
    const valuePairs = rows.composite.filter((c) => c.code === 'code-value-concept');
    assert.ok(valuePairs.length > 0);
    for (const pair of valuePairs)
      assert.deepEqual(pair.c2, { code: 'c2', system: 'http://example.org/v', value: 'H' });
  });
});
