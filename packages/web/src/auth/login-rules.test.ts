import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.ts';
import { codeProblems, credentialProblems, interpretLoginFailure, normaliseLogin } from './login-rules.ts';

describe('credentialProblems', () => {
  it('asks a patient for a CNIE number in the right format', () => {
    assert.deepEqual(credentialProblems('patient', '', 'x'), [{ field: 'login', key: 'cnieMissing' }]);
    assert.deepEqual(credentialProblems('patient', 'Mohammed', 'x'), [{ field: 'login', key: 'cnieFormat' }]);
    assert.deepEqual(credentialProblems('patient', 'ab123456', 'x'), []);
  });
  it('accepts any login for staff but always wants a password', () => {
    assert.deepEqual(credentialProblems('staff', 'doctor@demo.sahti.ma', ''), [
      { field: 'password', key: 'passwordMissing' },
    ]);
  });
});

describe('codeProblems and normaliseLogin', () => {
  it('wants exactly six digits, spaces allowed', () => {
    assert.deepEqual(codeProblems('123 456'), []);
    assert.deepEqual(codeProblems('12345'), [{ field: 'code', key: 'codeFormat' }]);
    assert.deepEqual(codeProblems(''), [{ field: 'code', key: 'codeMissing' }]);
  });
  it('writes a CNIE upper-case without spaces, and leaves staff logins alone', () => {
    assert.equal(normaliseLogin('patient', ' ab 123456 '), 'AB123456');
    assert.equal(normaliseLogin('staff', ' Doctor@demo.sahti.ma '), 'Doctor@demo.sahti.ma');
  });
});

describe('interpretLoginFailure', () => {
  it('moves on to the second factor the server asks for', () => {
    const error = new ApiError(401, { error: 'second_factor_required', factor: 'email-code' });
    assert.deepEqual(interpretLoginFailure(error), { next: 'second-factor', factor: 'email-code' });
  });
  it('blames the code for a wrong second factor and the login for a wrong password', () => {
    const code = interpretLoginFailure(new ApiError(401, { error: 'invalid_second_factor', factor: 'totp' }));
    assert.deepEqual(code, { next: 'problem', problem: { field: 'code', key: 'wrongCode' } });
    const password = interpretLoginFailure(new ApiError(401, { error: 'invalid_credentials' }));
    assert.deepEqual(password, { next: 'problem', problem: { field: 'login', key: 'wrongCredentials' } });
  });
  it('says sign-in is unavailable when the server has no /auth/login', () => {
    assert.equal(interpretLoginFailure(new ApiError(404, {})).next, 'problem');
    assert.equal(interpretLoginFailure(new ApiError(429, {})).next, 'error');
  });
});
