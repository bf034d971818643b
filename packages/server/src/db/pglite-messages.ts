/**
 * The two frontend messages that carry a statement's text and values to PGlite — Parse and Bind —
 * written with Node's native UTF-8 length and copy. PGlite's protocol writer (`protocol.serialize`)
 * measures each string with a JavaScript loop over its characters and grows its buffer as it goes:
 * on a create, the bind of the write statement's values was about 6 % of the embedded server's CPU,
 * and a bundle's write statement carries a megabyte of JSON (docs/performance.md, *PGlite's
 * statements*). Same bytes as PGlite's writer (`pglite-messages.test.ts` compares them); the other
 * messages keep PGlite's.
 */

/** A parameter's value: text, bytes (sent in the binary format), or SQL NULL. */
export type WireValue = string | Uint8Array | null;

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const TEXT_FORMAT = 0;
const BINARY_FORMAT = 1;

const cstringLength = (s: string): number => Buffer.byteLength(s, 'utf8') + 1;

function writeCString(buffer: Buffer, offset: number, s: string): number {
  const end = offset + buffer.write(s, offset, 'utf8');
  buffer[end] = 0;
  return end + 1;
}

/** Parse: a statement's text under `name` ('' for the unnamed statement) with its parameter types. */
export function parseMessage(name: string, text: string, types: readonly number[]): Buffer {
  const length = 4 + cstringLength(name) + cstringLength(text) + 2 + 4 * types.length;
  const buffer = Buffer.allocUnsafe(1 + length);
  buffer[0] = PARSE;
  buffer.writeInt32BE(length, 1);
  let offset = writeCString(buffer, 5, name);
  offset = writeCString(buffer, offset, text);
  offset = buffer.writeInt16BE(types.length, offset);
  for (const type of types) offset = buffer.writeInt32BE(type, offset);
  return buffer;
}

/**
 * Bind: `values` to the statement `name` ('' for the unnamed one) in the unnamed portal, one format
 * code per value (bytes in binary, the rest in text), results in text.
 */
export function bindMessage(name: string, values: readonly WireValue[]): Buffer {
  let length = 4 + 1 + cstringLength(name) + 2 + 2 * values.length + 2 + 2;
  const sizes = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    sizes[i] =
      value === null ? -1 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
    length += 4 + Math.max(sizes[i], 0);
  }
  const buffer = Buffer.allocUnsafe(1 + length);
  buffer[0] = BIND;
  buffer.writeInt32BE(length, 1);
  buffer[5] = 0; // the unnamed portal
  let offset = writeCString(buffer, 6, name);
  offset = buffer.writeUInt16BE(values.length, offset);
  for (const value of values)
    offset = buffer.writeInt16BE(
      value !== null && typeof value !== 'string' ? BINARY_FORMAT : TEXT_FORMAT,
      offset,
    );
  offset = buffer.writeUInt16BE(values.length, offset);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    offset = buffer.writeInt32BE(sizes[i], offset);
    if (value === null) continue;
    if (typeof value === 'string') offset += buffer.write(value, offset, 'utf8');
    else {
      buffer.set(value, offset);
      offset += value.byteLength;
    }
  }
  buffer.writeInt16BE(0, offset); // no result format codes: every column in text
  return buffer;
}
