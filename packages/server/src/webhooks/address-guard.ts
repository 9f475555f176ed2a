/**
 * Where a webhook may be sent: the URL must be HTTPS (plain http only with `webhookAllowHttp`), and every address
 * its host resolves to must be public — loopback, private, link-local, CGNAT, multicast and reserved ranges are
 * refused unless `webhookAllowPrivate` — also when an IPv6 address embeds such an IPv4 address (IPv4-mapped,
 * NAT64, 6to4). Checked at every delivery, on the resolved address, and the connection is
 * pinned to the address that was checked (a second DNS answer cannot redirect it).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface AddressPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
}

/** Not globally reachable IPv4 ranges (RFC 6890 and its updates). */
const PRIVATE_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (RFC 3927)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation TEST-NET-1 (RFC 5737)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast 255.255.255.255
] as const)
  PRIVATE_V4.addSubnet(net, bits, 'ipv4');

/** Not globally reachable IPv6 ranges that embed no IPv4 address (those are unpacked in `isPrivateAddress`). */
const PRIVATE_V6 = new BlockList();
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): where its IPv4 sits depends on the operator's prefix length
  ['100::', 64], // discard-only (RFC 6666)
  ['2001::', 23], // IETF protocol assignments, including Teredo 2001::/32 (RFC 4380), which tunnels to IPv4
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local (RFC 3879)
  ['ff00::', 8], // multicast
] as const)
  PRIVATE_V6.addSubnet(net, bits, 'ipv6');

/** The 16 bytes of an IPv6 address (zone index dropped, a trailing dotted IPv4 allowed); undefined if it is not one. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const text = address.replace(/%.*$/, '');
  if (isIP(text) !== 6) return undefined;
  let groups = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    groups = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const words =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    const value = parseInt(word, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 255;
  });
  return bytes;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean =>
  prefix.every((b, i) => bytes[i] === b);
const ipv4At = (bytes: Uint8Array, offset: number): string =>
  Array.from(bytes.subarray(offset, offset + 4)).join('.');
const ZERO_80 = Array<number>(10).fill(0);

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one the network would reach: IPv4-mapped
 * ::ffff:a.b.c.d (RFC 4291), IPv4-translated ::ffff:0:a.b.c.d (RFC 2765), the well-known NAT64 prefix
 * 64:ff9b::/96 (RFC 6052) and 6to4 2002:aabb:ccdd::/48 (RFC 3056).
 */
export function embeddedIpv4(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [...ZERO_80, 0xff, 0xff])) return ipv4At(bytes, 12);
  if (startsWith(bytes, [...ZERO_80.slice(0, 8), 0xff, 0xff, 0, 0])) return ipv4At(bytes, 12);
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, ...ZERO_80.slice(0, 8)])) return ipv4At(bytes, 12);
  if (startsWith(bytes, [0x20, 0x02])) return ipv4At(bytes, 2);
  return undefined;
}

/** Whether a resolved address is one a webhook must not be sent to (without `allowPrivate`). */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) return PRIVATE_V4.check(address, 'ipv4');
  const bytes = ipv6Bytes(address);
  if (!bytes) return true; // not an address at all: never connect to it
  const ipv4 = embeddedIpv4(bytes);
  if (ipv4 !== undefined) return PRIVATE_V4.check(ipv4, 'ipv4');
  return PRIVATE_V6.check(address.replace(/%.*$/, ''), 'ipv6');
}

/** Checks the URL's form (at configuration and delivery); throws `RefusedTarget` saying why. */
export function checkUrl(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedTarget('url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
    throw new RefusedTarget('url must be https');
  if (url.username || url.password) throw new RefusedTarget('url must not carry credentials');
  return url;
}

/** Resolves the URL's host and returns the address to connect to; throws `RefusedTarget` for a private one. */
export async function resolveTarget(
  url: URL,
  policy: AddressPolicy,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const answers = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true, verbatim: true });
  if (answers.length === 0) throw new RefusedTarget(`${host} does not resolve`);
  if (!policy.allowPrivate) {
    const refused = answers.find((a) => isPrivateAddress(a.address));
    if (refused) throw new RefusedTarget(`${host} resolves to the non-public address ${refused.address}`);
  }
  return answers[0]!;
}
