/**
 * The scenarios against the real server over HTTP. The server assigns ids, so the imported and
 * created patients' ids are remembered here (index → id) from the responses.
 */

import { patient, transactionBundle } from './generate.ts';
import { expectStatus, type HttpClient, idFromLocation } from './http.ts';
import type { Target } from './scenarios.ts';

const BASE = '/fhir/R4';

export class FhirTarget implements Target {
  /** Replaced when the server is restarted (PGlite, around an ANALYZE). */
  http: HttpClient;
  /** Server id of imported patient i. */
  readonly patientIds: string[] = [];
  /** Server id of created patient index (create run and mix). */
  readonly createdIds = new Map<number, string>();
  readonly createdIndexes: number[] = [];

  /** `Prefer: return=…` of the import's bundles; none by default. */
  private readonly importPrefer?: string;

  constructor(http: HttpClient, importPrefer?: string) {
    this.http = http;
    this.importPrefer = importPrefer;
  }

  async importBundle(from: number, to: number): Promise<string | undefined> {
    const prefer = this.importPrefer ? { prefer: `return=${this.importPrefer}` } : undefined;
    const res = await this.http.send('POST', BASE, transactionBundle(from, to), prefer);
    const failure = expectStatus(res, 200);
    if (failure) return failure;
    // response entries follow request order: one Patient, then its observations, per patient
    const entries = (JSON.parse(res.body) as { entry: { response?: { location?: string } }[] }).entry;
    let p = from;
    for (const e of entries) {
      const location = e.response?.location ?? '';
      if (location.startsWith('Patient/')) this.patientIds[p++] = location.split('/')[1];
    }
    return p === to ? undefined : `bundle ${from}-${to}: ${p - from} patient locations in the response`;
  }

  async create(index: number): Promise<string | undefined> {
    // return=minimal: the client needs the Location, not the echoed resource
    const res = await this.http.send('POST', `${BASE}/Patient`, patient(index), { prefer: 'return=minimal' });
    const failure = expectStatus(res, 201);
    const id = idFromLocation(res.headers.location);
    if (!failure && id) {
      this.createdIds.set(index, id);
      this.createdIndexes.push(index);
    }
    return failure ?? (id ? undefined : 'no Location on 201');
  }

  async read(index: number): Promise<string | undefined> {
    return expectStatus(await this.http.send('GET', `${BASE}/Patient/${this.patientIds[index]}`), 200);
  }

  async update(index: number, version: number): Promise<string | undefined> {
    const id = this.patientIds[index];
    const res = await this.http.send(
      'PUT',
      `${BASE}/Patient/${id}`,
      { ...patient(index, version), id },
      {
        prefer: 'return=minimal',
      },
    );
    return expectStatus(res, 200);
  }

  async remove(index: number): Promise<string | undefined> {
    const id = this.createdIds.get(index);
    if (!id) return `patient ${index} was not created`;
    return expectStatus(await this.http.send('DELETE', `${BASE}/Patient/${id}`), 200, 204);
  }

  async searchIdentifier(system: string, value: string): Promise<string | undefined> {
    const res = await this.http.send(
      'GET',
      `${BASE}/Patient?identifier=${encodeURIComponent(`${system}|${value}`)}`,
    );
    const failure = expectStatus(res, 200);
    if (failure) return failure;
    // the one check that is cheap and catches a wrong index: exactly one patient has this CNIE
    const n = (JSON.parse(res.body) as { entry?: unknown[] }).entry?.length ?? 0;
    return n === 1 ? undefined : `identifier ${value}: ${n} matches`;
  }

  async searchName(prefix: string): Promise<string | undefined> {
    return expectStatus(
      await this.http.send('GET', `${BASE}/Patient?name=${encodeURIComponent(prefix)}`),
      200,
    );
  }

  async searchBirthdate(from: string, to: string): Promise<string | undefined> {
    return expectStatus(
      await this.http.send('GET', `${BASE}/Patient?birthdate=ge${from}&birthdate=lt${to}`),
      200,
    );
  }

  async searchObservations(
    index: number,
    code: string,
    from: string,
    to: string,
  ): Promise<string | undefined> {
    const q = `subject=Patient/${this.patientIds[index]}&code=${encodeURIComponent(`http://loinc.org|${code}`)}&date=ge${from}&date=lt${to}`;
    return expectStatus(await this.http.send('GET', `${BASE}/Observation?${q}`), 200);
  }
}
