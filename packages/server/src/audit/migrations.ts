/**
 * The audit trail's table (versions 1100–1199). Append-only twice over: a trigger refuses UPDATE,
 * DELETE and TRUNCATE from the application, and the hash chain (chain.ts) exposes whoever gets
 * round the trigger (an owner can disable it — which is exactly what the tamper tests do).
 *
 * One row per (event, patient): BALP records an access touching several patients once per patient,
 * so "who accessed my record" is one index range on (patient_id, recorded, seq).
 */
import type { Migration } from '@sahti/fhir';

export const AUDIT_MIGRATIONS: Migration[] = [
  {
    version: 1100,
    name: 'audit_event: append-only, hash-chained audit trail',
    sql: `
CREATE TABLE audit_event (
  seq bigint PRIMARY KEY,
  recorded timestamptz NOT NULL,
  patient_id text,
  actor text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL,
  content jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_event_patient ON audit_event (patient_id, recorded, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_event_actor ON audit_event (actor, recorded, seq);
CREATE INDEX audit_event_recorded ON audit_event (recorded, seq);
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
`,
  },
  {
    version: 1101,
    name: 'signed anchors of the audit chain head',
    sql: `
CREATE TABLE audit_anchor (
  seq bigint NOT NULL,
  hash text NOT NULL,
  anchored_at timestamptz NOT NULL DEFAULT now(),
  jws text NOT NULL,
  PRIMARY KEY (seq, anchored_at)
);
`,
  },
  {
    version: 1102,
    name: 'audit_event.content as json: the canonical text as written, compressible',
    // jsonb kept each event (~2.6 kB) in its binary form, which PostgreSQL's compression gives up
    // on; stored as text, the same event compresses to about two thirds and costs the INSERT less
    // (docs/performance.md, "An AuditEvent stored as the text that was hashed"). The hash does not
    // change: verification canonicalises what it reads back, whatever the key order.
    sql: `ALTER TABLE audit_event ALTER COLUMN content TYPE json USING content::json`,
  },
];
