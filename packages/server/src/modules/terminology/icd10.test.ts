import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dotted, Icd10, icd10, icd10Key } from './icd10.ts';

const FR = [
  'code,label_fr',
  'J02,Pharyngite aiguë',
  'J020,Pharyngite à streptocoques',
  'J029,"Pharyngite (aiguë),  sans précision"',
  'Z992+0,Dépendance envers une hémodialyse (rénale)',
].join('\n');
const TRANSLATIONS = [
  'code,label_ar,label_en',
  'J02.9,التهاب البلعوم الحاد، غير محدد,"Acute pharyngitis, unspecified"',
].join('\n');

describe('ICD-10 loaded from the ATIH file and the team translations', () => {
  const small = new Icd10(FR, TRANSLATIONS);

  it('knows a code written with or without its dot, in any case, and nothing else', () => {
    assert.equal(small.size, 4);
    for (const code of ['J02.9', 'j029', ' J02.9 ', 'J02', 'Z99.2+0']) assert.ok(small.has(code), code);
    for (const code of ['J02.7', 'J0', 'pharyngite', '', 'Z99.2']) assert.ok(!small.has(code), code);
    assert.equal(icd10Key('e11.9'), 'E119');
    assert.equal(dotted('Z992+0'), 'Z99.2+0');
    assert.equal(dotted('I10'), 'I10');
  });

  it('titles a code in the asked language, in French when it has no translation', () => {
    assert.deepEqual(small.title('J02.9', 'ar'), { value: 'التهاب البلعوم الحاد، غير محدد', language: 'ar' });
    assert.deepEqual(small.title('J02.9', 'en'), { value: 'Acute pharyngitis, unspecified', language: 'en' });
    assert.deepEqual(small.title('J02.0', 'ar'), { value: 'Pharyngite à streptocoques', language: 'fr' });
    assert.equal(small.title('J02.9', 'fr')?.value, 'Pharyngite (aiguë), sans précision', 'spaces tidied');
    assert.equal(small.title('J02.7', 'fr'), undefined);
    assert.deepEqual(small.concept('z992+0'), {
      code: 'Z99.2+0',
      fr: 'Dépendance envers une hémodialyse (rénale)',
    });
  });

  it('refuses a translation of a code the French set does not have', () => {
    assert.throws(
      () => new Icd10(FR, 'code,label_ar,label_en\nJ02.7,x,y'),
      /J02\.7 is not in the French set/,
    );
  });

  it('the shipped files: every ATIH code, and Arabic titles for the codes of primary and chronic care', () => {
    const all = icd10();
    assert.equal(all.size, 42_485);
    assert.equal(all.title('I10', 'fr')?.value, 'Hypertension essentielle (primitive)');
    // the demo's problems, kidney failure and dialysis, pregnancy follow-up: titled in Arabic
    for (const code of ['I10', 'E11.9', 'E78.0', 'J02.9', 'N18.5', 'Z49.1', 'Z99.2', 'Z34.9', 'J45.9'])
      assert.equal(all.title(code, 'ar')?.language, 'ar', code);
    let translated = 0;
    for (let at = 0; at < all.size; at++) if (all.isCurated(at)) translated++;
    assert.ok(translated >= 190, `${translated} codes titled in Arabic`);
  });
});
