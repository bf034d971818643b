import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPieces, STREAMED_ENTRIES, streamedBody } from './json-pieces.ts';

const patient = (i: number) => ({
  resourceType: 'Patient',
  id: `p-${i}`,
  name: [{ family: `Mémoire${i}`, given: ['Ḥasan', 'حسن'] }],
  note: 'quote " backslash \\ line\nend \u2028 \ud800 lone',
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe('a large Bundle sent in pieces', () => {
  it('is the text JSON.stringify writes, byte for byte', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 3_000,
      link: [{ relation: 'self', url: 'https://x/fhir/R4/Patient?_count=3000' }],
      entry: Array.from({ length: 3_000 }, (_, i) => ({ fullUrl: `Patient/p-${i}`, resource: patient(i) })),
      signature: undefined,
      meta: { lastUpdated: '2026-12-05T20:00:00Z' },
    };
    const stream = streamedBody(bundle);
    assert.ok(stream, 'a bundle of 3,000 entries is streamed');
    const sent = await text(stream);
    assert.equal(sent, JSON.stringify(bundle));
    assert.equal(JSON.parse(sent).entry.length, 3_000);
  });

  it('writes what JSON.stringify leaves out or turns to null the same way', () => {
    const odd = {
      resourceType: 'Bundle',
      a: undefined,
      f: () => 1,
      entry: [1, undefined, () => 2, { b: undefined }],
      z: null,
    };
    assert.equal([...jsonPieces(odd, 'entry')].join(''), JSON.stringify(odd));
    const empty = { entry: [] };
    assert.equal([...jsonPieces(empty, 'entry')].join(''), JSON.stringify(empty));
    const onlyUndefined = { a: undefined, entry: [0] };
    assert.equal([...jsonPieces(onlyUndefined, 'entry')].join(''), JSON.stringify(onlyUndefined));
  });

  it('comes in several pieces, none much larger than a piece', () => {
    const bundle = { resourceType: 'Bundle', entry: Array.from({ length: 2_000 }, (_, i) => patient(i)) };
    const pieces = [...jsonPieces(bundle, 'entry')];
    assert.ok(pieces.length > 3, `${pieces.length} pieces`);
    assert.ok(Math.max(...pieces.map((p) => p.length)) < 70 * 1024);
  });

  it('leaves small bundles and anything else to the single string', () => {
    const few = { resourceType: 'Bundle', entry: Array.from({ length: STREAMED_ENTRIES }, (_, i) => i) };
    assert.equal(streamedBody(few), undefined);
    for (const other of [
      null,
      'text',
      42,
      { resourceType: 'Patient', entry: Array(1_000).fill(1) },
      { resourceType: 'Bundle' },
    ])
      assert.equal(streamedBody(other), undefined);
  });
});
