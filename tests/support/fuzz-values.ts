/**
 * fast-check arbitraries for hostile values and query strings: quotes, escapes, SQL, NUL, lone
 * surrogates, broken percent-encoding, impossible dates, huge numbers, search prefixes and modifiers.
 */
import fc from 'fast-check';

/** Space-separated words as a list (keeps long constant lists readable). */
export const words = (text: string): string[] => text.trim().split(/\s+/);

/** Strings that break naive code. */
export const NASTY = [
  ...[
    "'",
    '"',
    '\\',
    "' OR 1=1 --",
    "1'--",
    ';DROP TABLE resource',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
  ],
  ...['😀', 'محمد', '\u200f', '<div>', '{{x}}', '../..', '%', ',', '|', '||', '$', ':', '*', '.', '-'],
  ...words('null undefined NaN Infinity -1 0 1e999 -0.0 9999-12-31 0000 2024-13-45 2024-02-30T25:61:61Z'),
  ...['2024-01-01T00:00:00+99:00', 'true', 'false', 'urn:uuid:x', 'Patient/guard', '\t', ' ', ''],
  'http://localhost/fhir/R4/Patient/guard',
];
/** Characters PostgreSQL cannot hold in text or jsonb. */
export const UNSTORABLE = ['\u0000', 'a\u0000', '\ud800', 'x\udfff'];
/** Raw URL text, inserted as-is: NUL escapes and malformed percent-encoding. */
const RAW = words('%00 % %ZZ %E0%A4%A %C0%AF %2F %25 %FF%FE %u0041 + %0A %0D%0A');
const PREFIXES = words('eq ne gt lt ge le sa eb ap xx');

export const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.constantFrom(...UNSTORABLE) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 4000 }).map((n) => 'x'.repeat(n)) },
);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const time = fc.tuple(
  fc.integer({ min: 0, max: 25 }),
  fc.integer({ min: 0, max: 61 }),
  fc.constantFrom('Z', '+01:00', '-14:00', '+15:00', ''),
);
/** Dates of every precision, some impossible (month 13, day 32, hour 25, year 10000). */
export const dateish = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 1, 99, 1969, 9999)),
    fc.option(fc.integer({ min: 0, max: 13 })),
    fc.option(fc.integer({ min: 0, max: 32 })),
    fc.option(time),
  )
  .map(([y, m, d, t]) => {
    let s = pad(y, 4);
    if (m !== null) s += `-${pad(m, 2)}`;
    if (m !== null && d !== null) s += `-${pad(d, 2)}`;
    if (m !== null && d !== null && t) s += `T${pad(t[0], 2)}:${pad(t[1], 2)}:00${t[2]}`;
    return s;
  });
const numberish = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt().map(String),
  fc.constantFrom(...words('1e999 -1e-999 1. .5 0x10 1_000 1,2 1|http://unitsofmeasure.org|kg')),
);
export const value = fc.oneof(
  text,
  fc.tuple(fc.constantFrom(...PREFIXES), fc.oneof(text, dateish, numberish)).map(([p, v]) => p + v),
  dateish,
  numberish,
  fc.tuple(text, text).map(([system, code]) => `${system}|${code}`),
  fc.array(text, { minLength: 2, maxLength: 4 }).map((a) => a.join(',')),
);

/** encodeURIComponent, except that a lone surrogate becomes its (invalid) 3-byte UTF-8 escape. */
export function encode(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0xd800 || c > 0xdfff) out += encodeURIComponent(ch);
    else
      for (const b of [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)])
        out += `%${b.toString(16)}`;
  }
  return out;
}
/** Mostly encoded text, sometimes a raw broken escape. */
export const urlText = (arb: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 6, arbitrary: arb.map(encode) }, { weight: 1, arbitrary: fc.constantFrom(...RAW) });

const PARAMS = words(`name family given birthdate identifier gender active address phone link
  general-practitioner organization _id _lastUpdated _count _sort _include _revinclude _include:iterate
  _revinclude:iterate _summary _elements _total _cursor _format _since _tag _profile _text _content _list
  _type subject subject.name subject:Patient.name subject.organization.name code value-quantity date
  probability code-value-quantity _has:Observation:subject:code _has:Foo:x:y _has
  _has:Observation:subject:_has:Provenance:target:_id`);
const MODIFIERS = ['', '', '', '', '', '', ...words(':missing :exact :contains :not :text :identifier')];
MODIFIERS.push(...words(':below :above :Patient :in :iterate :Foo :: :'));
const paramName = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom(...PARAMS), fc.constantFrom(...MODIFIERS)).map((p) => p.join('')),
  },
  { weight: 1, arbitrary: text },
);
/** A raw query string of up to four hostile `name=value` pairs. */
export const queryString = fc
  .array(fc.tuple(urlText(paramName), urlText(value)), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
