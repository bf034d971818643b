import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

describe('password hashing', () => {
  it('stores scrypt with its parameters and a salt, and verifies only the same password', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
  });

  it('salts: the same password never gives the same hash', async () => {
    assert.notEqual(await hashPassword('same password 1'), await hashPassword('same password 1'));
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const hash = await hashPassword('mot de passe café');
    assert.equal(await verifyPassword('mot de passe cafe\u0301', hash), true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    assert.equal(await verifyPassword('whatever123', 'md5$abc'), false);
  });
});

describe('password policy', () => {
  it('asks for at least 10 characters', () => {
    assert.match(passwordProblem('short1') ?? '', /at least 10/);
    assert.equal(passwordProblem('ten chars!'), undefined);
  });

  it('refuses a missing password and the same few characters repeated', () => {
    assert.equal(passwordProblem(undefined), 'A password is required');
    assert.match(passwordProblem('aaaaaaaaaaaa') ?? '', /repeat/);
  });
});
