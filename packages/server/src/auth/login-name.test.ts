import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseLogin } from './login-name.ts';

describe('normaliseLogin', () => {
  it('folds ASCII case and surrounding spaces', () => {
    assert.equal(normaliseLogin('  AB123456 '), 'ab123456');
    assert.equal(normaliseLogin('Dr.Alami@Example.MA'), 'dr.alami@example.ma');
  });

  it('refuses what JavaScript and a database locale could fold differently, and empty logins', () => {
    for (const login of ['İA123456', 'ıa123456', '\u212A123', 'ab\u0000', 'é@example.ma', '   ', ''])
      assert.equal(normaliseLogin(login), undefined, JSON.stringify(login));
  });
});
