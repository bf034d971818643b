import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import { changesOfBundle, shouldRetry } from './changes.ts';
import { canonicalParams, dataKey, isAffected, readKey, searchKey, searchTypes } from './keys.ts';

describe('query keys', () => {
  it('give the same search the same key, whatever the order of its parameters', () => {
    assert.deepEqual(
      searchKey('Observation', { patient: 'Patient/1', _sort: '-date', _count: 5 }),
      searchKey('Observation', { _count: '5', _sort: '-date', patient: 'Patient/1', code: '' }),
    );
    assert.deepEqual(
      canonicalParams([
        ['date', 'le2025'],
        ['date', 'ge2024'],
      ]),
      [
        ['date', 'ge2024'],
        ['date', 'le2025'],
      ],
    );
  });

  it('name the types a search reads through includes, _has and chains', () => {
    const pairs = (params: Record<string, string>) => canonicalParams(params);
    assert.deepEqual(searchTypes('Organization', pairs({ _revinclude: 'Location:organization' })), [
      'Location',
      'Organization',
    ]);
    assert.deepEqual(searchTypes('MedicationRequest', pairs({ _include: 'MedicationRequest:medication' })), [
      '*',
      'MedicationRequest',
    ]);
    assert.deepEqual(searchTypes('Patient', pairs({ '_has:Observation:patient:code': '1234-5' })), [
      'Observation',
      'Patient',
    ]);
    assert.deepEqual(searchTypes('Observation', pairs({ 'subject:Patient.name': 'Idrissi' })), [
      'Observation',
      'Patient',
    ]);
  });
});

describe('isAffected', () => {
  it('makes every search of the written type stale, and only the read of that very resource', () => {
    const change = { resourceType: 'Consent', id: '7' };
    assert.ok(isAffected(searchKey('Consent', { patient: 'Patient/1' }), change));
    assert.ok(isAffected(readKey('Consent', '7'), change));
    assert.ok(!isAffected(readKey('Consent', '8'), change));
    assert.ok(!isAffected(searchKey('Observation', { patient: 'Patient/1' }), change));
  });
  it('reaches included types, composite answers and searches that may read anything', () => {
    const location = { resourceType: 'Location', id: '3' };
    assert.ok(isAffected(searchKey('Organization', { _revinclude: 'Location:organization' }), location));
    assert.ok(
      isAffected(dataKey(['Practitioner', 'PractitionerRole'], 'x'), { resourceType: 'PractitionerRole' }),
    );
    assert.ok(
      isAffected(searchKey('MedicationRequest', { _include: 'MedicationRequest:medication' }), location),
    );
  });
  it('lets a change of anything reach every data answer, and leaves other keys alone', () => {
    assert.ok(isAffected(readKey('Patient', '1'), { resourceType: '*' }));
    assert.ok(!isAffected(['session'], { resourceType: '*' }));
    assert.ok(!isAffected([], { resourceType: 'Patient' }));
  });
});

describe('changesOfBundle', () => {
  it('reads the written resources from the transaction and its answer', () => {
    const request: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Organization' }, request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Location', id: '9' }, request: { method: 'PUT', url: 'Location/9' } },
        { request: { method: 'GET', url: 'Patient?name=x' } },
      ],
    };
    const response: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: [
        { response: { status: '201', location: 'http://localhost/fhir/R4/Organization/4/_history/1' } },
        { response: { status: '200', location: 'Location/9/_history/3' } },
      ],
    };
    assert.deepEqual(changesOfBundle(request, response), [
      { resourceType: 'Organization', id: '4' },
      { resourceType: 'Location', id: '9' },
    ]);
    assert.deepEqual(changesOfBundle(request), [
      { resourceType: 'Organization' },
      { resourceType: 'Location', id: '9' },
    ]);
  });
});

describe('shouldRetry', () => {
  it('does not ask again after a refusal, and tries a failed network twice more', () => {
    assert.equal(shouldRetry(0, new ApiError(403, {})), false);
    assert.equal(shouldRetry(0, new ApiError(404, {})), false);
    assert.equal(shouldRetry(0, new TypeError('Failed to fetch')), true);
    assert.equal(shouldRetry(1, new ApiError(503, {})), true);
    assert.equal(shouldRetry(2, new ApiError(503, {})), false);
  });
});
