import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../definitions.ts';
import type { ReadScope } from '../scope.ts';
import { parseSearch } from './parse.ts';
import { pinnedPatients, scopeOfMatches } from './pinned.ts';
import { searchStatements } from './run.ts';
import { SqlParams } from './sql-params.ts';

loadDefinitions();
const BASE = 'https://sahti.test/fhir/R4';
const filtersOf = (type: string, query: [string, string][]) => parseSearch(type, query).filters;
const pinned = (type: string, key: string, value: string) =>
  pinnedPatients(type, filtersOf(type, [[key, value]])[0], BASE);

describe('a search pinned to patients', () => {
  it('is pinned by a compartment reference whose every value names a Patient', () => {
    assert.deepEqual(pinned('Observation', 'subject', 'Patient/p1'), ['p1']);
    assert.deepEqual(pinned('Observation', 'subject:Patient', 'p1'), ['p1']);
    assert.deepEqual(pinned('Observation', 'subject', `${BASE}/Patient/p1`), ['p1']);
    assert.deepEqual(pinned('Observation', 'subject', 'Patient/p1,Patient/p2'), ['p1', 'p2']);
    assert.deepEqual(pinned('Encounter', 'subject', 'Patient/p1'), ['p1']);
    assert.deepEqual(pinned('Condition', 'patient', 'Patient/p1'), ['p1']);
    assert.deepEqual(pinned('Patient', 'link', 'Patient/p1'), ['p1']);
  });
  it('is not pinned by what may match outside those compartments', () => {
    assert.equal(pinned('Observation', 'subject', 'p1'), undefined, 'a bare id may name a Group');
    assert.equal(pinned('Observation', 'subject', 'Group/g1'), undefined);
    assert.equal(pinned('Observation', 'subject:Group', 'p1'), undefined);
    assert.equal(
      pinned('Observation', 'subject:Practitioner', 'Patient/p1'),
      undefined,
      "another type's modifier",
    );
    assert.equal(pinned('Observation', 'subject', 'Patient/p1,Group/g1'), undefined);
    assert.equal(pinned('Observation', 'subject', 'https://elsewhere.test/fhir/Patient/p1'), undefined);
    assert.equal(pinned('Observation', 'subject:identifier', 'https://sahti.ma/cnie|AB1'), undefined);
    assert.equal(pinned('Observation', 'subject:missing', 'false'), undefined);
    assert.equal(
      pinned('Observation', 'encounter', 'Encounter/e1'),
      undefined,
      'not a compartment parameter',
    );
    assert.equal(pinned('Observation', 'code', 'http://loinc.org|2339-0'), undefined);
    assert.equal(pinned('Observation', 'subject.name', 'Tazi'), undefined, 'a chain');
  });
  it('drops only the patient test of a scope, and only for patients in the list', () => {
    const scope: ReadScope = {
      types: ['Observation', 'Patient'],
      excludedTypes: ['Subscription'],
      shared: ['Organization'],
      patients: ['p1', 'p3'],
    };
    const of = (value: string) =>
      scopeOfMatches(
        scope,
        'Observation',
        filtersOf('Observation', [
          ['code', 'http://loinc.org|2339-0'],
          ['subject', value],
        ]),
        BASE,
      );
    assert.deepEqual(of('Patient/p1'), { ...scope, patients: 'all' });
    assert.deepEqual(of('Patient/p1,Patient/p3'), { ...scope, patients: 'all' });
    assert.equal(of('Patient/p2'), scope);
    assert.equal(of('Patient/p1,Patient/p2'), scope);
    assert.equal(of('p1'), scope);
    const everyone: ReadScope = { shared: [], patients: 'all' };
    assert.equal(
      scopeOfMatches(everyone, 'Observation', filtersOf('Observation', [['subject', 'Patient/p2']]), BASE),
      everyone,
    );
    assert.equal(scopeOfMatches(undefined, 'Observation', [], BASE), undefined);
  });
  it("leaves the compartment test out of the pinned search's statement, and only there", () => {
    const scope: ReadScope = { shared: ['Organization'], patients: ['p1', 'p3'] };
    const page = (subject: string) =>
      searchStatements(parseSearch('Observation', [['subject', subject]]), { baseUrl: BASE, scope }).page(
        new SqlParams(),
        [],
        undefined,
        21,
      );
    // the list in the statement: as a test of each match's compartment rows, or as where it starts
    const listed = /FROM compartment sc|d\.patient_id = ANY/;
    assert.doesNotMatch(page('Patient/p1'), listed);
    assert.match(page('Patient/p2'), /FROM compartment sc/);
    assert.match(page('p1'), listed, 'a bare id: the care list drives it');
  });
});
