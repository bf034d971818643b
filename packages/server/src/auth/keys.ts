/**
 * ES256 signing keys for access tokens. The first start generates one and keeps it in the database
 * (private part sealed with SAHTI_SECRET_KEY), so tokens survive restarts and every process of a
 * deployment signs with the same key. Every stored key is published in /.well-known/jwks.json and
 * accepted for verification; the newest signs. Rotation = insert a newer key.
 */
import type { SqlClient } from '@sahti/fhir';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { seal, unseal } from './secrets.ts';

const ALG = 'ES256';
/** Serialises first-start key generation between processes sharing the database. */
const KEY_GENERATION_LOCK = 7_150_001;

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: JWK;
}

export class SigningKeys {
  private readonly db: SqlClient;
  private readonly secretKey: string;
  private signing: Promise<{ kid: string; key: CryptoKey }> | undefined;
  private verifying = new Map<string, CryptoKey>();
  private published: JWK[] = [];
  private loadedAt = 0;

  constructor(db: SqlClient, secretKey: string) {
    this.db = db;
    this.secretKey = secretKey;
  }

  /** The newest key, generated on first use if the database has none. */
  current(): Promise<{ kid: string; key: CryptoKey }> {
    this.signing ??= this.loadOrGenerate().catch((err: unknown) => {
      this.signing = undefined;
      throw err;
    });
    return this.signing;
  }

  /** The public key of `kid`; an unknown kid reloads the table at most every 30 s. */
  async verificationKey(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (!kid) return undefined;
    if (!this.verifying.has(kid) && Date.now() - this.loadedAt > 30_000) await this.reload();
    return this.verifying.get(kid);
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    return { keys: this.published };
  }

  private async loadOrGenerate(): Promise<{ kid: string; key: CryptoKey }> {
    let newest = (await this.reload())[0];
    if (!newest) {
      newest = await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [KEY_GENERATION_LOCK]);
        const existing = await tx.query<KeyRow>(
          'SELECT * FROM auth_signing_key ORDER BY created_at DESC LIMIT 1',
        );
        if (existing.rows[0]) return existing.rows[0];
        const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
        const publicJwk = { ...(await exportJWK(publicKey)), alg: ALG, use: 'sig' };
        const kid = await calculateJwkThumbprint(publicJwk);
        const row: KeyRow = {
          kid,
          private_jwk: seal(JSON.stringify(await exportJWK(privateKey)), this.secretKey),
          public_jwk: { ...publicJwk, kid },
        };
        await tx.query(
          'INSERT INTO auth_signing_key (kid, alg, private_jwk, public_jwk) VALUES ($1::text, $2::text, $3::text, $4::jsonb)',
          [row.kid, ALG, row.private_jwk, JSON.stringify(row.public_jwk)],
        );
        return row;
      });
      await this.reload();
    }
    const key = (await importJWK(
      JSON.parse(unseal(newest.private_jwk, this.secretKey)) as JWK,
      ALG,
    )) as CryptoKey;
    return { kid: newest.kid, key };
  }

  /** Reads every key; returns the rows newest first. */
  private async reload(): Promise<KeyRow[]> {
    const { rows } = await this.db.query<KeyRow>(
      'SELECT kid, private_jwk, public_jwk FROM auth_signing_key ORDER BY created_at DESC',
    );
    const verifying = new Map<string, CryptoKey>();
    for (const row of rows) {
      const jwk = typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk;
      verifying.set(row.kid, (await importJWK(jwk, ALG)) as CryptoKey);
    }
    this.verifying = verifying;
    this.published = rows.map((r) =>
      typeof r.public_jwk === 'string' ? (JSON.parse(r.public_jwk) as JWK) : r.public_jwk,
    );
    this.loadedAt = Date.now();
    return rows;
  }
}
