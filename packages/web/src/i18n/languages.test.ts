import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseLanguage, direction, localeTag } from './languages.ts';

describe('chooseLanguage', () => {
  it('keeps a remembered choice over the browser languages', () => {
    assert.equal(chooseLanguage('ar', ['en-US', 'fr']), 'ar');
  });
  it('follows the first browser language it speaks, by primary subtag', () => {
    assert.equal(chooseLanguage(null, ['de-DE', 'ar-MA', 'fr']), 'ar');
    assert.equal(chooseLanguage(null, ['en_GB']), 'en');
  });
  it('falls back to French when nothing matches or the stored value is junk', () => {
    assert.equal(chooseLanguage('xx', ['de', 'es']), 'fr');
    assert.equal(chooseLanguage(undefined, []), 'fr');
  });
});

describe('direction and locale', () => {
  it('writes Arabic right to left with Latin digits', () => {
    assert.equal(direction('ar'), 'rtl');
    assert.equal(direction('fr'), 'ltr');
    assert.match(localeTag('ar'), /-u-nu-latn$/);
  });
});
