/**
 * Where a rest-hook may send data: no server-side request forgery. An endpoint must be http(s),
 * carry no credentials in its URL, and name a host of the allow-list (SAHTI_SUBSCRIPTION_HOSTS:
 * `host`, `host:port`, `*.domain`, IP literals). At delivery the host is resolved here and the
 * connection made to the address checked (no second lookup an attacker's DNS could answer
 * differently); an address in a private, loopback, link-local or other special range is refused
 * unless the host itself is listed exactly (not through a wildcard). The HTTP client follows no
 * redirect. Pure except `resolveEndpoint`.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface HostRule {
  host: string;
  port?: number;
  /** `*.domain`: any host below the domain (never the private-range exception). */
  wildcard: boolean;
}

/** `a.ma, *.lab.ma, 10.0.0.5, [::1]:8443, localhost:9000` → rules; blanks ignored. */
export function parseAllowList(text: string): HostRule[] {
  const rules: HostRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const m = /^(\*\.)?(\[[0-9a-f:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!m) throw new Error(`SAHTI_SUBSCRIPTION_HOSTS: "${raw.trim()}" is not a host, host:port or *.domain`);
    const host = m[2].replace(/^\[|\]$/g, '');
    rules.push({ host, wildcard: m[1] !== undefined, ...(m[3] ? { port: Number(m[3]) } : {}) });
  }
  return rules;
}

export interface AllowedEndpoint {
  url: URL;
  /** The host as connected to (IPv6 without brackets). */
  host: string;
  port: number;
  /** Listed by name or address exactly: may resolve to a private address. */
  explicit: boolean;
}

/** The endpoint if the allow-list lets a rest-hook call it, else why not (a sentence). */
export function checkEndpoint(endpoint: string, rules: readonly HostRule[]): AllowedEndpoint | string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'channel.endpoint is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'channel.endpoint must be an http(s) URL';
  if (url.username || url.password)
    return 'channel.endpoint may not carry credentials: send them in channel.header';
  if (url.hash) return 'channel.endpoint may not have a fragment';
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const rule = rules.find(
    (r) =>
      (r.port === undefined || r.port === port) &&
      (r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host),
  );
  if (!rule)
    return rules.length === 0
      ? 'rest-hook endpoints are not enabled on this server (SAHTI_SUBSCRIPTION_HOSTS is empty)'
      : `the host ${host} is not in the server's list of allowed rest-hook hosts`;
  return { url, host, port, explicit: !rule.wildcard };
}

const SPECIAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 reaches IPv4 space
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, carrier-grade NAT, documentation, multicast, reserved. */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is refused wholesale (a BlockList rule for it would also
  // match every plain IPv4 address)
  if (family === 6 && /^(0{0,4}:){0,5}:?ffff:/i.test(address.replace(/^::/, ''))) return true;
  return SPECIAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ResolvedEndpoint {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * The address to connect to: every address of the host must be public unless it is listed
 * exactly (one private answer among public ones is how a rebinding attack starts).
 */
export async function resolveEndpoint(
  endpoint: AllowedEndpoint,
  resolve: Resolver = systemResolver,
): Promise<ResolvedEndpoint | string> {
  const literal = isIP(endpoint.host);
  const addresses = literal
    ? [{ address: endpoint.host, family: literal }]
    : await resolve(endpoint.host).catch(() => []);
  if (addresses.length === 0) return `the host ${endpoint.host} does not resolve`;
  if (!endpoint.explicit && addresses.some((a) => isSpecialAddress(a.address)))
    return `the host ${endpoint.host} resolves to a private or reserved address (list it exactly in SAHTI_SUBSCRIPTION_HOSTS to allow it)`;
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
