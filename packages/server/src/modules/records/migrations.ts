/** Tables of the records service (range 2900–2999). */
import type { Migration } from '@sahti/fhir';

export const RECORDS_MIGRATIONS: Migration[] = [
  {
    version: 2900,
    name: 'records: time-limited links of emergency cards',
    sql: `
      CREATE TABLE IF NOT EXISTS emergency_link (
        token_hash text PRIMARY KEY,
        patient_id text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS emergency_link_patient ON emergency_link (patient_id, created_at DESC);
    `,
  },
];
