/**
 * Tables of identity and tokens (versions 1000–1099). Secrets never sit in clear: passwords and
 * client secrets are scrypt hashes; session ids, one-time codes, authorization codes and refresh
 * tokens are SHA-256 hashes of high-entropy values; TOTP secrets and private keys are sealed
 * (AES-256-GCM, SAHTI_SECRET_KEY). None of these rows is patient-owned: under Citus they are
 * reference or local tables, not sharded. Throttling state (auth_failure, auth_throttle) holds
 * hashes of logins and client ids, and addresses (see throttle.ts).
 */
import type { Migration } from '@sahti/fhir';
import { loginKeySql } from './login-name.ts';

export const AUTH_MIGRATIONS: Migration[] = [
  {
    version: 1000,
    name: 'auth: accounts, clients, sessions, codes, signing keys',
    sql: `
CREATE TABLE auth_account (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('patient', 'staff')),
  login text NOT NULL,
  email text,
  phone text,
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  fhir_user text,
  display_name text NOT NULL,
  totp_secret text,
  totp_pending text,
  totp_last_step bigint,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX auth_account_login ON auth_account (lower(login));
CREATE INDEX auth_account_email ON auth_account (lower(email));

CREATE TABLE auth_client (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('system', 'app')),
  secret_hash text,
  public boolean NOT NULL DEFAULT false,
  allowed_scopes text[] NOT NULL DEFAULT '{}',
  redirect_uris text[] NOT NULL DEFAULT '{}',
  demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (public OR secret_hash IS NOT NULL)
);

CREATE TABLE auth_session (
  id_hash text PRIMARY KEY,
  account_id text NOT NULL REFERENCES auth_account (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  address text
);
CREATE INDEX auth_session_account ON auth_session (account_id);

CREATE TABLE auth_one_time_code (
  code_hash text PRIMARY KEY,
  account_id text NOT NULL REFERENCES auth_account (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('login-2fa', 'sensitive-action', 'password-reset')),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_one_time_code_account ON auth_one_time_code (account_id, purpose);

CREATE TABLE auth_authorization_code (
  code_hash text PRIMARY KEY,
  client_id text NOT NULL REFERENCES auth_client (client_id) ON DELETE CASCADE,
  account_id text NOT NULL REFERENCES auth_account (id) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  scope text NOT NULL,
  code_challenge text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth_refresh_token (
  token_hash text PRIMARY KEY,
  family text NOT NULL,
  client_id text NOT NULL REFERENCES auth_client (client_id) ON DELETE CASCADE,
  account_id text NOT NULL REFERENCES auth_account (id) ON DELETE CASCADE,
  scope text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_refresh_token_family ON auth_refresh_token (family);

CREATE TABLE auth_signing_key (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk text NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  window_start timestamptz NOT NULL DEFAULT now(),
  blocked_until timestamptz
);
`,
  },
  {
    version: 1001,
    name: 'auth: throttling per (login or client, address); account unlock codes',
    sql: `
CREATE TABLE auth_failure (
  subject text NOT NULL,
  address text NOT NULL,
  failures integer NOT NULL,
  last_failure timestamptz NOT NULL,
  blocked_until timestamptz,
  PRIMARY KEY (subject, address)
);
CREATE INDEX auth_failure_last ON auth_failure (last_failure);
DELETE FROM auth_throttle;
ALTER TABLE auth_account DROP COLUMN failed_attempts;
ALTER TABLE auth_account DROP COLUMN locked_until;
ALTER TABLE auth_one_time_code DROP CONSTRAINT auth_one_time_code_purpose_check;
ALTER TABLE auth_one_time_code ADD CONSTRAINT auth_one_time_code_purpose_check
  CHECK (purpose IN ('login-2fa', 'sensitive-action', 'password-reset', 'account-unlock'))
`,
  },
  {
    version: 1002,
    name: 'auth: recovery by SMS code',
    sql: `
ALTER TABLE auth_one_time_code DROP CONSTRAINT auth_one_time_code_purpose_check;
ALTER TABLE auth_one_time_code ADD CONSTRAINT auth_one_time_code_purpose_check
  CHECK (purpose IN ('login-2fa', 'sensitive-action', 'password-reset', 'password-reset-sms', 'account-unlock'))
`,
  },
  {
    version: 1003,
    name: 'auth: logins and emails compared in their one normal form (login-name.ts)',
    sql: `
CREATE INDEX auth_account_login_key ON auth_account (${loginKeySql('login')});
CREATE INDEX auth_account_email_key ON auth_account (${loginKeySql('email')});
`,
  },
  {
    version: 1004,
    name: 'auth: a new email or phone waits for the code sent to it',
    sql: `
ALTER TABLE auth_one_time_code DROP CONSTRAINT auth_one_time_code_purpose_check;
ALTER TABLE auth_one_time_code ADD CONSTRAINT auth_one_time_code_purpose_check
  CHECK (purpose IN ('login-2fa', 'sensitive-action', 'password-reset', 'password-reset-sms', 'account-unlock',
                     'contact-email', 'contact-phone'));
CREATE TABLE auth_contact_change (
  account_id text NOT NULL REFERENCES auth_account (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email', 'phone')),
  value text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, channel)
);
`,
  },
  {
    version: 1005,
    name: 'auth: a waiting email or phone names the code that confirms it',
    // a confirmation that started before a newer request for the same channel committed saw the
    // earlier code still live (its expiry is the newer transaction's start) and applied the newer
    // value with the older code; the waiting row now holds its code's hash, and only that code
    // confirms it (contact-change.ts). Rows waiting from before keep the old rule until they expire.
    sql: `ALTER TABLE auth_contact_change ADD COLUMN code_hash text`,
  },
];
