import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatScopes, intersectScopes, parseScopes, roleCeiling, scopeAllows } from './scopes.ts';

describe('parseScopes', () => {
  it('reads SMART v1 scopes: read is read+search, write is create+update+delete', () => {
    const { resources } = parseScopes('patient/*.read system/Observation.write user/*.*');
    assert.deepEqual(
      resources.map((s) => [s.context, s.resourceType, [...s.interactions].sort()]),
      [
        ['patient', '*', ['read', 'search']],
        ['system', 'Observation', ['create', 'delete', 'update']],
        ['user', '*', ['create', 'delete', 'read', 'search', 'update']],
      ],
    );
  });

  it('reads SMART v2 letters and keeps a granular query apart', () => {
    const { resources, invalid } = parseScopes(
      'patient/Observation.rs user/*.cruds patient/Observation.rs?category=vital-signs',
    );
    assert.deepEqual([...resources[0].interactions], ['read', 'search']);
    assert.equal(resources[1].interactions.size, 5);
    assert.equal(resources[2].query, 'category=vital-signs');
    assert.deepEqual(invalid, []);
  });

  it('sorts identity scopes from malformed ones', () => {
    const parsed = parseScopes(
      'openid fhirUser launch/patient offline_access patient/Observation.sr user/obs.read admin',
    );
    assert.deepEqual(parsed.other, ['openid', 'fhirUser', 'launch/patient', 'offline_access']);
    assert.deepEqual(parsed.invalid, ['patient/Observation.sr', 'user/obs.read', 'admin']);
    assert.equal(parsed.resources.length, 0);
  });
});

describe('scopeAllows', () => {
  it('allows exactly what the scope names, for the right kind of access', () => {
    const scopes = parseScopes('patient/Observation.rs system/*.read');
    assert.equal(scopeAllows(scopes, 'patient', 'Observation', 'search'), true);
    assert.equal(scopeAllows(scopes, 'patient', 'Observation', 'create'), false);
    assert.equal(scopeAllows(scopes, 'patient', 'Condition', 'read'), false);
    assert.equal(scopeAllows(scopes, 'user', 'Observation', 'read'), false);
    assert.equal(scopeAllows(scopes, 'system', 'Patient', 'read'), true);
    assert.equal(scopeAllows(scopes, 'system', 'Patient', 'delete'), false);
  });

  it('accepts the scope list of a Principal', () => {
    assert.equal(scopeAllows(['user/*.cruds'], 'user', 'Patient', 'delete'), true);
    assert.equal(scopeAllows(['system/Observation.write'], 'system', 'Observation', 'update'), true);
    assert.equal(scopeAllows(['system/Observation.write'], 'system', 'Observation', 'read'), false);
  });

  it('grants nothing for a scope with a query condition (not enforced yet)', () => {
    assert.equal(
      scopeAllows(['patient/Observation.rs?category=laboratory'], 'patient', 'Observation', 'read'),
      false,
    );
  });
});

describe('intersectScopes', () => {
  it('narrows what was asked to what is allowed, keeping unchanged scopes as written', () => {
    const granted = intersectScopes(
      parseScopes('user/*.* patient/*.read openid'),
      parseScopes('user/Observation.rs openid'),
    );
    assert.equal(formatScopes(granted), 'user/Observation.rs openid');
  });

  it('keeps the v1 wording when nothing was taken away', () => {
    const granted = intersectScopes(parseScopes('patient/*.read'), roleCeiling(['patient']));
    assert.equal(formatScopes(granted), 'patient/*.read');
  });

  it('gives a programme manager read access only, whatever is asked', () => {
    const granted = intersectScopes(
      parseScopes('user/*.* user/Patient.write'),
      roleCeiling(['programme-manager']),
    );
    assert.equal(formatScopes(granted), 'user/*.rs');
  });

  it('does not repeat a scope that a broader role already grants', () => {
    const granted = intersectScopes(parseScopes('user/*.*'), roleCeiling(['programme-manager', 'doctor']));
    assert.equal(formatScopes(granted), 'user/*.*');
  });

  it('gives a patient no user or system scopes', () => {
    const granted = intersectScopes(parseScopes('user/*.read system/*.read'), roleCeiling(['patient']));
    assert.equal(formatScopes(granted), '');
  });
});
