/**
 * The medicines a prescription may name: a real Moroccan list (data/reference/
 * medicines-ma-cnops-2014.csv, CNOPS reference list; see data/reference/SOURCES.md), loaded once.
 * A deployment swaps the file for the current list in the same columns. Pure after loading.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MEDICINE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/medicament-ma';

export interface Medicine {
  /** EAN-13 code of the presentation (`6118…`). */
  code: string;
  name: string;
  inn: string;
  strength: string;
  unit: string;
  form: string;
  presentation: string;
}

const FILE = fileURLToPath(
  new URL('../../../../../data/reference/medicines-ma-cnops-2014.csv', import.meta.url),
);

/** One CSV line into its fields (double quotes around fields with commas, "" inside them). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

export function parseMedicines(csv: string): Medicine[] {
  const [header, ...lines] = csv.split(/\r?\n/).filter((l) => l.trim());
  const names = csvFields(header);
  const at = (row: string[], name: string) => row[names.indexOf(name)] ?? '';
  return lines.map((line) => {
    const row = csvFields(line);
    return {
      code: at(row, 'code'),
      name: at(row, 'name'),
      inn: at(row, 'inn'),
      strength: at(row, 'strength'),
      unit: at(row, 'unit'),
      form: at(row, 'form'),
      presentation: at(row, 'presentation'),
    };
  });
}

let loaded: Map<string, Medicine> | undefined;

export function medicines(): Map<string, Medicine> {
  loaded ??= new Map(parseMedicines(readFileSync(FILE, 'utf8')).map((m) => [m.code, m]));
  return loaded;
}

/** How a medicine is named on a prescription: brand, strength, form (`ANDOL 500 MG, COMPRIME`). */
export function medicineDisplay(m: Medicine): string {
  const strength = `${m.strength} ${m.unit}`.trim();
  const name = m.name.includes(m.strength) ? m.name : `${m.name} ${strength}`;
  return `${name}, ${m.form.toLowerCase()} (${m.inn})`;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();

/** Medicines whose brand or INN contains every word of the query (accents ignored). */
export function findMedicines(query: string, limit = 20): Medicine[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return [...medicines().values()]
    .filter((m) => {
      const text = fold(`${m.name} ${m.inn} ${m.strength} ${m.unit} ${m.form}`);
      return words.every((w) => text.includes(w));
    })
    .slice(0, limit);
}
