import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languagesFor, rowsOf, sectionTitle } from './print.ts';

describe('the printable summary', () => {
  it('titles sections in the print language, falling back to the title sent', () => {
    assert.equal(sectionTitle('48765-2', 'es', 'Allergies'), 'Alergias e intolerancias');
    assert.equal(sectionTitle('10160-0', 'ar', 'x'), 'الأدوية');
    assert.equal(sectionTitle('99999-9', 'pt', 'Custom'), 'Custom');
  });
  it('travels in French, Arabic, English, plus the destination’s language in Spain or Portugal', () => {
    assert.deepEqual(languagesFor('MA'), ['fr', 'ar', 'en']);
    assert.deepEqual(languagesFor('PT'), ['fr', 'ar', 'en', 'pt']);
  });
  it('reads no HTML without a DOM (the page does it in the browser)', () => {
    assert.deepEqual(rowsOf('<div><table><tr><td>x</td></tr></table></div>'), []);
  });
});
