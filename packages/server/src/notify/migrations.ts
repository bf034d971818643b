/**
 * Tables of notifications (versions 1300–1399): the outbox, written in the transaction of what
 * caused a message, and the delivery attempts. An applied migration is never edited: changes are
 * new versions. Neither table is patient-sharded (Citus: local to the coordinator).
 */
import type { Migration } from '@sahti/fhir';

export const NOTIFY_MIGRATIONS: Migration[] = [
  {
    version: 1300,
    name: 'notification outbox',
    sql: `
CREATE TABLE notification_outbox (
  id text PRIMARY KEY,
  patient_id text,
  channel text NOT NULL,
  recipient text,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX notification_outbox_pending ON notification_outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX notification_outbox_patient ON notification_outbox (patient_id, created_at);
`,
  },
  {
    version: 1301,
    name: 'notification delivery: status, templates, attempts',
    sql: `
ALTER TABLE notification_outbox
  ADD COLUMN status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'queued', 'sent', 'failed', 'expired')),
  ADD COLUMN template text,
  ADD COLUMN params jsonb,
  ADD COLUMN language text CHECK (language IN ('fr', 'ar', 'en')),
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN sensitive boolean NOT NULL DEFAULT false,
  ALTER COLUMN subject DROP NOT NULL,
  ALTER COLUMN body DROP NOT NULL;
UPDATE notification_outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
DROP INDEX notification_outbox_pending;
CREATE INDEX notification_outbox_due ON notification_outbox (created_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_status ON notification_outbox (status, created_at, id);
CREATE INDEX notification_outbox_secret ON notification_outbox (created_at)
  WHERE sensitive AND (body IS NOT NULL OR params IS NOT NULL);
CREATE TABLE notification_attempt (
  notification_id text NOT NULL,
  attempt integer NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  provider text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'failed')),
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (notification_id, attempt)
);
`,
  },
  {
    version: 1302,
    name: 'notification outbox: when a row was handed to the job runner',
    sql: `
ALTER TABLE notification_outbox ADD COLUMN queued_at timestamptz;
`,
  },
];
