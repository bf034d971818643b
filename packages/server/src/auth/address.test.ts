import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressBucket } from './address.ts';

describe('address buckets for throttling', () => {
  it('keeps IPv4 addresses, also when IPv4-mapped', () => {
    assert.equal(addressBucket('203.0.113.7'), '203.0.113.7');
    assert.equal(addressBucket('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one', () => {
    const a = addressBucket('2001:db8:aa:bb:1:2:3:4');
    assert.equal(a, '2001:db8:aa:bb::/64');
    assert.equal(addressBucket('2001:0DB8:00aa:00bb:ffff::1'), a);
    assert.equal(addressBucket('2001:db8:aa:bb::9%eth0'), a);
    assert.notEqual(addressBucket('2001:db8:aa:bc::1'), a);
  });

  it('expands :: wherever it stands', () => {
    assert.equal(addressBucket('::1'), '0:0:0:0::/64');
    assert.equal(addressBucket('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(addressBucket('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  });

  it('leaves anything else as it came (never throws)', () => {
    assert.equal(addressBucket('unknown'), 'unknown');
    assert.equal(addressBucket(''), '');
  });
});
