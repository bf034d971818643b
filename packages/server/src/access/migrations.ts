/** Tables of the access layer (versions 1200–1299). */
import type { Migration } from '@sahti/fhir';

export const ACCESS_MIGRATIONS: Migration[] = [
  {
    version: 1200,
    name: 'break-the-glass grants',
    sql: `
CREATE TABLE break_glass (
  id text PRIMARY KEY,
  practitioner text NOT NULL,
  patient_id text NOT NULL,
  account_id text NOT NULL,
  reason text NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX break_glass_practitioner ON break_glass (practitioner, expires_at);
CREATE INDEX break_glass_patient ON break_glass (patient_id, granted_at);
`,
  },
];
