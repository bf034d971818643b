/**
 * ICD-10 as Moroccan hospitals and the AMO code it: the French edition of ATIH (CIM-10 FR à usage
 * PMSI, data/reference/icd10-fr-atih.csv.gz, 42,485 codes) with Arabic and English titles for the
 * codes of primary and chronic care (data/reference/icd10-ar-en-sahti.csv, a team translation; see
 * data/reference/SOURCES.md). Loaded once into parallel arrays; pure after loading.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { csvFields } from '../prescriptions/medicines.ts';

export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
export const ICD10_VERSION = 'CIM-10 FR à usage PMSI (ATIH)';

export type Language = 'fr' | 'ar' | 'en';
export const LANGUAGES: readonly Language[] = ['fr', 'ar', 'en'];

export interface Icd10Concept {
  /** As written in records: `E11.9`, `J00`, `Z99.2+0`. */
  code: string;
  fr: string;
  ar?: string;
  en?: string;
}

/** A title in the asked language, or in French when the set has none in that language. */
export interface Title {
  value: string;
  language: Language;
}

/** `e119`, `E11.9`, ` e11.9 ` → `E119`, the key of the ATIH file (no dot). */
export function icd10Key(code: string): string {
  return code.trim().toUpperCase().replace(/[\s.]/g, '');
}

/** `E119` → `E11.9`; `Z992+0` → `Z99.2+0`; `I10` → `I10`. */
export function dotted(key: string): string {
  return key.length > 3 ? `${key.slice(0, 3)}.${key.slice(3)}` : key;
}

function rows(csv: string): string[][] {
  const [header, ...lines] = csv.split(/\r?\n/).filter((l) => l.trim());
  const names = csvFields(header);
  return lines.map((line) => {
    const row = csvFields(line);
    return names.map((_, i) => (row[i] ?? '').trim());
  });
}

const tidy = (label: string) => label.replace(/\s+/g, ' ').trim();

/** The code system in memory: one slot per code, in the file's (ATIH) order. */
export class Icd10 {
  readonly size: number;
  private readonly keys: string[];
  private readonly fr: string[];
  private readonly ar: (string | undefined)[];
  private readonly en: (string | undefined)[];
  private readonly index: Map<string, number>;

  /**
   * `frCsv`: `code,label_fr` (ATIH codes without a dot); `translationsCsv`: `code,label_ar,label_en`
   * for some of them. A translated code missing from the French set is an error in the files.
   */
  constructor(frCsv: string, translationsCsv = '') {
    const french = rows(frCsv);
    this.size = french.length;
    this.keys = french.map((r) => icd10Key(r[0]));
    this.fr = french.map((r) => tidy(r[1]));
    this.ar = new Array(this.size);
    this.en = new Array(this.size);
    this.index = new Map(this.keys.map((k, i) => [k, i]));
    if (!translationsCsv) return;
    for (const [code, ar, en] of rows(translationsCsv)) {
      const at = this.index.get(icd10Key(code));
      if (at === undefined) throw new Error(`ICD-10 translations: ${code} is not in the French set`);
      if (ar) this.ar[at] = tidy(ar);
      if (en) this.en[at] = tidy(en);
    }
  }

  has(code: string): boolean {
    return this.index.has(icd10Key(code));
  }

  /** The slot of a code, or undefined when ICD-10 has no such code. */
  slot(code: string): number | undefined {
    return this.index.get(icd10Key(code));
  }

  concept(code: string): Icd10Concept | undefined {
    const at = this.slot(code);
    return at === undefined ? undefined : this.conceptAt(at);
  }

  conceptAt(at: number): Icd10Concept {
    return {
      code: dotted(this.keys[at]),
      fr: this.fr[at],
      ...(this.ar[at] ? { ar: this.ar[at] } : {}),
      ...(this.en[at] ? { en: this.en[at] } : {}),
    };
  }

  /** The code's title in `language`, else French. */
  title(code: string, language: Language = 'fr'): Title | undefined {
    const at = this.slot(code);
    return at === undefined ? undefined : this.titleAt(at, language);
  }

  titleAt(at: number, language: Language): Title {
    const translated = language === 'ar' ? this.ar[at] : language === 'en' ? this.en[at] : undefined;
    return translated ? { value: translated, language } : { value: this.fr[at], language: 'fr' };
  }

  /** Whether the code has titles beyond French: the curated codes of primary and chronic care. */
  isCurated(at: number): boolean {
    return this.ar[at] !== undefined || this.en[at] !== undefined;
  }

  keyAt(at: number): string {
    return this.keys[at];
  }

  /** Every title of a slot (French first), for searching. */
  titlesAt(at: number): string[] {
    return [this.fr[at], this.ar[at], this.en[at]].filter((t): t is string => Boolean(t));
  }
}

const REFERENCE = new URL('../../../../../data/reference/', import.meta.url);
let loaded: Icd10 | undefined;

/** The platform's ICD-10, read from data/reference on first use. */
export function icd10(): Icd10 {
  loaded ??= new Icd10(
    gunzipSync(readFileSync(fileURLToPath(new URL('icd10-fr-atih.csv.gz', REFERENCE)))).toString('utf8'),
    readFileSync(fileURLToPath(new URL('icd10-ar-en-sahti.csv', REFERENCE)), 'utf8'),
  );
  return loaded;
}
