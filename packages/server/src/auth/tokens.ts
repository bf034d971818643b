/**
 * Access tokens: JWTs signed ES256, short-lived (SAHTI_ACCESS_TOKEN_SECONDS, 15 min by default).
 * Claims: iss (the server), aud (the FHIR base), sub, kind, scope, client_id, roles, fhirUser,
 * patient (the patient in context for patient/ scopes), name. Nothing else about the person.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { FHIR_BASE_PATH } from '../kernel/config.ts';
import type { Principal, Role } from '../kernel/principal.ts';
import type { SigningKeys } from './keys.ts';
import { randomToken } from './secrets.ts';

export interface AccessTokenClaims {
  sub: string;
  kind: Principal['kind'];
  scope: string;
  client_id: string;
  roles: Role[];
  fhirUser?: string;
  patient?: string;
  name: string;
}

export interface TokenSettings {
  publicUrl: () => string;
  accessTokenSeconds: number;
}

export const tokenAudience = (publicUrl: string) => `${publicUrl}${FHIR_BASE_PATH}`;

export async function issueAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  claims: AccessTokenClaims,
): Promise<{ token: string; expiresIn: number }> {
  const { kid, key } = await keys.current();
  const issuer = settings.publicUrl();
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(tokenAudience(issuer))
    .setSubject(claims.sub)
    .setIssuedAt()
    .setJti(randomToken(12))
    .setExpirationTime(`${settings.accessTokenSeconds}s`)
    .sign(key);
  return { token, expiresIn: settings.accessTokenSeconds };
}

/** An OpenID Connect id_token for the app (audience: the client), when `openid` was granted. */
export async function issueIdToken(
  keys: SigningKeys,
  settings: TokenSettings,
  claims: { sub: string; clientId: string; fhirUser?: string; name: string },
): Promise<string> {
  const { kid, key } = await keys.current();
  return new SignJWT({ fhirUser: claims.fhirUser, name: claims.name })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(settings.publicUrl())
    .setAudience(claims.clientId)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${settings.accessTokenSeconds}s`)
    .sign(key);
}

export type TokenProblem = 'expired' | 'invalid';

/** The claims of a token that passed verification, with its expiry (seconds since the epoch). */
export type VerifiedClaims = AccessTokenClaims & { exp: number };

/** Verifies signature, issuer, audience and expiry; returns the claims or why it is refused. */
export async function verifyAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  token: string,
): Promise<VerifiedClaims | TokenProblem> {
  try {
    const issuer = settings.publicUrl();
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.verificationKey(header.kid);
        if (!key) throw new errors.JWKSNoMatchingKey();
        return key;
      },
      {
        issuer,
        audience: tokenAudience(issuer),
        algorithms: ['ES256'],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub'],
      },
    );
    if (typeof payload.scope !== 'string' || typeof payload.client_id !== 'string') return 'invalid';
    if (!['patient', 'staff', 'system'].includes(payload.kind as string)) return 'invalid';
    return payload as unknown as VerifiedClaims;
  } catch (err) {
    return err instanceof errors.JWTExpired ? 'expired' : 'invalid';
  }
}

export function principalFromClaims(claims: AccessTokenClaims, address: string | undefined): Principal {
  return {
    kind: claims.kind,
    id: claims.sub,
    roles: Array.isArray(claims.roles) ? claims.roles : [],
    ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
    scopes: claims.scope.split(' ').filter(Boolean),
    display: claims.name ?? claims.sub,
    clientId: claims.client_id,
    ...(address ? { address } : {}),
  };
}
