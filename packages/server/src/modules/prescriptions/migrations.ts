/** Tables of the e-prescription service (range 2700–2799). */
import type { Migration } from '@sahti/fhir';

export const PRESCRIPTION_MIGRATIONS: Migration[] = [
  {
    version: 2700,
    name: 'prescriptions: signing keys per practitioner, prescriptions with their verification code',
    sql: `
      CREATE TABLE IF NOT EXISTS prescriber_key (
        kid text PRIMARY KEY,
        practitioner text NOT NULL,
        alg text NOT NULL,
        private_jwk text NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS prescriber_key_practitioner ON prescriber_key (practitioner, created_at DESC);
      CREATE TABLE IF NOT EXISTS prescription (
        id text PRIMARY KEY,
        code_hash text NOT NULL UNIQUE,
        code_sealed text NOT NULL,
        patient_id text NOT NULL,
        prescriber text NOT NULL,
        request_ids text[] NOT NULL,
        provenance_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispensed_at timestamptz,
        dispensed_by jsonb,
        revoked_at timestamptz,
        revoked_reason text
      );
      CREATE INDEX IF NOT EXISTS prescription_patient ON prescription (patient_id, created_at DESC);
      CREATE INDEX IF NOT EXISTS prescription_prescriber ON prescription (prescriber, created_at DESC);
    `,
  },
];
