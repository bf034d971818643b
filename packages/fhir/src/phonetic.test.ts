import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phoneticKey } from './phonetic.ts';

const same = (...names: string[]): void => {
  const keys = new Set(names.map(phoneticKey));
  assert.equal(keys.size, 1, `${names.join(' / ')} → ${[...keys].join(', ')}`);
};

describe('phonetic keys for Maghrebi transliterations', () => {
  it('gives one key to the spellings of one name', () => {
    same('Mohammed', 'Mohamed', 'Mhamed', 'Muhammad', 'Mohammad');
    same('El Amrani', 'Al Amrani', 'Al-Amrani', 'Amrani');
    same('Youssef', 'Yousef', 'Youcef', 'Yusuf');
    same('Khadija', 'Khadidja', 'Kadija');
    same('Aicha', 'Aïcha', 'Aisha');
    same('Chraibi', 'Shraibi');
  });
  it('keeps different names apart', () => {
    assert.notEqual(phoneticKey('Fatima'), phoneticKey('Hamza'));
    assert.notEqual(phoneticKey('Amine'), phoneticKey('Imane'));
  });
  it('folds the article and long vowels of Arabic script', () => {
    assert.equal(phoneticKey('العمراني'), phoneticKey('عمراني'));
  });
});
