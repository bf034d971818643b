import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { safeEqual, seal, unseal } from './secrets.ts';
import { totpStep, totpUri } from './totp.ts';

describe('sealing secrets at rest', () => {
  it('gives back the secret with the same key, differently each time', () => {
    const a = seal('JBSWY3DPEHPK3PXP', 'key-1');
    assert.notEqual(a, seal('JBSWY3DPEHPK3PXP', 'key-1'));
    assert.doesNotMatch(a, /JBSWY3DPEHPK3PXP/);
    assert.equal(unseal(a, 'key-1'), 'JBSWY3DPEHPK3PXP');
  });

  it('refuses another key and an altered value', () => {
    const sealed = seal('secret', 'key-1');
    assert.throws(() => unseal(sealed, 'key-2'));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other!').toString('base64url');
    assert.throws(() => unseal(parts.join('.'), 'key-1'));
  });

  it('compares strings of any lengths', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abcd'), false);
  });
});

describe('TOTP steps', () => {
  const secret = 'SAHTIDEMOSTAFFTOTPSECRET234567AB';
  const at = Date.UTC(2026, 5, 1, 12, 0, 15);
  const codeAt = (ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });

  it('accepts the current, previous and next step, and says which', () => {
    const step = Math.floor(at / 30_000);
    assert.equal(totpStep(secret, codeAt(at), at), step);
    assert.equal(totpStep(secret, codeAt(at - 30_000), at), step - 1);
    assert.equal(totpStep(secret, codeAt(at + 30_000), at), step + 1);
  });

  it('refuses a code two steps away and anything not 6 digits', () => {
    assert.equal(totpStep(secret, codeAt(at - 60_000), at), undefined);
    assert.equal(totpStep(secret, 'abcdef', at), undefined);
  });

  it('makes an otpauth URI for authenticator apps', () => {
    assert.match(
      totpUri(secret, 'doctor@demo.sahti.ma'),
      /^otpauth:\/\/totp\/Sahti:doctor%40demo\.sahti\.ma\?issuer=Sahti&secret=SAHTIDEMOSTAFFTOTPSECRET234567AB/,
    );
  });
});
