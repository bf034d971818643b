/**
 * The measured operations, defined once over a `Target` that both the FHIR server (over HTTP) and
 * the raw-SQL floor implement: request i of a run maps to the same patient, code and date range on
 * both sides, so their figures describe the same work.
 */
import { CODES, cnie, familyOf, rand } from './generate.ts';
import type { Operation } from './load.ts';

/** Each call resolves to undefined on success or an error text (see load.ts). */
export interface Target {
  /** Bundle b of the import: patients [from, to) with their observations. */
  importBundle(from: number, to: number): Promise<string | undefined>;
  /** Creates patient `index` (an index beyond the imported ones). */
  create(index: number): Promise<string | undefined>;
  read(index: number): Promise<string | undefined>;
  /** Writes a new version of patient `index` (the phone number depends on `version`). */
  update(index: number, version: number): Promise<string | undefined>;
  /** Deletes patient `index`, one made by `create`. */
  remove(index: number): Promise<string | undefined>;
  searchIdentifier(system: string, value: string): Promise<string | undefined>;
  searchName(prefix: string): Promise<string | undefined>;
  /** Patients born in [from, to) (dates as YYYY-MM-DD). */
  searchBirthdate(from: string, to: string): Promise<string | undefined>;
  /** Observations of patient `index` with LOINC `code`, effective in [from, to). */
  searchObservations(index: number, code: string, from: string, to: string): Promise<string | undefined>;
  /** Indexes of the patients `create` has made so far, in order (the pool `remove` draws from). */
  readonly createdIndexes: number[];
}

/**
 * In the order they run: the searches whose cost grows fastest with volume come last, so that if
 * one of them leaves the server busy for minutes it spoils no other figure.
 */
export const OPERATIONS = [
  'create',
  'read',
  'update',
  'crud mix',
  'search identifier',
  'search observation',
  'search name',
  'search birthdate',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/**
 * `patients` is how many were imported; created patients get indexes from `patients` on, and the
 * mix's own creates from `patients + 10,000,000` so they never collide with the create run's.
 */
export function operation(name: OperationName, target: Target, patients: number): Operation {
  const any = (stream: number, i: number): number => Math.floor(rand(stream, i) * patients);
  switch (name) {
    case 'create':
      return (i) => target.create(patients + i);
    case 'read':
      return (i) => target.read(any(20, i));
    case 'update':
      return (i) => target.update(any(21, i), i + 1);
    case 'search identifier':
      return (i) => target.searchIdentifier('https://sahti.ma/fhir/NamingSystem/cnie', cnie(any(22, i)));
    case 'search name':
      // a 3-letter prefix of a real family name: a prefix search that matches thousands
      return (i) => target.searchName(familyOf(any(23, i)).slice(0, 3));
    case 'search birthdate': {
      return (i) => {
        // one calendar month between 1940 and 2019: about 1/960 of the patients
        const month = Math.floor(rand(24, i) * 960);
        return target.searchBirthdate(monthStart(month), monthStart(month + 1));
      };
    }
    case 'search observation':
      return (i) => {
        const code = CODES[Math.floor(rand(25, i) * CODES.length)].code;
        return target.searchObservations(any(26, i), code, '2024-01-01', '2025-01-01');
      };
    case 'crud mix':
      return crudMix(target, patients);
  }
}

/** First day of month m counted from January 1940, as YYYY-MM-DD. */
function monthStart(m: number): string {
  return `${1940 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`;
}

/**
 * The CRUD mix, fixed per ten requests: 2 creates, 5 reads, 2 updates, 1 delete (of a patient the
 * create run made; a read once that pool is used up).
 */
function crudMix(target: Target, patients: number): Operation {
  let deleted = 0;
  const pool = target.createdIndexes.slice(); // only those made before the mix began
  return (i) => {
    const slot = i % 10;
    if (slot < 2) return target.create(patients + 10_000_000 + i);
    if (slot < 7) return target.read(Math.floor(rand(27, i) * patients));
    if (slot < 9) return target.update(Math.floor(rand(28, i) * patients), 1_000_000 + i);
    if (deleted < pool.length) return target.remove(pool[deleted++]);
    return target.read(Math.floor(rand(29, i) * patients));
  };
}
