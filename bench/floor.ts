/**
 * The raw-SQL floor: the same rows written and read on the same database engine with plain SQL and
 * no FHIR layer — no HTTP, no validation, no history, no search-index side tables, no FHIRPath.
 * One table holds the JSON plus the handful of columns the measured searches need, each with the
 * index a hand-written schema would give it. The ratio FHIR/floor is then what the FHIR layer costs.
 *
 * PGlite: a separate PGlite instance (own data folder) inside the benchmark process, since PGlite is
 * in-process by nature. PostgreSQL: a separate database on the same server, through a pg Pool with
 * as many connections as the load has workers.
 */
import { spawn } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { OBSERVATIONS_PER_PATIENT, observationFacts, patient, resourceIdFor } from './generate.ts';
import type { HttpClient } from './http.ts';
import type { Target } from './scenarios.ts';

export interface FloorDb {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE bench_floor (
  id text PRIMARY KEY,
  rtype text NOT NULL,
  ident text,
  family text,
  birthdate date,
  subject text,
  code text,
  effective timestamptz,
  content jsonb NOT NULL
);
CREATE INDEX bench_floor_ident ON bench_floor (ident) WHERE ident IS NOT NULL;
CREATE INDEX bench_floor_family ON bench_floor (family text_pattern_ops) WHERE family IS NOT NULL;
CREATE INDEX bench_floor_birthdate ON bench_floor (birthdate) WHERE birthdate IS NOT NULL;
CREATE INDEX bench_floor_observation ON bench_floor (subject, code, effective) WHERE subject IS NOT NULL`;

export async function openPgliteFloor(dataDir: string): Promise<FloorDb> {
  const db = await PGlite.create({ dataDir });
  await db.exec(SCHEMA);
  return {
    query: (text, params) => db.query<Record<string, unknown>>(text, params),
    close: () => db.close(),
  };
}

export async function openPostgresFloor(url: string, connections: number): Promise<FloorDb> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  await pool.query(SCHEMA);
  return {
    query: (text, params) => pool.query(text, params),
    close: () => pool.end(),
  };
}

interface FloorRow {
  id: string;
  rtype: string;
  ident?: string;
  family?: string;
  birthdate?: string;
  subject?: string;
  code?: string;
  effective?: string;
  content: unknown;
}

function patientRow(index: number, version = 0): FloorRow {
  const content = { ...patient(index, version), id: resourceIdFor('p', index) };
  return {
    id: content.id,
    rtype: 'Patient',
    ident: content.identifier[0].value,
    family: content.name[0].family.toLowerCase(),
    birthdate: content.birthDate,
    content,
  };
}

const COLUMNS = 'id, rtype, ident, family, birthdate, subject, code, effective, content';
const RECORD = `id text, rtype text, ident text, family text, birthdate date, subject text, code text,
  effective timestamptz, content jsonb`;
const LIMIT = 21; // the FHIR engine reads one row beyond its default page of 20 to know a next page exists

export class FloorTarget implements Target {
  readonly db: FloorDb;
  readonly createdIndexes: number[] = [];

  constructor(db: FloorDb) {
    this.db = db;
  }

  /** Set-based, like the engine's write path: one INSERT … SELECT over a JSON array per bundle. */
  async importBundle(from: number, to: number): Promise<string | undefined> {
    const rows: FloorRow[] = [];
    for (let i = from; i < to; i++) {
      const p = patientRow(i);
      rows.push(p);
      for (let k = 0; k < OBSERVATIONS_PER_PATIENT; k++) {
        const n = i * OBSERVATIONS_PER_PATIENT + k;
        const f = observationFacts(i, k);
        const id = resourceIdFor('o', n);
        rows.push({
          id,
          rtype: 'Observation',
          subject: p.id,
          code: f.code.code,
          effective: f.effective,
          content: {
            resourceType: 'Observation',
            id,
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: f.code.code, display: f.code.display }] },
            subject: { reference: `Patient/${p.id}` },
            effectiveDateTime: f.effective,
            valueQuantity: {
              value: f.value,
              unit: f.code.unit,
              system: 'http://unitsofmeasure.org',
              code: f.code.unit,
            },
          },
        });
      }
    }
    await this.db.query(
      `INSERT INTO bench_floor (${COLUMNS}) SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${RECORD})`,
      [JSON.stringify(rows)],
    );
    return undefined;
  }

  /** One INSERT per request, as a single create is one statement at best. */
  async create(index: number): Promise<string | undefined> {
    const r = patientRow(index);
    await this.db.query(
      `INSERT INTO bench_floor (id, rtype, ident, family, birthdate, content)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::date, $6::jsonb)`,
      [r.id, r.rtype, r.ident, r.family, r.birthdate, JSON.stringify(r.content)],
    );
    this.createdIndexes.push(index);
    return undefined;
  }

  async read(index: number): Promise<string | undefined> {
    const { rows } = await this.db.query(
      'SELECT content::text AS content FROM bench_floor WHERE id = $1::text',
      [resourceIdFor('p', index)],
    );
    return rows.length === 1 ? undefined : `floor read ${index}: ${rows.length} rows`;
  }

  async update(index: number, version: number): Promise<string | undefined> {
    const r = patientRow(index, version);
    await this.db.query('UPDATE bench_floor SET content = $2::jsonb WHERE id = $1::text', [
      r.id,
      JSON.stringify(r.content),
    ]);
    return undefined;
  }

  async remove(index: number): Promise<string | undefined> {
    await this.db.query('DELETE FROM bench_floor WHERE id = $1::text', [resourceIdFor('p', index)]);
    return undefined;
  }

  async searchIdentifier(_system: string, value: string): Promise<string | undefined> {
    const { rows } = await this.db.query(
      // the CNIE is unique: a hand-written lookup neither sorts nor limits
      'SELECT content::text AS content FROM bench_floor WHERE ident = $1::text',
      [value],
    );
    return rows.length === 1 ? undefined : `floor identifier ${value}: ${rows.length} rows`;
  }

  async searchName(prefix: string): Promise<string | undefined> {
    await this.db.query(
      `SELECT content::text AS content FROM bench_floor WHERE family LIKE $1::text ORDER BY id LIMIT ${LIMIT}`,
      [`${prefix.toLowerCase()}%`],
    );
    return undefined;
  }

  async searchBirthdate(from: string, to: string): Promise<string | undefined> {
    await this.db.query(
      `SELECT content::text AS content FROM bench_floor WHERE birthdate >= $1::date AND birthdate < $2::date
       ORDER BY id LIMIT ${LIMIT}`,
      [from, to],
    );
    return undefined;
  }

  async searchObservations(
    index: number,
    code: string,
    from: string,
    to: string,
  ): Promise<string | undefined> {
    await this.db.query(
      `SELECT content::text AS content FROM bench_floor WHERE subject = $1::text AND code = $2::text
       AND effective >= $3::timestamptz AND effective < $4::timestamptz ORDER BY id LIMIT ${LIMIT}`,
      [resourceIdFor('p', index), code, from, to],
    );
    return undefined;
  }
}

/** The floor's reads behind a bare HTTP server (floor-http-server.ts), in its own process. */
export interface HttpFloor {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startHttpFloor(databaseUrl: string, connections: number): Promise<HttpFloor> {
  const child = spawn(
    process.execPath,
    [new URL('./floor-http-server.ts', import.meta.url).pathname, databaseUrl, String(connections)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the HTTP floor exited (${code})`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  child.removeAllListeners('exit');
  return {
    port,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Reads and CNIE lookups through the HTTP floor; the other operations are not its to measure. */
export class HttpFloorTarget implements Target {
  readonly createdIndexes: number[] = [];
  private readonly http: HttpClient;
  constructor(http: HttpClient) {
    this.http = http;
  }

  async read(index: number): Promise<string | undefined> {
    const res = await this.http.send('GET', `/read/${resourceIdFor('p', index)}`);
    return res.status === 200 ? undefined : `HTTP floor read ${index}: ${res.status}`;
  }

  async searchIdentifier(_system: string, value: string): Promise<string | undefined> {
    const res = await this.http.send('GET', `/identifier/${encodeURIComponent(value)}`);
    return res.status === 200 ? undefined : `HTTP floor identifier ${value}: ${res.status}`;
  }

  private notMeasured = async (): Promise<string> => 'not measured on the HTTP floor';
  importBundle = this.notMeasured;
  create = this.notMeasured;
  update = this.notMeasured;
  remove = this.notMeasured;
  searchName = this.notMeasured;
  searchBirthdate = this.notMeasured;
  searchObservations = this.notMeasured;
}
