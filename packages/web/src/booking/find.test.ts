import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  directoryParams,
  doctorName,
  findHref,
  findQueryOf,
  formatFee,
  hasCriteria,
  PAGE,
  placeText,
} from './find.ts';

describe('the find-a-doctor address', () => {
  it('reads a search from the address and writes it back, leaving empty criteria out', () => {
    const q = findQueryOf(new URLSearchParams('specialty=cardiology&place=casa&mode=video&count=40'));
    assert.deepEqual(q, { specialty: 'cardiology', place: 'casa', language: '', mode: 'video', count: 40 });
    assert.equal(findHref(q), '/find?specialty=cardiology&place=casa&mode=video&count=40');
    assert.equal(findHref({ place: '  ' }), '/find');
  });

  it('keeps Arabic place names as typed (the server folds them) and bounds the page size', () => {
    const q = findQueryOf(
      new URLSearchParams(`place=${encodeURIComponent('الدار البيضاء')}&mode=bus&count=9999`),
    );
    assert.equal(q.place, 'الدار البيضاء');
    assert.equal(q.mode, '');
    assert.equal(q.count, 100);
    assert.equal(findQueryOf(new URLSearchParams('count=-3')).count, PAGE);
    assert.deepEqual(directoryParams(q), {
      specialty: undefined,
      place: 'الدار البيضاء',
      language: undefined,
      mode: undefined,
      _count: 100,
    });
  });

  it('searches once the person has said what or where', () => {
    assert.ok(!hasCriteria(findQueryOf(new URLSearchParams('language=fr'))));
    assert.ok(hasCriteria(findQueryOf(new URLSearchParams('place=Rabat'))));
    assert.ok(hasCriteria(findQueryOf(new URLSearchParams('specialty=ent'))));
  });
});

describe('a practitioner’s card', () => {
  it('names the doctor in the reader’s script', () => {
    const card = { name: 'Rim Sbai', nameAr: 'د. ريم الصباعي' };
    assert.equal(doctorName(card, 'fr'), 'Dr Rim Sbai');
    assert.equal(doctorName(card, 'ar'), 'د. ريم الصباعي');
    assert.equal(doctorName({ name: 'Rim Sbai' }, 'ar'), 'د. Rim Sbai');
  });

  it('writes the fee in dirhams with Latin digits', () => {
    assert.match(formatFee('fr', 300), /^300\s?MAD$/);
    assert.match(formatFee('ar', 1500), /1[,.\s\u202f\u00a0]?500/);
    assert.doesNotMatch(formatFee('ar', 300), /[٠-٩]/);
    assert.equal(formatFee('en', null), '');
  });

  it('says where, without repeating the commune already in the facility’s name', () => {
    assert.equal(
      placeText({ place: { name: 'Clinique Anfa', city: 'Casablanca' } }),
      'Clinique Anfa, Casablanca',
    );
    assert.equal(placeText({ place: { name: 'CHU Casablanca', city: 'Casablanca' } }), 'CHU Casablanca');
    assert.equal(placeText({}), '');
  });
});
