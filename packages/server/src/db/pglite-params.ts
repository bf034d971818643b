/**
 * Long text parameters handed to PGlite as UTF-8 bytes. PGlite's protocol writer measures a text
 * parameter's UTF-8 length with a JavaScript loop over its characters, twice per parameter; the
 * write statement of a transaction bundle carries a megabyte of JSON, so that loop was ~7 % of the
 * embedded import's main thread. A parameter given as bytes goes in the binary format instead, which
 * for `text`, `varchar` and `json` is the same UTF-8 text and for `jsonb` that text after a version
 * byte (PostgreSQL's textrecv, json_recv, jsonb_recv): the server reads the same value. Only strings
 * of at least LONG_TEXT characters bound to those types change; the rest keeps PGlite's serializers.
 */
import { type SerializerOptions, types } from '@electric-sql/pglite';

export const LONG_TEXT = 4096;

type Serializer = (value: unknown) => unknown;

const isLong = (value: unknown): value is string => typeof value === 'string' && value.length >= LONG_TEXT;

const utf8 =
  (fallback: Serializer): Serializer =>
  (value) =>
    isLong(value) ? Buffer.from(value, 'utf8') : fallback(value);

const JSONB_VERSION = Buffer.from([1]);

/**
 * Per-query serializers for PGlite's `query(text, params, { serializers })`. Its types say a
 * serializer returns a string; its Bind writer also takes an ArrayBufferView, sent as binary.
 */
const serializers: Record<number, Serializer> = {
  [types.TEXT]: utf8(types.serializers[types.TEXT]),
  [types.VARCHAR]: utf8(types.serializers[types.VARCHAR]),
  [types.JSON]: utf8(types.serializers[types.JSON]),
  [types.JSONB]: (value) =>
    isLong(value)
      ? Buffer.concat([JSONB_VERSION, Buffer.from(value, 'utf8')])
      : types.serializers[types.JSONB](value),
};
export const longTextSerializers = serializers as unknown as SerializerOptions;

/** Whether a statement's parameters hold a string long enough for the bytes path. */
export function holdsLongText(params: readonly unknown[] | undefined): boolean {
  return params?.some(isLong) ?? false;
}
