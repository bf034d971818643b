import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { protocol } from '@electric-sql/pglite';
import { bindMessage, parseMessage, type WireValue } from './pglite-messages.ts';

const { serialize } = protocol;
const bytes = (message: Uint8Array) => [...message];

describe('the Parse and Bind messages written for PGlite', () => {
  it('are the bytes PGlite writes for the same statement', () => {
    const texts = [
      'SELECT 1',
      'SELECT $1::text, $2::jsonb',
      `SELECT r.content FROM resource r WHERE r.id = $1::text -- « é » الإدريسي 😀 ${'x'.repeat(70_000)}`,
    ];
    for (const name of ['', 'sahti_1', 'sahti_256'])
      for (const text of texts)
        for (const types of [[], [25], [25, 3802, 1009, 16, 23]])
          assert.deepEqual(
            bytes(parseMessage(name, text, types)),
            bytes(serialize.parse({ name, text, types })),
          );
  });

  it('bind text, bytes and nulls in any mix, with the right format code for each', () => {
    const long = `{"family":"الإدريسي","given":["Aïcha"],"note":"${'é😀'.repeat(40_000)}"}`;
    const cases: WireValue[][] = [
      [],
      [null],
      [''],
      ['abc', null, 'é', '😀 الإدريسي'],
      ['lone \uD800 surrogate', 'and \uDC00'],
      [Buffer.from([0, 1, 255]), 'text after bytes', null, new Uint8Array([7])],
      [long, Buffer.concat([Buffer.from([1]), Buffer.from(long)]), '{"a","b \\"c\\""}'],
      Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? null : `v${i}`)),
    ];
    for (const statement of ['', 'sahti_12'])
      for (const values of cases)
        assert.deepEqual(
          bytes(bindMessage(statement, values)),
          bytes(serialize.bind({ statement, values: values as (string | null)[] })),
        );
  });
});
