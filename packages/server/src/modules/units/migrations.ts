/** Tables of the mobile-unit service (range 2100–2149; the hub has 2150–2199). */
import type { Migration } from '@sahti/fhir';

export const UNITS_MIGRATIONS: Migration[] = [
  {
    version: 2100,
    name: 'units: field records (idempotent sync), plans, device gateways, sync batches',
    sql: `
      -- one row per identifier a field device minted: a second resource with the same one cannot be
      -- written (the unique key, in the writing transaction), so a replayed sync creates nothing twice
      CREATE TABLE IF NOT EXISTS units_field_record (
        value text PRIMARY KEY,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS units_plan (
        id text PRIMARY KEY,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL,
        parameters jsonb NOT NULL,
        result jsonb,
        problems jsonb,
        finished_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS units_plan_created ON units_plan (created_at DESC);
      CREATE TABLE IF NOT EXISTS units_gateway (
        client_id text PRIMARY KEY,
        unit text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- a sync's answer, kept so that a retried request whose answer was lost gets it again
      CREATE TABLE IF NOT EXISTS units_sync_batch (
        id text PRIMARY KEY,
        account text NOT NULL,
        status text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        summary jsonb
      );
    `,
  },
];

UNITS_MIGRATIONS.push({
  version: 2101,
  name: 'units: visit notices sent (one per person, stop and day)',
  sql: `
    CREATE TABLE IF NOT EXISTS units_visit_notice (
      stop text NOT NULL,
      day date NOT NULL,
      patient_id text NOT NULL,
      sent_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stop, day, patient_id)
    );
  `,
});
