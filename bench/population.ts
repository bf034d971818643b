/**
 * A large population written fast, for query-plan tests and plan experiments: a seed of the
 * benchmark's patients and observations goes through the engine's own index-row builder and
 * set-based write (the rows are exactly those a server writes), then set-based SQL copies the seed
 * under new ids until the population has the size asked for. Copies keep their seed's values
 * (names, birth dates, codes), so each search matches the same share of the population at any
 * size; only the ids (random UUIDs, as the server makes them) and the patient references differ.
 * Each resource has its one history row (its content is the current row's); no events.
 */
import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentOf } from '../packages/fhir/src/compartment.ts';
import { loadDefinitions } from '../packages/fhir/src/definitions.ts';
import { buildIndexRows } from '../packages/fhir/src/index-rows.ts';
import { INDEX_TABLES } from '../packages/fhir/src/schema.ts';
import type { SqlExecutor } from '../packages/fhir/src/sql.ts';
import { type NewVersion, NOTHING_REPLACED, writeVersions } from '../packages/fhir/src/write.ts';
import { observation, patient, resourceIdFor } from './generate.ts';

export interface PopulationSize {
  /** Patients written through the engine. */
  seedPatients: number;
  /** Copies of the seed, the seed included: patients = seedPatients × copies. */
  copies: number;
  /** Observations per patient (the benchmark's generator cycles through its three codes). */
  observationsPerPatient: number;
}

const LAST_UPDATED = '2025-06-01T00:00:00.000Z';

/** Patient i of the seed and its observations, as the new versions the engine would write. */
function seedVersions(i: number, observations: number): NewVersion[] {
  const id = resourceIdFor('p', i);
  const resources: Resource[] = [{ ...patient(i), id } as Resource];
  for (let k = 0; k < observations; k++) {
    resources.push({
      ...observation(i, k, `Patient/${id}`),
      id: resourceIdFor('o', i * observations + k),
    } as Resource);
  }
  return resources.map((resource) => {
    const stamped = { ...resource, meta: { versionId: '1', lastUpdated: LAST_UPDATED } } as Resource;
    const rows = buildIndexRows(stamped);
    return {
      resourceType: stamped.resourceType,
      id: stamped.id as string,
      versionId: 1,
      lastUpdated: LAST_UPDATED,
      method: 'POST',
      resource: stamped,
      rows,
      compartment: patientCompartmentOf(stamped, rows),
    };
  });
}

/**
 * The id of copy `k` of a seed id: 22 hexadecimal digits derived from both (the length of the server's
 * new ids, newId), so copies scatter over the id order.
 */
const copyId = (column: string): string => `left(md5(${column} || ':' || k), 22)`;

export async function writePopulation(db: SqlExecutor, size: PopulationSize): Promise<void> {
  loadDefinitions();
  const batch = 100;
  for (let from = 0; from < size.seedPatients; from += batch) {
    const versions: NewVersion[] = [];
    for (let i = from; i < Math.min(size.seedPatients, from + batch); i++)
      versions.push(...seedVersions(i, size.observationsPerPatient));
    await writeVersions(db, versions, NOTHING_REPLACED);
  }
  if (size.copies <= 1) return;
  const copies = `generate_series(1, ${Math.floor(size.copies) - 1}) AS k`;
  await db.query(
    `INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
     SELECT s.resource_type, ${copyId('s.id')}, 1, s.last_updated, false,
       CASE WHEN s.resource_type = 'Observation'
         THEN jsonb_set(jsonb_set(s.content::jsonb, '{id}', to_jsonb(${copyId('s.id')})), '{subject,reference}',
           to_jsonb('Patient/' || ${copyId("split_part(s.content->'subject'->>'reference', '/', 2)")}))::json
         ELSE jsonb_set(s.content::jsonb, '{id}', to_jsonb(${copyId('s.id')}))::json END
     FROM resource s, ${copies}`,
  );
  // each copy's one version: its content is the current row's (write.ts), its patients the copies'
  await db.query(
    `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, patients)
     SELECT s.resource_type, ${copyId('s.id')}, 1, s.last_updated, false, 'POST', NULL,
       ARRAY(SELECT ${copyId('p')} FROM unnest(s.patients) AS p)
     FROM resource_history s, ${copies}`,
  );
  await db.query(
    `INSERT INTO compartment (resource_type, id, patient_id)
     SELECT s.resource_type, ${copyId('s.id')}, ${copyId('s.patient_id')} FROM compartment s, ${copies}`,
  );
  for (const table of INDEX_TABLES) {
    const columns = (
      await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_name = $1::text AND is_generated = 'NEVER' AND column_name NOT IN ('resource_type', 'id')
          ORDER BY ordinal_position`,
        [`sp_${table}`],
      )
    ).rows.map((r) => r.column_name);
    const values = columns.map((c) =>
      table === 'reference' && c === 'target_id'
        ? `CASE WHEN s.target_type = 'Patient' THEN ${copyId('s.target_id')} ELSE s.target_id END`
        : `s.${c}`,
    );
    await db.query(
      `INSERT INTO sp_${table} (resource_type, id, ${columns.join(', ')})
       SELECT s.resource_type, ${copyId('s.id')}, ${values.join(', ')} FROM sp_${table} s, ${copies}`,
    );
  }
}
