import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLsn, walEnd } from './wal.ts';

describe('WAL positions', () => {
  it('parses the text PostgreSQL prints', () => {
    assert.equal(parseLsn('0/0'), 0n);
    assert.equal(parseLsn('16/B374D848'), 0x16b374d848n);
    assert.equal(parseLsn('FFFFFFFF/FFFFFFFF'), 0xffffffffffffffffn);
    assert.throws(() => parseLsn('16B374D848'), /not a WAL position/);
    assert.throws(() => parseLsn(''), /not a WAL position/);
  });

  it('an insert position just past a page header is the page boundary a standby reports', () => {
    assert.equal(walEnd(parseLsn('0/3002018')), parseLsn('0/3002000')); // short header, inside a segment
    assert.equal(walEnd(parseLsn('0/4000028')), parseLsn('0/4000000')); // long header, start of a segment
    assert.equal(walEnd(parseLsn('0/3002020')), parseLsn('0/3002020')); // after a record: unchanged
    assert.equal(walEnd(parseLsn('0/3002000')), parseLsn('0/3002000'));
  });

  it('follows the server layout (wal_block_size, wal_segment_size)', () => {
    const layout = { blockSize: 32768, segmentSize: 64 * 1024 * 1024 };
    assert.equal(walEnd(parseLsn('0/3002018'), layout), parseLsn('0/3002018'));
    assert.equal(walEnd(parseLsn('0/3008018'), layout), parseLsn('0/3008000'));
    assert.equal(walEnd(parseLsn('0/2000028'), layout), parseLsn('0/2000028')); // not a 64 MB boundary
    assert.equal(walEnd(parseLsn('0/8000028'), layout), parseLsn('0/8000000'));
  });
});
