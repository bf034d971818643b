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
  {
    version: 1201,
    name: 'care relationships from authoritative sources',
    // Records written before this version named practitioners on Encounters, Appointments… that
    // their authors could write about themselves: none of them is carried over. Break-the-glass
    // grants are (they were authoritative), and so are GPs named on Patient resources.
    sql: `
CREATE TABLE care_relation (
  id text PRIMARY KEY,
  patient_id text NOT NULL,
  actor text NOT NULL,
  source text NOT NULL,
  basis text,
  granted_by text NOT NULL,
  reason text,
  start_at timestamptz NOT NULL,
  end_at timestamptz,
  end_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_relation_actor ON care_relation (actor, patient_id);
CREATE INDEX care_relation_patient ON care_relation (patient_id, start_at);
CREATE UNIQUE INDEX care_relation_basis ON care_relation (basis, actor, source) WHERE basis IS NOT NULL;
INSERT INTO care_relation (id, patient_id, actor, source, basis, granted_by, reason, start_at, end_at)
  SELECT id, patient_id, practitioner, 'break-glass', 'break-glass/' || id, practitioner, reason, granted_at, expires_at
    FROM break_glass;
INSERT INTO care_relation (id, patient_id, actor, source, basis, granted_by, start_at)
  SELECT md5(r.id || '|' || g.target_id), r.id, 'Practitioner/' || g.target_id, 'gp', 'Patient/' || r.id, 'migration', r.last_updated
    FROM resource r JOIN sp_reference g ON g.resource_type = 'Patient' AND g.id = r.id AND g.code = 'general-practitioner'
   WHERE r.resource_type = 'Patient' AND NOT r.deleted AND g.target_type = 'Practitioner' AND g.target_id IS NOT NULL;
DROP TABLE break_glass;
CREATE TABLE care_presence_challenge (
  id text PRIMARY KEY,
  actor text NOT NULL,
  practitioner text NOT NULL,
  account_id text NOT NULL,
  patient_id text NOT NULL,
  code_hash text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX care_presence_challenge_practitioner ON care_presence_challenge (practitioner, expires_at);
CREATE TABLE consent_author (
  consent_id text PRIMARY KEY,
  patient_id text NOT NULL,
  author text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 1202,
    name: 'delegations: a parent for a child, an adult for a parent (RelatedPerson)',
    sql: `
CREATE TABLE patient_delegate (
  related_person_id text PRIMARY KEY,
  patient_id text NOT NULL,
  delegate_patient_id text NOT NULL,
  relationship text NOT NULL,
  granted_by text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz,
  end_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_delegate_delegate ON patient_delegate (delegate_patient_id, patient_id);
CREATE INDEX patient_delegate_patient ON patient_delegate (patient_id);
`,
  },
  {
    version: 1203,
    name: 'versions written by a patient (what they may later change or delete)',
    sql: `
CREATE TABLE patient_write (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  writer text NOT NULL,
  PRIMARY KEY (resource_type, id)
);
`,
  },
];
