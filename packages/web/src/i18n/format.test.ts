import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ageInYears, formatDate, formatNumber, formatQuantity, formatUnit, formatYears } from './format.ts';

describe('formatDate', () => {
  it('shows a bare date at its own precision, without time-zone shift', () => {
    assert.equal(formatDate('en', '2026-06-01'), '1 June 2026');
    assert.equal(formatDate('fr', '2026-06-01', { style: 'numeric' }), '01/06/2026');
    assert.equal(formatDate('en', '2026-06'), 'June 2026');
    assert.equal(formatDate('en', '2026'), '2026');
  });
  it('writes Arabic dates with Latin digits', () => {
    const text = formatDate('ar', '2026-06-01');
    assert.match(text, /2026/);
    assert.doesNotMatch(text, /[٠-٩]/);
  });
  it('shows an instant in Morocco time, with the time when asked', () => {
    // 23:30 UTC on 31 May is already 1 June in Casablanca (UTC+1)
    assert.match(formatDate('fr', '2026-05-31T23:30:00Z', { time: true }), /1 juin 2026.*00:30/);
  });
  it('returns what it cannot parse unchanged, and nothing for nothing', () => {
    assert.equal(formatDate('fr', 'soon'), 'soon');
    assert.equal(formatDate('fr', undefined), '');
  });
});

describe('numbers and quantities', () => {
  it('uses the locale decimal separator and Latin digits', () => {
    assert.equal(formatNumber('fr', 7.25), '7,25');
    assert.equal(formatNumber('en', 7.25), '7.25');
    assert.doesNotMatch(formatNumber('ar', 1234.5), /[٠-٩]/);
  });
  it('shows UCUM units as people write them', () => {
    assert.equal(formatQuantity('en', { value: 120, unit: 'mm[Hg]' }), '120 mmHg');
    assert.equal(formatQuantity('en', { value: 6.5, code: '%' }), '6.5 %');
    assert.equal(formatQuantity('en', undefined), '');
  });
  it('writes in Arabic letters the units Arabic texts write so, after the number; symbols stay', () => {
    assert.equal(formatQuantity('ar', { value: 77, unit: 'kg' }), '77 كغ');
    assert.equal(formatQuantity('ar', { value: 123, unit: 'mg/dL' }), '123 ملغ/دل');
    assert.equal(formatUnit('ar', 'mm[Hg]'), 'ملم زئبق');
    assert.equal(formatUnit('fr', 'kg'), 'kg');
    assert.equal(formatUnit('ar', 'Cel'), '°C');
    assert.equal(formatUnit('ar', '/min'), '/min');
    assert.equal(formatUnit('ar', 'comprimé'), 'comprimé', 'a unit as written stays as written');
  });
});

describe('formatYears', () => {
  it('agrees the unit with the number in each language', () => {
    const plain = (text: string) => text.replace(/\s/g, ' '); // Intl may use no-break spaces
    assert.equal(plain(formatYears('fr', 1)), '1 an');
    assert.equal(plain(formatYears('fr', 56)), '56 ans');
    assert.equal(plain(formatYears('en', 2)), '2 years');
    assert.doesNotMatch(formatYears('ar', 5), /[٠-٩]/);
  });
});

describe('ageInYears', () => {
  it('counts a birthday only once it is reached', () => {
    const day = new Date(Date.UTC(2026, 5, 1));
    assert.equal(ageInYears('2000-06-01', day), 26);
    assert.equal(ageInYears('2000-06-02', day), 25);
    assert.equal(ageInYears(undefined, day), undefined);
  });
});
