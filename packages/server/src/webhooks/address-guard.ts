/**
 * Where a webhook may be sent: the URL must be HTTPS (plain http only with `webhookAllowHttp`), and every address
 * its host resolves to must be public — loopback, private, link-local, CGNAT, multicast and reserved ranges are
 * refused unless `webhookAllowPrivate`. Checked at every delivery, on the resolved address, and the connection is
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

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  // The URL parser writes IPv4-mapped addresses in hex (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`).
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return PRIVATE.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
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
