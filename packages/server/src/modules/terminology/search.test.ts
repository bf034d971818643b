import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { icd10 } from './icd10.ts';
import { fold, searchIcd10 } from './search.ts';

const codes = (query: string, options: Parameters<typeof searchIcd10>[2] = {}) =>
  searchIcd10(icd10(), query, options).slots.map((at) => icd10().conceptAt(at).code);

describe('finding an ICD-10 code as a clinician types', () => {
  it('folds accents, case, œ, Arabic harakat, alef and ta marbuta forms', () => {
    assert.equal(fold('Diabète  sucré, TYPE 2'), 'diabete sucre type 2');
    assert.equal(fold('Œdème'), 'oedeme');
    assert.equal(fold('الحُمَّى'), fold('الحمى'));
    assert.equal(fold('أزمة'), 'ازمه');
  });

  it('a word of the title finds the common code first, whatever the accents', () => {
    const found = codes('pharyngite', { count: 5 });
    assert.ok(found.includes('J02.9'), JSON.stringify(found));
    assert.deepEqual(found.slice(0, 2).sort(), ['J02.0', 'J02.9'], 'the curated codes lead');
    assert.deepEqual(codes('diabete type 2 sans complication', { count: 1 }), ['E11.9']);
    assert.deepEqual(codes('HYPERTENSION essentielle', { count: 1 }), ['I10']);
  });

  it('every word must match the start of a word of the title', () => {
    for (const at of searchIcd10(icd10(), 'maladie renale chronique', { count: 50 }).slots) {
      const title = fold(icd10().conceptAt(at).fr);
      for (const w of ['maladie', 'renale', 'chronique']) assert.ok(` ${title}`.includes(` ${w}`), title);
    }
    assert.equal(searchIcd10(icd10(), 'xyzzy plugh').total, 0);
  });

  it('a code prefix lists that code, then the curated codes under it, then the others', () => {
    const found = codes('n18', { count: 10 });
    assert.equal(found[0], 'N18');
    assert.deepEqual(found.slice(1, 7), ['N18.1', 'N18.2', 'N18.3', 'N18.4', 'N18.5', 'N18.9']);
    assert.equal(codes('E11.9', { count: 1 })[0], 'E11.9');
    assert.deepEqual(codes('j029'), ['J02.9']);
  });

  it('Arabic and English words find the translated codes, with or without the article', () => {
    assert.ok(codes('البلعوم', { language: 'ar' }).includes('J02.9'));
    assert.ok(codes('بلعوم', { language: 'ar' }).includes('J02.9'));
    assert.ok(codes('الربو', { language: 'ar' }).includes('J45.9'));
    assert.ok(codes('asthma', { language: 'en' }).includes('J45.9'));
  });

  it('pages with count and offset over the same total', () => {
    const first = searchIcd10(icd10(), 'fracture', { count: 10 });
    const second = searchIcd10(icd10(), 'fracture', { count: 10, offset: 10 });
    assert.ok(first.total > 100);
    assert.equal(first.total, second.total);
    assert.equal(new Set([...first.slots, ...second.slots]).size, 20);
  });
});
