/**
 * The key behind the `phonetic` search parameter: a consonant skeleton tuned for names written in
 * Latin letters from Arabic or Amazigh, where one name has many spellings (Mohammed, Mohamed,
 * Mhamed, Muhammad → "mhmd"; El Amrani, Al-Amrani → "amrn"; Youssef, Youcef → "ysf"). Names in
 * Arabic script keep their letters without the article and long vowels.
 */
import { normalizeText } from './normalize.ts';

const ARTICLE = /^(?:el|al|el-|al-|el |al )/;

export function phoneticKey(name: string): string {
  const text = normalizeText(name);
  if (/[\u0600-\u06ff]/.test(text)) {
    return text
      .replace(/^ال/, '')
      .replace(/ ال/g, ' ')
      .replace(/[اويى]/g, '')
      .replace(/\s+/g, '');
  }
  let s = text.replace(ARTICLE, '').replace(/[^a-z]/g, '');
  s = s
    .replace(/ou/g, 'u')
    .replace(/dj/g, 'j')
    .replace(/ch/g, 'sh')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/[cq]/g, 'k')
    .replace(/kh/g, 'k')
    .replace(/gh/g, 'g')
    .replace(/ph/g, 'f')
    .replace(/h(?=[^aeiouy]|$)/g, (h, i: number) => (i > 0 && 'aeiou'.includes(s[i - 1] ?? '') ? '' : h));
  const first = s.slice(0, 1);
  const rest = s.slice(1).replace(/[aeiouy]/g, '');
  return (first + rest).replace(/(.)\1+/g, '$1');
}
