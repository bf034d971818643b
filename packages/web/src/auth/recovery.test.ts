import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.ts';
import { newPasswordProblems, recoveryFailure, tokenFromHash } from './recovery.ts';

describe('account recovery rules', () => {
  it('asks for 10 characters and the same password twice', () => {
    assert.deepEqual(newPasswordProblems('court', 'court'), [
      { field: 'password', key: 'recovery.errors.password' },
    ]);
    assert.deepEqual(newPasswordProblems('une longue phrase', 'une autre phrase'), [
      { field: 'confirm', key: 'recovery.errors.mismatch' },
    ]);
    assert.deepEqual(newPasswordProblems('une longue phrase', 'une longue phrase'), []);
  });
  it('reads the token of the emailed link from the fragment', () => {
    assert.equal(tokenFromHash('#token=AbCdEfGhIjKlMnOpQrSt_-12'), 'AbCdEfGhIjKlMnOpQrSt_-12');
    assert.equal(tokenFromHash('#token=x'), undefined);
    assert.equal(tokenFromHash(''), undefined);
  });
  it('puts each refusal of the server on its field, translated', () => {
    assert.deepEqual(recoveryFailure(new ApiError(400, { error: 'invalid_token', error_description: 'x' })), {
      field: 'password',
      key: 'recovery.errors.invalidToken',
    });
    assert.deepEqual(recoveryFailure(new ApiError(400, { error: 'invalid_code' })), {
      field: 'code',
      key: 'recovery.errors.invalidCode',
    });
    assert.equal(recoveryFailure(new ApiError(500, {})), undefined);
  });
});
