/**
 * The audit trail's table (versions 1100–1199). Append-only twice over: a trigger refuses UPDATE,
 * DELETE and TRUNCATE from the application, and the hash chain (chain.ts) exposes whoever gets
 * round the trigger (an owner can disable it — which is exactly what the tamper tests do).
 *
 * One row per (event, patient): BALP records an access touching several patients once per patient,
 * so "who accessed my record" is one index range on (patient_id, recorded, seq).
 */
import type { Migration } from '@sahti/fhir';

/**
 * The view `audit_trail` since migration 1105: every event whole, an access to several patients once
 * per patient. `whole` is a row's content as json when it holds the whole event (written before 1104).
 */
const auditTrailView = (whole: string): string => `CREATE VIEW audit_trail AS
  SELECT e.seq, 0::smallint AS k, e.seq::text AS id, e.recorded, e.patient_id, e.actor, e.action, e.outcome,
    CASE WHEN e.context IS NULL THEN ${whole} ELSE (c.content::jsonb || e.content::jsonb)::json END AS content,
    e.prev_hash, e.hash
  FROM audit_event e LEFT JOIN audit_context c ON c.digest = e.context
  WHERE e.patients IS NULL
  UNION ALL
  SELECT p.seq, p.k, p.seq || '-' || p.k, p.recorded, p.patient_id, e.actor, e.action, e.outcome,
    (c.content::jsonb || e.content::jsonb)::json,
    e.prev_hash, e.hash
  FROM audit_patient p JOIN audit_event e ON e.seq = p.seq JOIN audit_context c ON c.digest = e.context;`;

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
  {
    version: 1103,
    name: 'audit_event: ANALYZE samples 3,000 rows, not 30,000',
    // ANALYZE keeps a sample of whole rows, 300 per unit of the largest statistics target: 30,000
    // events of ~2 kB each by default. The embedded database's WebAssembly memory grows to hold
    // that sample and never shrinks (+38 MB measured for 25,000 rows of 1.6 kB), for statistics
    // that the trail's reads hardly use: each is an index range (patient, agent or time) read
    // newest first. Ten buckets still tell a busy agent or patient from the rest; the texts and
    // hashes get none (docs/performance.md, "The audit trail's statistics from a smaller sample").
    sql: `
ALTER TABLE audit_event
  ALTER COLUMN seq SET STATISTICS 10,
  ALTER COLUMN recorded SET STATISTICS 10,
  ALTER COLUMN patient_id SET STATISTICS 10,
  ALTER COLUMN actor SET STATISTICS 10,
  ALTER COLUMN action SET STATISTICS 10,
  ALTER COLUMN outcome SET STATISTICS 10,
  ALTER COLUMN content SET STATISTICS 0,
  ALTER COLUMN prev_hash SET STATISTICS 0,
  ALTER COLUMN hash SET STATISTICS 0;
`,
  },
  {
    version: 1104,
    name: 'audit_context: what many events share, stored once; audit_trail reads events whole',
    // An event's context (agents, source, interaction, outcome: everything but its entities and its
    // instant) is the same across a session's reads and a page's twenty events; stored once, the
    // event's row keeps its own part, under PostgreSQL's compression threshold (stored-form.ts).
    // Rows written before keep the whole event and no context. audit_trail gives every event whole;
    // what the chain hashes is unchanged.
    sql: `
CREATE TABLE audit_context (
  digest text PRIMARY KEY,
  content json NOT NULL
);
ALTER TABLE audit_context ALTER COLUMN content SET STATISTICS 0;
ALTER TABLE audit_event ADD COLUMN context text;
ALTER TABLE audit_event ALTER COLUMN context SET STATISTICS 0;
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only (%)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_context_no_update BEFORE UPDATE OR DELETE ON audit_context
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_context_no_truncate BEFORE TRUNCATE ON audit_context
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
CREATE VIEW audit_trail AS
  SELECT e.seq, e.recorded, e.patient_id, e.actor, e.action, e.outcome,
    CASE WHEN e.context IS NULL THEN e.content ELSE (c.content::jsonb || e.content::jsonb)::json END AS content,
    e.prev_hash, e.hash
  FROM audit_event e LEFT JOIN audit_context c ON c.digest = e.context;
`,
  },
  {
    version: 1105,
    name: 'audit_patient: an access to several patients stored once, read as one event per patient',
    // A page of twenty patients was twenty events of ~1 kB, each built, hashed, sent and inserted
    // with four index entries: +1.5 ms of CPU per page for a clinician's list (docs/performance.md,
    // "A page's accesses stored as one event"). Now the access is one row (all its entities, hashed
    // whole, patient_id null) and each patient one small row here, through which the trail gives that
    // patient their own event: the access's, less the entities that name another patient — what
    // BALP asks, and what event.ts perPatient gives. A trail row names its patients in `patients` (their
    // number, null for one or none), so that the view tells the two kinds apart without a look-up.
    // audit_trail, for reading by hand, gives such an access once per patient, whole; the API gives
    // each patient their own event (event.ts eventOfPatient, read.ts).
    sql: `
CREATE TABLE audit_patient (
  seq bigint NOT NULL,
  k smallint NOT NULL,
  patient_id text NOT NULL,
  recorded timestamptz NOT NULL,
  PRIMARY KEY (seq, k)
);
CREATE INDEX audit_patient_by_patient ON audit_patient (patient_id, recorded, seq);
ALTER TABLE audit_patient
  ALTER COLUMN seq SET STATISTICS 10,
  ALTER COLUMN k SET STATISTICS 10,
  ALTER COLUMN patient_id SET STATISTICS 10,
  ALTER COLUMN recorded SET STATISTICS 10;
CREATE TRIGGER audit_patient_no_update BEFORE UPDATE OR DELETE ON audit_patient
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_patient_no_truncate BEFORE TRUNCATE ON audit_patient
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
ALTER TABLE audit_event ADD COLUMN patients smallint;
ALTER TABLE audit_event ALTER COLUMN patients SET STATISTICS 10;
DROP VIEW audit_trail;
${auditTrailView('e.content')}
`,
  },
  {
    version: 1106,
    name: 'audit_event.content as text, compressed with lz4 where PostgreSQL has it',
    // The writer's canonical text (chain.ts) is JSON by construction and verification parses it; as
    // json, PostgreSQL checked it again at every INSERT. A page of twenty patients is a 10 kB event,
    // compressed: per event of that size, 146 µs of the backend's CPU as json with pglz, 111 as
    // text, 61 as text with lz4 (docs/performance.md, *The audit batch sent as one text per
    // column*). A build without lz4 (the embedded database) keeps pglz. audit_trail gives it as json.
    sql: `
DROP VIEW audit_trail;
ALTER TABLE audit_event ALTER COLUMN content TYPE text;
ALTER TABLE audit_event ALTER COLUMN content SET STATISTICS 0;
DO $$ BEGIN ALTER TABLE audit_event ALTER COLUMN content SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
${auditTrailView('e.content::json')}
`,
  },
];
