/**
 * Deterministic job ids. A deduplication key becomes the job's id, so a second enqueue of the same
 * (name, key) meets the first one's primary key and creates nothing — on every process, in the
 * caller's own transaction, without a lookup. Pure.
 */
import { createHash } from 'node:crypto';

/** A UUID (version 8: custom) derived from the job name and key. */
export function jobIdForKey(name: string, key: string): string {
  const hex = createHash('sha256').update(`${name}\u0000${key}`).digest('hex').slice(0, 32).split('');
  hex[12] = '8'; // version 8
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16); // RFC 9562 variant
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The key a scheduled occurrence is filed under (also how a run knows it came from a schedule). */
export function occurrenceKey(at: Date): string {
  return `schedule/${at.getTime()}`;
}

/** The occurrence an `occurrenceKey` names, or undefined for any other key. */
export function occurrenceOf(key: string | null | undefined): Date | undefined {
  const match = key ? /^schedule\/(\d+)$/.exec(key) : null;
  return match ? new Date(Number(match[1])) : undefined;
}
