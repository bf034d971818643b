/**
 * The verification code printed on a prescription (in its QR code): 160 random bits in Crockford
 * base32, so it cannot be guessed or enumerated; kept at rest as a SHA-256 for lookup and sealed
 * for reprinting. Pure.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../auth/secrets.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 32;

export function newVerificationCode(): string {
  const bytes = randomBytes(20);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** What a person typed or scanned, as the code: dashes and spaces dropped, I/L → 1, O → 0. */
export function normalizeCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (code.length !== CODE_LENGTH || [...code].some((c) => !ALPHABET.includes(c))) return undefined;
  return code;
}

/** In groups of four, for reading out (`ABCD-EFGH-…`). */
export const groupedCode = (code: string): string => code.match(/.{1,4}/g)?.join('-') ?? code;

export const codeHash = (code: string): string => sha256(`prescription:${code}`);
