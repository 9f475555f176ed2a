/**
 * The webhook address guard (src/webhooks/address-guard.ts), table-driven from the special-purpose registries:
 * RFC 6890 (and its updates) for the ranges, RFC 4291 (IPv4-mapped and -compatible), RFC 6052 (NAT64 64:ff9b::/96),
 * RFC 8215 (local-use NAT64 64:ff9b:1::/48) and RFC 3056 (6to4 2002::/16) for IPv6 addresses that embed an IPv4
 * address: those are refused exactly when the IPv4 address itself is.
 */
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, resolveTarget } from '../src/webhooks/address-guard.js';

/** First and last address of each not globally reachable IPv4 range. */
const PRIVATE_V4: readonly [string, string, string][] = [
  ['0.0.0.0/8 this network', '0.0.0.0', '0.255.255.255'],
  ['10.0.0.0/8 private', '10.0.0.0', '10.255.255.255'],
  ['100.64.0.0/10 shared (CGNAT)', '100.64.0.0', '100.127.255.255'],
  ['127.0.0.0/8 loopback', '127.0.0.0', '127.255.255.255'],
  ['169.254.0.0/16 link-local', '169.254.0.0', '169.254.255.255'],
  ['172.16.0.0/12 private', '172.16.0.0', '172.31.255.255'],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.0', '192.0.0.255'],
  ['192.0.2.0/24 TEST-NET-1', '192.0.2.0', '192.0.2.255'],
  ['192.168.0.0/16 private', '192.168.0.0', '192.168.255.255'],
  ['198.18.0.0/15 benchmarking', '198.18.0.0', '198.19.255.255'],
  ['198.51.100.0/24 TEST-NET-2', '198.51.100.0', '198.51.100.255'],
  ['203.0.113.0/24 TEST-NET-3', '203.0.113.0', '203.0.113.255'],
  ['224.0.0.0/4 multicast', '224.0.0.0', '239.255.255.255'],
  ['240.0.0.0/4 reserved and broadcast', '240.0.0.0', '255.255.255.255'],
];
/** Public neighbours of those ranges (one past either end) and well-known public resolvers. */
const PUBLIC_V4 = [
  '1.0.0.0',
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.0',
  '192.0.3.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '8.8.8.8',
  '1.1.1.1',
];

const PRIVATE_V6: readonly [string, string, string][] = [
  ['::/128 unspecified', '::', '::'],
  ['::1/128 loopback', '::1', '::1'],
  ['::/96 IPv4-compatible (deprecated)', '::8.8.8.8', '::ffff:ffff'],
  ['64:ff9b:1::/48 local-use NAT64', '64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
  ['100::/64 discard-only', '100::', '100::ffff:ffff:ffff:ffff'],
  ['2001::/23 IETF protocol assignments (Teredo)', '2001::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:db8::/32 documentation', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fc00::/7 unique local', 'fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fe80::/10 link-local', 'fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fec0::/10 site-local (deprecated)', 'fec0::', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['ff00::/8 multicast', 'ff00::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];
const PUBLIC_V6 = ['2001:4860:4860::8888', '2606:4700:4700::1111', '2001:200::1', '2400::1', 'fbff::1'];

/** Every way an IPv6 address can carry the IPv4 address a.b.c.d to a reachable host. */
function embeddings(ipv4: string): Record<string, string> {
  const [a, b, c, d] = ipv4.split('.').map(Number) as [number, number, number, number];
  const hi = ((a << 8) | b).toString(16);
  const lo = ((c << 8) | d).toString(16);
  return {
    'IPv4-mapped dotted (RFC 4291)': `::ffff:${ipv4}`,
    'IPv4-mapped hex': `::ffff:${hi}:${lo}`,
    'IPv4-mapped, expanded': `0:0:0:0:0:ffff:${hi}:${lo}`,
    'IPv4-translated (RFC 2765)': `::ffff:0:${ipv4}`,
    'NAT64 well-known prefix (RFC 6052)': `64:ff9b::${ipv4}`,
    'NAT64 hex': `64:ff9b::${hi}:${lo}`,
    '6to4 (RFC 3056)': `2002:${hi}:${lo}::1`,
    '6to4 with a subnet and host': `2002:${hi}:${lo}:1:2:3:4:5`,
  };
}

describe('webhook address guard', () => {
  it.each(PRIVATE_V4)('refuses IPv4 %s', (_range, first, last) => {
    expect(isPrivateAddress(first)).toBe(true);
    expect(isPrivateAddress(last)).toBe(true);
  });

  it('allows the public neighbours of those ranges', () => {
    for (const address of PUBLIC_V4) expect(isPrivateAddress(address), address).toBe(false);
  });

  it.each(PRIVATE_V6)('refuses IPv6 %s', (_range, first, last) => {
    expect(isPrivateAddress(first)).toBe(true);
    expect(isPrivateAddress(last)).toBe(true);
  });

  it('allows public IPv6 addresses', () => {
    for (const address of PUBLIC_V6) expect(isPrivateAddress(address), address).toBe(false);
  });

  it.each(PRIVATE_V4)('refuses IPv6 addresses embedding IPv4 %s', (_range, first, last) => {
    for (const ipv4 of [first, last])
      for (const [form, address] of Object.entries(embeddings(ipv4)))
        expect(isPrivateAddress(address), `${form}: ${address}`).toBe(true);
  });

  it('allows IPv6 addresses embedding a public IPv4 address', () => {
    for (const ipv4 of PUBLIC_V4)
      for (const [form, address] of Object.entries(embeddings(ipv4)))
        expect(isPrivateAddress(address), `${form}: ${address}`).toBe(false);
  });

  it('drops a zone index before checking', () => {
    expect(isPrivateAddress('fe80::1%eth0')).toBe(true);
    expect(isPrivateAddress('::ffff:127.0.0.1%1')).toBe(true);
  });

  it('refuses a URL whose literal host embeds loopback, unless private addresses are allowed', async () => {
    const policy = { allowHttp: false, allowPrivate: false };
    for (const host of ['[64:ff9b::7f00:1]', '[2002:7f00:1::1]', '[::ffff:127.0.0.1]', '[::ffff:0:a00:1]'])
      await expect(resolveTarget(new URL(`https://${host}/hook`), policy), host).rejects.toThrow(
        /non-public address/,
      );
    await expect(
      resolveTarget(new URL('https://[64:ff9b::7f00:1]/hook'), { ...policy, allowPrivate: true }),
    ).resolves.toEqual({ address: '64:ff9b::7f00:1', family: 6 });
  });
});
