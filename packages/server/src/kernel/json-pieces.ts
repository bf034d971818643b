/**
 * A large Bundle sent in pieces. `JSON.stringify` of a 20,000-entry transaction answer is one
 * 14 MB string, then a Buffer of the same size as it is written, both on top of the entries they
 * were made from, and the event loop stands still while it is built. Sent as a stream, the answer
 * is written entry by entry: a piece of about `PIECE_CHARS` at a time, each made when the socket
 * asks for more, so at most a few pieces exist at once and other requests run between them.
 *
 * The text is the one `JSON.stringify` writes, byte for byte (same keys, same order, members whose
 * value is undefined left out; a stored resource's text as it is: fhirJson); only its delivery changes
 * (chunked, no Content-Length).
 */
import { Readable } from 'node:stream';
import { fhirJson } from '@sahti/fhir';

/** Bundles with more entries than this are streamed; smaller ones go as one string. */
export const STREAMED_ENTRIES = 500;
const PIECE_CHARS = 64 * 1024;

/** The body as a stream when it is a Bundle large enough to be worth it; otherwise undefined. */
export function streamedBody(body: unknown): Readable | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const bundle = body as { resourceType?: unknown; entry?: unknown };
  if (bundle.resourceType !== 'Bundle') return undefined;
  if (!Array.isArray(bundle.entry) || bundle.entry.length <= STREAMED_ENTRIES) return undefined;
  return Readable.from(jsonPieces(bundle, 'entry'), { objectMode: false });
}

/**
 * The JSON text of `object` in pieces; the member named `streamed` (an array) element by element,
 * every other member whole. Joined, the pieces are `JSON.stringify(object)`.
 */
export function* jsonPieces(object: object, streamed: string): Generator<string> {
  let piece = '{';
  let first = true;
  for (const key of Object.keys(object)) {
    const value = (object as Record<string, unknown>)[key];
    if (key !== streamed || !Array.isArray(value)) {
      const text = fhirJson(value);
      if (text === undefined) continue; // undefined, a function: JSON.stringify leaves the member out
      piece += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
      first = false;
      continue;
    }
    piece += `${first ? '' : ','}${JSON.stringify(key)}:[`;
    first = false;
    for (let i = 0; i < value.length; i++) {
      // in an array, what JSON.stringify cannot write is written null
      piece += `${i === 0 ? '' : ','}${fhirJson(value[i]) ?? 'null'}`;
      if (piece.length >= PIECE_CHARS) {
        yield piece;
        piece = '';
      }
    }
    piece += ']';
  }
  yield `${piece}}`;
}
