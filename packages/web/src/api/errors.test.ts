import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, blamedPaths, errorMessageKey } from './errors.ts';

describe('ApiError', () => {
  it('reads the first error issue of an OperationOutcome', () => {
    const error = new ApiError(400, {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational', diagnostics: 'ignored' },
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: 'bad CNIE',
          expression: ['Patient.identifier[0].value'],
        },
      ],
    });
    assert.equal(error.code, 'invalid');
    assert.equal(error.diagnostics, 'bad CNIE');
    assert.deepEqual(blamedPaths(error), ['Patient.identifier[0].value']);
  });
  it('reads the OAuth-style answers of /auth and keeps their extra fields', () => {
    const error = new ApiError(401, {
      error: 'second_factor_required',
      error_description: 'Enter the code',
      factor: 'totp',
    });
    assert.equal(error.code, 'second_factor_required');
    assert.equal(error.extra.factor, 'totp');
  });
});

describe('errorMessageKey', () => {
  it('explains each kind of failure with its own message', () => {
    assert.equal(errorMessageKey(new ApiError(403, {})), 'forbidden');
    assert.equal(errorMessageKey(new ApiError(412, {})), 'conflict');
    assert.equal(errorMessageKey(new ApiError(422, {})), 'invalid');
    assert.equal(errorMessageKey(new ApiError(503, 'down')), 'server');
    assert.equal(errorMessageKey(new TypeError('Failed to fetch')), 'network');
    assert.equal(errorMessageKey(new Error('x')), 'unknown');
  });
});
