/**
 * Deterministic synthetic data for the benchmark: patient i and observation (i, k) are pure functions
 * of their indexes, so the FHIR import, the raw-SQL floor and the request mixes all agree on what
 * exists without keeping a million objects in memory. Lean on purpose (no FHIRPath, no demo builder):
 * generation must cost far less than the server work it measures.
 */

export const CNIE_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/cnie';
export const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

/** Observations per patient: 100,000 patients give the 1,000,000 observations of the full run. */
export const OBSERVATIONS_PER_PATIENT = 10;

// biome-ignore format: a word list reads better packed
const FAMILY = [
  'Alaoui', 'Benali', 'El Idrissi', 'Tazi', 'Bennani', 'Berrada', 'Cherkaoui', 'Ouazzani', 'El Amrani',
  'El Fassi', 'Naciri', 'Lahlou', 'Chraibi', 'Kettani', 'Bouzidi', 'Ait Ouahmane', 'Ouali', 'Benjelloun',
  'Sefrioui', 'El Mansouri', 'Ziani', 'Haddad', 'Belhaj', 'Benkirane', 'Slaoui', 'Filali', 'Soussi',
  'Zerouali', 'Bakkali', 'Touhami', 'El Ghazi', 'Ait Benhaddou', 'Moutawakil', 'Rifi', 'Amzil', 'Boukhari',
];
// biome-ignore format: a word list reads better packed
const MALE = [
  'Mohammed', 'Ahmed', 'Youssef', 'Amine', 'Hamza', 'Omar', 'Othmane', 'Mehdi', 'Ayoub', 'Karim', 'Rachid',
  'Abdellah', 'Said', 'Hassan', 'Hicham', 'Khalid', 'Ismail', 'Anas', 'Driss', 'Mustapha', 'Brahim', 'Yassine',
];
// biome-ignore format: a word list reads better packed
const FEMALE = [
  'Fatima Zahra', 'Fatima', 'Khadija', 'Salma', 'Imane', 'Aicha', 'Meryem', 'Nadia', 'Samira', 'Hanane',
  'Zineb', 'Sanae', 'Houda', 'Latifa', 'Naima', 'Hajar', 'Malika', 'Asmae', 'Siham', 'Ghizlane', 'Kawtar',
];
const CITIES = ['Casablanca', 'Rabat', 'Fès', 'Marrakech', 'Tanger', 'Agadir', 'Meknès', 'Oujda', 'Kénitra'];

/** The three measurements: LOINC code, display, UCUM unit, and a plausible value range. */
// biome-ignore format: a table reads better one row a line
export const CODES = [
  { code: '29463-7', display: 'Body weight', unit: 'kg', min: 3, max: 120, category: 'vital-signs' },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', min: 90, max: 180, category: 'vital-signs' },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', min: 60, max: 250, category: 'laboratory' },
] as const;

/** Observations fall in [2023-01-01, 2026-01-01): three years, so a one-year search hits about a third. */
const EFFECTIVE_START = Date.UTC(2023, 0, 1);
const EFFECTIVE_SPAN = Date.UTC(2026, 0, 1) - EFFECTIVE_START;
/** Birth dates fall in [1940-01-01, 2020-01-01). */
const BIRTH_START = Date.UTC(1940, 0, 1);
const BIRTH_SPAN = Date.UTC(2020, 0, 1) - BIRTH_START;

/** splitmix32 over (stream, index): a stateless hash, so record i never depends on records before it. */
export function rand(stream: number, index: number, draw = 0): number {
  let z =
    (Math.imul(index, 0x9e3779b9) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(draw + 1, 0xc2b2ae35)) >>>
    0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aafd) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
}

const pick = <T>(list: readonly T[], r: number): T => list[Math.floor(r * list.length)];

/**
 * CNIE: two letters and six digits, unique per index. Multiplying by a number coprime with
 * 676 × 10^6 is a bijection, which scatters consecutive patients over the whole letter range.
 */
export function cnie(i: number): string {
  const n = (i * 7919 + 1_234_567) % 676_000_000;
  const letters = Math.floor(n / 1_000_000);
  const l1 = String.fromCharCode(65 + Math.floor(letters / 26));
  const l2 = String.fromCharCode(65 + (letters % 26));
  return `${l1}${l2}${String(n % 1_000_000).padStart(6, '0')}`;
}

