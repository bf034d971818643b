/**
 * The scheduling module's own tables (versions 2000–2099): projections of Schedules and Slots kept
 * in the same transaction as the FHIR resources (for `$find` at national scale), and the waiting
 * list. The resources stay the truth; these tables can be rebuilt from them.
 */
import type { Migration } from '@sahti/fhir';

export const SCHEDULING_MIGRATIONS: Migration[] = [
  {
    version: 2000,
    name: 'scheduling projections and waiting list',
    sql: `
CREATE TABLE sched_schedule (
  schedule_id text PRIMARY KEY,
  practitioner text,
  role text,
  location text,
  mode text NOT NULL,
  specialties text[] NOT NULL DEFAULT '{}',
  languages text[] NOT NULL DEFAULT '{}',
  place_keys text[] NOT NULL DEFAULT '{}',
  fee numeric,
  lat double precision,
  lon double precision,
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX sched_schedule_practitioner ON sched_schedule (practitioner);
CREATE TABLE sched_slot (
  slot_id text PRIMARY KEY,
  schedule_id text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  status text NOT NULL,
  appointment text
);
CREATE INDEX sched_slot_free ON sched_slot (start_at, schedule_id) WHERE status = 'free';
CREATE INDEX sched_slot_schedule ON sched_slot (schedule_id, start_at);
CREATE INDEX sched_slot_schedule_free ON sched_slot (schedule_id, start_at) WHERE status = 'free';
CREATE UNIQUE INDEX sched_slot_appointment ON sched_slot (slot_id, appointment) WHERE appointment IS NOT NULL;
CREATE TABLE sched_waitlist (
  id text PRIMARY KEY,
  patient_id text NOT NULL,
  schedule_id text NOT NULL,
  earliest timestamptz NOT NULL,
  latest timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  offered_slot text,
  offered_until timestamptz,
  closed_at timestamptz,
  close_reason text
);
CREATE INDEX sched_waitlist_open ON sched_waitlist (schedule_id, created_at) WHERE closed_at IS NULL;
CREATE INDEX sched_waitlist_patient ON sched_waitlist (patient_id);
`,
  },
];
