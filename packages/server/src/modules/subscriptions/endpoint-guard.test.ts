import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEndpoint, isSpecialAddress, parseAllowList, resolveEndpoint } from './endpoint-guard.ts';

const rules = parseAllowList('hooks.hospital.ma, *.lab.ma, 10.0.0.5, [::1]:8443, partner.ma:9000');
const allowed = (url: string) => {
  const r = checkEndpoint(url, rules);
  return typeof r === 'string' ? r : r;
};

describe('rest-hook allow-list', () => {
  it('an empty list allows nothing', () => {
    assert.match(checkEndpoint('https://hooks.hospital.ma/x', []) as string, /not enabled/);
  });
  it('exact hosts, ports and wildcards', () => {
    assert.equal(typeof allowed('https://hooks.hospital.ma/fhir'), 'object');
    assert.equal(typeof allowed('https://a.b.lab.ma/fhir'), 'object');
    assert.equal(
      typeof allowed('https://lab.ma/fhir'),
      'string',
      'a wildcard does not cover the domain itself',
    );
    assert.equal(typeof allowed('https://hooks.hospital.ma.evil.com/'), 'string');
    assert.equal(typeof allowed('https://partner.ma:9000/'), 'object');
    assert.equal(typeof allowed('https://partner.ma/'), 'string', 'the listed port only');
    assert.equal(typeof allowed('http://[::1]:8443/'), 'object');
  });
  it('only http(s), no credentials in the URL, no fragment', () => {
    assert.match(allowed('ftp://hooks.hospital.ma/') as string, /http/);
    assert.match(allowed('https://u:p@hooks.hospital.ma/') as string, /credentials/);
    assert.match(allowed('file:///etc/passwd') as string, /http/);
    assert.match(allowed('not a url') as string, /absolute URL/);
  });
  it('a wildcard match never counts as explicit (no private addresses through it)', () => {
    const r = checkEndpoint('https://x.lab.ma/', rules);
    assert.ok(typeof r === 'object' && !r.explicit);
    const e = checkEndpoint('https://hooks.hospital.ma/', rules);
    assert.ok(typeof e === 'object' && e.explicit);
  });
  it('rejects malformed entries at start', () => {
    assert.throws(() => parseAllowList('https://x.ma/path'));
  });
});

describe('special addresses', () => {
  it('private, loopback, link-local, metadata, mapped and ULA addresses are special', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:8.8.8.8',
    ])
      assert.ok(isSpecialAddress(a), a);
  });
  it('public addresses are not', () => {
    for (const a of ['8.8.8.8', '41.248.1.1', '2a00:1450:4007::1']) assert.ok(!isSpecialAddress(a), a);
  });
});

describe('resolving at delivery', () => {
  const endpoint = (url: string) =>
    checkEndpoint(url, rules) as Exclude<ReturnType<typeof checkEndpoint>, string>;
  it('refuses a wildcard host whose name resolves to a private address (DNS rebinding)', async () => {
    const r = await resolveEndpoint(endpoint('https://x.lab.ma/'), async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    assert.match(r as string, /private/);
  });
  it('pins the first address of a public host', async () => {
    const r = await resolveEndpoint(endpoint('https://x.lab.ma/'), async () => [
      { address: '93.184.216.34', family: 4 },
    ]);
    assert.deepEqual(r, { address: '93.184.216.34', family: 4 });
  });
  it('lets an exactly listed host resolve to a private address (an intranet endpoint)', async () => {
    const r = await resolveEndpoint(endpoint('https://hooks.hospital.ma/'), async () => [
      { address: '10.0.0.9', family: 4 },
    ]);
    assert.deepEqual(r, { address: '10.0.0.9', family: 4 });
  });
  it('a host that does not resolve is refused', async () => {
    const r = await resolveEndpoint(endpoint('https://x.lab.ma/'), async () => {
      throw new Error('ENOTFOUND');
    });
    assert.match(r as string, /does not resolve/);
  });
});
