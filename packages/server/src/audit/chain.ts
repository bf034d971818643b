/**
 * The tamper-evident hash chain, pure. Each row's hash covers the previous row's hash, the row's
 * content in canonical JSON, its sequence number and its recorded instant:
 *
 *   hash = hex(SHA-256(prev_hash "|" canonicalJson(content) "|" seq "|" recorded))
 *
 * prev_hash is 64 hex characters (GENESIS for seq 1), seq is decimal, recorded is the ISO instant
 * with milliseconds and `Z`; the fixed-format ends make the concatenation unambiguous. Changing,
 * inserting or removing a row breaks the link to the row after it.
 */
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export function chainHash(prevHash: string, canonicalContent: string, seq: number, recorded: string): string {
  return createHash('sha256').update(`${prevHash}|${canonicalContent}|${seq}|${recorded}`).digest('hex');
}

/** A timestamptz read back (Date from both drivers, or text) as the instant string that was hashed. */
export function instant(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

// jsonb refuses NUL and unpaired surrogates; they are replaced before hashing so that what is
// hashed is exactly what the database keeps and gives back. JSON.stringify writes both as \u
// escapes, so only strings whose JSON holds one are looked at again.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be found
const UNSTORABLE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/** A string in canonical JSON: JSON.stringify's, what jsonb cannot keep replaced first. */
export function stringJson(value: string): string {
  const json = JSON.stringify(value);
  return json.includes('\\u') ? JSON.stringify(value.replace(UNSTORABLE, '\ufffd')) : json;
}

/**
 * JSON with object keys sorted (by UTF-16 code units), no whitespace, undefined members left out:
 * the same value always gives the same text, whatever order jsonb hands the keys back in.
 * `memo` keeps the text of the value's own members that are frozen objects or arrays (deeply: what
 * is frozen cannot change while the memo lives): values that share such members — the events of
 * one access share their agents, source and codes (event.ts buildAuditEvents) — write each once.
 */
export function canonicalJson(value: unknown, memo?: Map<object, string>): string {
  if (!memo || value === null || typeof value !== 'object' || value instanceof Date) return plainJson(value);
  if (Array.isArray(value)) return `[${value.map((member) => memberJson(member, memo)).join(',')}]`;
  return objectJson(value as Record<string, unknown>, (member) => memberJson(member, memo));
}

function memberJson(member: unknown, memo: Map<object, string>): string {
  if (member === null || typeof member !== 'object' || !Object.isFrozen(member)) return plainJson(member);
  let json = memo.get(member);
  if (json === undefined) {
    json = plainJson(member);
    memo.set(member, json);
  }
  return json;
}

/**
 * Canonical texts written ahead, for objects built in a known shape (event.ts: an event's entities,
 * twenty or forty in a page's event): taken as they are instead of sorting their keys and writing
 * their members. writtenAs() registers one; the object must not change afterwards. A copy of it (an
 * entity mended by event.ts storable) is not registered and is written member by member.
 */
const WRITTEN = Symbol('canonical text');

export function writtenAs<T extends object>(value: T, canonicalText: string): T {
  // a property neither listed, copied by a spread nor cloned: a copy is written member by member
  Object.defineProperty(value, WRITTEN, { value: canonicalText });
  return value;
}

function plainJson(value: unknown): string {
  if (typeof value === 'string') return stringJson(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || typeof value !== 'object') return 'null';
  const ahead = (value as { [WRITTEN]?: string })[WRITTEN];
  if (ahead !== undefined) return ahead;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + plainJson(value[i]);
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return objectJson(value as Record<string, unknown>, plainJson);
}

/** One member of an object in canonical JSON: its key, and its `"key":value` text. */
export type CanonicalMember = readonly [key: string, text: string];

/**
 * An object's members as canonicalJson writes them, in its order: `{` + their texts joined by `,` +
 * `}` is canonicalJson(value, memo), and any subset of them, joined so, is the canonical text of the
 * object with only those members: the audit writer hashes an event whole and stores it in two parts
 * (stored-form.ts) without writing any member twice. `keys`, when given, are the only members written
 * (sorted, as canonical order is).
 */
export function canonicalMembers(
  value: Record<string, unknown>,
  memo?: Map<object, string>,
  keys: readonly string[] = Object.keys(value).sort(),
): CanonicalMember[] {
  const json = memo ? (member: unknown) => memberJson(member, memo) : plainJson;
  const members: CanonicalMember[] = [];
  for (const key of keys) {
    const member = value[key];
    if (member === undefined || typeof member === 'function') continue;
    members.push([key, `${keyJson(key)}:${json(member)}`]);
  }
  return members;
}

/**
 * The same canonical text, flat. V8 keeps a concatenation as a tree of its parts until it is read
 * whole, and reading a tree of hundreds of parts costs ~30 µs per 12 kB each time it is read
 * (hashed, its bytes counted, written to a socket): a text kept to be read again is flattened once.
 * Canonical JSON never starts or ends with white space, so trim() changes only how it is held.
 */
export const flat = (canonical: string): string => canonical.trim();

/** The canonical text of an object made of these members (in canonical order); flat but for its braces. */
export function joinMembers(members: readonly CanonicalMember[]): string {
  const texts: string[] = new Array(members.length);
  for (let i = 0; i < members.length; i++) texts[i] = members[i][1];
  return `{${texts.join(',')}}`;
}

function objectJson(value: Record<string, unknown>, json: (member: unknown) => string): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = value[key];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${keyJson(key)}:${json(member)}`;
    first = false;
  }
  return `${out}}`;
}

// AuditEvents use a few dozen distinct keys: their JSON is worth keeping (bounded, in case of abuse)
const KEYS = new Map<string, string>();
function keyJson(key: string): string {
  let json = KEYS.get(key);
  if (json === undefined) {
    json = stringJson(key);
    if (KEYS.size < 1000) KEYS.set(key, json);
  }
  return json;
}
