/**
 * Each prescriber's ES256 key: generated on their first prescription, the private part sealed with
 * SAHTI_SECRET_KEY (auth/secrets.ts, as the platform's own keys are), the public part kept beside
 * it and published by its `kid` (`GET /api/prescriptions/keys/:kid`). The platform signs on the
 * prescriber's behalf once they are authenticated (their second factor included); a qualified
 * signature under law 43-20 would keep the key in the prescriber's own device or a certified HSM
 * (docs/security.md, known gaps).
 */
import type { SqlClient } from '@sahti/fhir';
import {
  CompactSign,
  type CryptoKey,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { seal, unseal } from '../../auth/secrets.ts';

const ALG = 'ES256';
export const JWS_TYPE = 'sahti-prescription+jws';

interface KeyRow {
  kid: string;
  practitioner: string;
  private_jwk: string;
  public_jwk: JWK | string;
}

const jwkOf = (v: JWK | string): JWK => (typeof v === 'string' ? (JSON.parse(v) as JWK) : v);

export class PrescriberKeys {
  private readonly db: SqlClient;
  private readonly secretKey: string;

  constructor(db: SqlClient, secretKey: string) {
    this.db = db;
    this.secretKey = secretKey;
  }

  /** The practitioner's newest key, generated (once, under a lock) when they have none. */
  private async signingKey(practitioner: string): Promise<{ kid: string; key: CryptoKey }> {
    const newest = async (db: Pick<SqlClient, 'query'>) =>
      (
        await db.query<KeyRow>(
          'SELECT * FROM prescriber_key WHERE practitioner = $1::text ORDER BY created_at DESC LIMIT 1',
          [practitioner],
        )
      ).rows[0];
    let row = await newest(this.db);
    if (!row) {
      row = await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1::text))', [
          `prescriber-key:${practitioner}`,
        ]);
        const existing = await newest(tx);
        if (existing) return existing;
        const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
        const publicJwk = { ...(await exportJWK(publicKey)), alg: ALG, use: 'sig' };
        const kid = await calculateJwkThumbprint(publicJwk);
        const created: KeyRow = {
          kid,
          practitioner,
          private_jwk: seal(JSON.stringify(await exportJWK(privateKey)), this.secretKey),
          public_jwk: { ...publicJwk, kid },
        };
        await tx.query(
          'INSERT INTO prescriber_key (kid, practitioner, alg, private_jwk, public_jwk) VALUES ($1::text, $2::text, $3::text, $4::text, $5::jsonb)',
          [kid, practitioner, ALG, created.private_jwk, JSON.stringify(created.public_jwk)],
        );
        return created;
      });
    }
    const key = (await importJWK(
      JSON.parse(unseal(row.private_jwk, this.secretKey)) as JWK,
      ALG,
    )) as CryptoKey;
    return { kid: row.kid, key };
  }

  /** A compact JWS over the canonical form, by the practitioner's key. */
  async sign(practitioner: string, canonical: string): Promise<string> {
    const { kid, key } = await this.signingKey(practitioner);
    return new CompactSign(new TextEncoder().encode(canonical))
      .setProtectedHeader({ alg: ALG, kid, typ: JWS_TYPE })
      .sign(key);
  }

  /**
   * The signed bytes when the JWS verifies with a key of this practitioner; undefined when the
   * signature, the key or its owner does not match.
   */
  async verify(practitioner: string, jws: string): Promise<string | undefined> {
    try {
      const { kid } = decodeProtectedHeader(jws);
      if (!kid) return undefined;
      const row = (await this.db.query<KeyRow>('SELECT * FROM prescriber_key WHERE kid = $1::text', [kid]))
        .rows[0];
      if (!row || row.practitioner !== practitioner) return undefined;
      const key = await importJWK(jwkOf(row.public_jwk), ALG);
      const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [ALG] });
      if (protectedHeader.typ !== JWS_TYPE) return undefined;
      return new TextDecoder().decode(payload);
    } catch {
      return undefined;
    }
  }

  /**
   * The public key a JWS header names (`kid`) and its prescriber, to check a prescription's JWS
   * outside Sahti (the Provenance's signature names the same prescriber); only its public members.
   */
  async publicKey(kid: string): Promise<{ jwk: JWK; practitioner: string } | undefined> {
    const row = (
      await this.db.query<KeyRow>(
        'SELECT kid, practitioner, public_jwk FROM prescriber_key WHERE kid = $1::text',
        [kid],
      )
    ).rows[0];
    if (!row) return undefined;
    const { kty, crv, x, y } = jwkOf(row.public_jwk);
    return { jwk: { kty, crv, x, y, kid: row.kid, alg: ALG, use: 'sig' }, practitioner: row.practitioner };
  }
}
