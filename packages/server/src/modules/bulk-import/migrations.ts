/**
 * The bulk import's tables (versions 2600–2699): one row per import job, the staged lines it reads,
 * and the lines it refused. The job's progress (`next_line`, `counts`, `refused`) is updated in the
 * transaction of each batch it writes, so a job taken over after a crash resumes exactly there.
 */
import type { Migration } from '@sahti/fhir';

export const BULK_IMPORT_MIGRATIONS: Migration[] = [
  {
    version: 2600,
    name: 'bulk_import: $import jobs, their staged ndjson lines and refused lines',
    sql: `
CREATE TABLE bulk_import (
  id uuid PRIMARY KEY,
  owner text NOT NULL,
  principal jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('uploading', 'queued', 'running', 'completed', 'failed', 'cancelled')),
  lines integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  next_line integer NOT NULL DEFAULT 1,
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  refused integer NOT NULL DEFAULT 0,
  failure text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX bulk_import_owner ON bulk_import (owner, created_at);
CREATE TABLE bulk_import_line (
  import_id uuid NOT NULL REFERENCES bulk_import (id) ON DELETE CASCADE,
  line integer NOT NULL,
  text text,
  PRIMARY KEY (import_id, line)
);
CREATE TABLE bulk_import_refusal (
  import_id uuid NOT NULL REFERENCES bulk_import (id) ON DELETE CASCADE,
  line integer NOT NULL,
  outcome jsonb NOT NULL,
  PRIMARY KEY (import_id, line)
);`,
  },
];