/** A UUID that encodes (kind, index): fullUrls in bundles. */
export function uuidFor(kind: 'p' | 'o', index: number): string {
  const tail = index.toString(16).padStart(12, '0');
  return `${kind === 'p' ? 'b0000000' : 'b1000000'}-0000-4000-8000-${tail}`;
}

/**
 * The id of (kind, index) where the benchmark chooses one — the floor table, a generated population:
 * 22 characters of the FHIR server's id alphabet, the length of the ids the server gives new
 * resources (packages/fhir/src/versions.ts newId), so that both store keys of the same size.
 */
export function resourceIdFor(kind: 'p' | 'o', index: number): string {
  // patients' ids before observations', as in uuidFor: the floor's name search walks its ids in order
  return `${kind === 'p' ? '0' : '1'}${index.toString(32).padStart(21, '0')}`;
}

export const familyOf = (i: number): string => pick(FAMILY, rand(1, i));

export function birthDateOf(i: number): string {
  return new Date(BIRTH_START + Math.floor(rand(4, i) * BIRTH_SPAN)).toISOString().slice(0, 10);
}

export interface PatientJson {
  resourceType: 'Patient';
  id?: string;
  identifier: { system: string; value: string }[];
  name: { use: string; family: string; given: string[] }[];
  gender: 'male' | 'female';
  birthDate: string;
  telecom: { system: string; value: string; use: string }[];
  address: { use: string; city: string; country: string }[];
}

/** `version` changes the phone number, which is what an update (PUT) writes. */
export function patient(i: number, version = 0): PatientJson {
  const male = rand(2, i) < 0.5;
  const phone = 600_000_000 + Math.floor(rand(5, i, version) * 99_999_999);
  return {
    resourceType: 'Patient',
    identifier: [{ system: CNIE_SYSTEM, value: cnie(i) }],
    name: [{ use: 'official', family: familyOf(i), given: [pick(male ? MALE : FEMALE, rand(3, i))] }],
    gender: male ? 'male' : 'female',
    birthDate: birthDateOf(i),
    telecom: [{ system: 'phone', value: `+212${phone}`, use: 'mobile' }],
    address: [{ use: 'home', city: pick(CITIES, rand(6, i)), country: 'MA' }],
  };
}

export interface ObservationFacts {
  code: (typeof CODES)[number];
  effective: string;
  value: number;
}

/** Observation k of patient i: which code, when, and the value (one decimal). */
export function observationFacts(i: number, k: number): ObservationFacts {
  const n = i * OBSERVATIONS_PER_PATIENT + k;
  const code = CODES[k % CODES.length];
  const effective = new Date(EFFECTIVE_START + Math.floor(rand(7, n) * EFFECTIVE_SPAN)).toISOString();
  const value = Math.round((code.min + rand(8, n) * (code.max - code.min)) * 10) / 10;
  return { code, effective, value };
}

export function observation(i: number, k: number, subject: string): Record<string, unknown> {
  const f = observationFacts(i, k);
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: f.code.category },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: f.code.code, display: f.code.display }] },
    subject: { reference: subject },
    effectiveDateTime: f.effective,
    valueQuantity: { value: f.value, unit: f.code.unit, system: UCUM, code: f.code.unit },
  };
}

/** Patients per bundle so that one bundle holds about `entries` entries (patients + observations). */
export const patientsPerBundle = (entries: number): number =>
  Math.max(1, Math.floor(entries / (1 + OBSERVATIONS_PER_PATIENT)));

/** Transaction bundle for patients [from, to): POSTs with urn:uuid fullUrls the observations point to. */
export function transactionBundle(from: number, to: number): Record<string, unknown> {
  const entry: unknown[] = [];
  for (let i = from; i < to; i++) {
    const fullUrl = `urn:uuid:${uuidFor('p', i)}`;
    entry.push({ fullUrl, resource: patient(i), request: { method: 'POST', url: 'Patient' } });
    for (let k = 0; k < OBSERVATIONS_PER_PATIENT; k++) {
      entry.push({
        fullUrl: `urn:uuid:${uuidFor('o', i * OBSERVATIONS_PER_PATIENT + k)}`,
        resource: observation(i, k, fullUrl),
        request: { method: 'POST', url: 'Observation' },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
