/**
 * Guest dialysis tables (versions 2200–2299): projections of the centres (HealthcareService +
 * Location) and their guest chairs (Schedules), kept in the writing transaction for the trip
 * search; the stays' index for the screens; and the register of summaries sent to a centre, with
 * transfers abroad flagged (law 09-08). The FHIR resources stay the truth for everything but the
 * register, which is a log.
 */
import type { Migration } from '@sahti/fhir';

export const DIALYSIS_MIGRATIONS: Migration[] = [
  {
    version: 2200,
    name: 'guest dialysis centres, chairs, stays and transfers',
    sql: `
CREATE TABLE dial_centre (
  service_id text PRIMARY KEY,
  organization text NOT NULL,
  location text,
  name text NOT NULL,
  city text,
  country text NOT NULL DEFAULT 'MA',
  lat double precision,
  lon double precision,
  languages text[] NOT NULL DEFAULT '{}',
  coverages text[] NOT NULL DEFAULT '{}',
  price numeric,
  currency text,
  serology_days integer NOT NULL,
  labs_days integer NOT NULL,
  notice_days integer NOT NULL,
  place_keys text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX dial_centre_organization ON dial_centre (organization);
CREATE TABLE dial_chair (
  schedule_id text PRIMARY KEY,
  service_id text NOT NULL,
  kind text NOT NULL,
  label text NOT NULL
);
CREATE INDEX dial_chair_service ON dial_chair (service_id, kind);
CREATE TABLE dial_stay (
  id text PRIMARY KEY,
  patient_id text NOT NULL,
  service_id text NOT NULL,
  organization text NOT NULL,
  state text NOT NULL,
  arrival date NOT NULL,
  departure date NOT NULL,
  abroad boolean NOT NULL,
  task_id text,
  consent_id text,
  summary_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dial_stay_patient ON dial_stay (patient_id, created_at);
CREATE INDEX dial_stay_organization ON dial_stay (organization, state, arrival);
CREATE TABLE dial_transfer (
  id text PRIMARY KEY,
  stay_id text NOT NULL,
  patient_id text NOT NULL,
  organization text NOT NULL,
  country text NOT NULL,
  abroad boolean NOT NULL,
  consent_id text,
  recipient text NOT NULL,
  event text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dial_transfer_stay ON dial_transfer (stay_id, at);
CREATE INDEX dial_transfer_abroad ON dial_transfer (at) WHERE abroad;
`,
  },
  {
    version: 2201,
    name: 'the weekdays each guest chair may work',
    // NULL: not known yet (a chair projected before this column); the projection fills it on the
    // chair's next write and the nightly chairs job for every chair still without it
    sql: 'ALTER TABLE dial_chair ADD COLUMN weekdays text[];',
  },
];
