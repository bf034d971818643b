/**
 * Finding a patient again offline, whatever the spelling: names are reduced to a consonant
 * skeleton that French and English transliterations of the same Arabic name share (Mohamed,
 * Mohammed, Muhammad → MHMD; Ouahbi, Wahbi → WHB), and Arabic script is mapped to the same
 * skeleton (محمد → MHMD). Pure.
 */
const ARABIC: Record<string, string> = {
  ا: '',
  أ: '',
  إ: '',
  آ: '',
  ء: '',
  ؤ: '',
  ئ: '',
  ى: '',
  ة: '',
  ب: 'B',
  ت: 'T',
  ث: 'T',
  ج: 'J',
  ح: 'H',
  خ: 'K',
  د: 'D',
  ذ: 'D',
  ر: 'R',
  ز: 'Z',
  س: 'S',
  ش: 'C',
  ص: 'S',
  ض: 'D',
  ط: 'T',
  ظ: 'D',
  ع: '',
  غ: 'G',
  ف: 'F',
  ق: 'K',
  ك: 'K',
  ل: 'L',
  م: 'M',
  ن: 'N',
  ه: 'H',
  و: 'W',
  ي: 'Y',
  ڭ: 'G',
  ڤ: 'V',
  پ: 'B',
};

export function nameSkeleton(name: string): string {
  let s = name.normalize('NFD').replace(/\p{M}/gu, '');
  s = [...s].map((ch) => (ch in ARABIC ? ARABIC[ch] : ch)).join('');
  s = s.toUpperCase().replace(/[^A-Z ]/g, '');
  // leading article: El, Al, Ait / Aït stay meaningful only as a prefix we drop for matching
  s = s.replace(/\b(EL|AL)\s+/g, '');
  s = s
    .replace(/(^|\s)OU|OU(?=[AEIY])/g, '$1W')
    .replace(/OU/g, 'U')
    .replace(/KH/g, 'K')
    .replace(/CH|SH/g, 'C')
    .replace(/GH/g, 'G')
    .replace(/PH/g, 'F')
    .replace(/DJ/g, 'J')
    .replace(/Q/g, 'K')
    .replace(/[AEIOUY]/g, '')
    .replace(/\s+/g, '');
  return s.replace(/(.)\1+/g, '$1');
}

/** Edit distance, small strings only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Whether a typed name matches a patient's name (any of its words, a one-letter slip allowed). */
export function namesMatch(query: string, name: string): boolean {
  const q = query.trim();
  if (!q) return true;
  const words = name.split(/\s+/).filter(Boolean);
  return q
    .split(/\s+/)
    .filter(Boolean)
    .every((part) => {
      const k = nameSkeleton(part);
      if (!k) return true;
      return words.some((w) => {
        const s = nameSkeleton(w);
        return s.startsWith(k) || (k.length >= 3 && distance(s, k) <= 1);
      });
    });
}
