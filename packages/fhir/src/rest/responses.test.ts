import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BundleEntry } from '@medplum/fhirtypes';
import { preferredEntry, returnPreference } from './responses.ts';

describe('Prefer: return=', () => {
  it('reads the preference in the forms RFC 7240 allows, and nothing else', () => {
    assert.equal(returnPreference(undefined), 'representation');
    assert.equal(returnPreference('return=minimal'), 'minimal');
    assert.equal(returnPreference('respond-async, return=minimal'), 'minimal');
    assert.equal(returnPreference('handling=strict; return = "OperationOutcome"'), 'OperationOutcome');
    assert.equal(returnPreference('RETURN=Minimal'), 'minimal');
    assert.equal(returnPreference('return=representation'), 'representation');
    for (const odd of ['return=minimalist', 'return=constructor', 'return=__proto__', 'noreturn=minimal', ''])
      assert.equal(returnPreference(odd), 'representation', odd);
  });

  it('shapes a write entry of a bundle, and leaves failures and entries without a resource alone', () => {
    const written: BundleEntry = {
      resource: { resourceType: 'Patient', id: 'p1' },
      response: { status: '201 Created', location: 'Patient/p1/_history/1', etag: 'W/"1"' },
    };
    assert.equal(preferredEntry(written, 'representation'), written);
    assert.deepEqual(preferredEntry(written, 'minimal'), { response: written.response });
    const outcome = preferredEntry(written, 'OperationOutcome');
    assert.equal(outcome.resource, undefined);
    assert.equal(outcome.response?.status, '201 Created');
    assert.equal(outcome.response?.outcome?.issue?.[0]?.severity, 'information');
    const failed: BundleEntry = {
      response: { status: '400', outcome: { resourceType: 'OperationOutcome', issue: [] } },
    };
    assert.equal(preferredEntry(failed, 'minimal'), failed);
    const deleted: BundleEntry = { response: { status: '204 No Content' } };
    assert.equal(preferredEntry(deleted, 'OperationOutcome'), deleted);
  });
});
