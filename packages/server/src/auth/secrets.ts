/** Small cryptographic helpers: random tokens, hashes at rest, constant-time compare, sealing. */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

/** A high-entropy opaque token (session id, authorization code, reset link…), base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A numeric code a person can type (one-time codes by email or SMS). */
export function randomDigits(length = 6): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/** How high-entropy tokens are kept at rest: a lookup by hash, never the token itself. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time string equality; hashing first hides the lengths too. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const SEALED_PREFIX = 'v1';

function sealingKey(secretKey: string): Buffer {
  return createHash('sha256').update(`sahti-seal:${secretKey}`).digest();
}

/** Encrypts a secret for storage (AES-256-GCM): `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function seal(plaintext: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secretKey), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEALED_PREFIX, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Reverses `seal`; throws if the value was altered or sealed with another key. */
export function unseal(sealed: string, secretKey: string): string {
  const [prefix, iv, tag, data] = sealed.split('.');
  if (prefix !== SEALED_PREFIX || !iv || !tag || data === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secretKey), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
